"""Every public page type, on a phone (360 px) and a desktop (1280 px), logs no console error,
throws no script error and has no request fail: the same pages the W3C HTML check reads.

The NHS.UK fonts come from https://assets.nhs.uk (the CSP allows that origin for fonts). The test
machines have no internet, so those requests are stopped here and not counted as failures: what
the font host answers is not this site's fault. A font (or anything else) the CSP blocks still
fails the test: the browser reports the violation as a console error of its own, which is kept,
and the blocked request fails with the reason "csp", from whatever host.
"""

from urllib.parse import urlparse

import pytest

from tests.test_w3c_html import addresses

FONT_HOST = "assets.nhs.uk"


def is_font_host(url):
    return urlparse(url).hostname == FONT_HOST


def is_favicon(url):
    return "/favicons/" in urlparse(url).path


class Problems:
    """What goes wrong while a tab shows one page after another, each noted with its page."""

    def __init__(self, tab):
        self.found = []
        self.where = ""
        tab.on("console", self.console)
        tab.on("pageerror", lambda error: self.note(f"script error: {error}"))
        tab.on("requestfailed", self.request_failed)
        tab.on("response", self.response)

    def note(self, problem):
        self.found.append(f"{self.where}: {problem}")

    def console(self, message):
        if message.type != "error":
            return
        source = message.location.get("url", "")
        if message.text.startswith("Failed to load resource") and is_font_host(source):
            return  # the stopped font request (see above); a CSP violation is a message of its own
        self.note(f"console error: {message.text} ({source})")

    def request_failed(self, request):
        if request.failure == "net::ERR_ABORTED" and is_favicon(request.url):
            # The browser fetches the icon on its own after load and cancels that fetch when
            # the page navigates away first; a missing icon would show as an HTTP error instead.
            return
        if not is_font_host(request.url) or request.failure == "csp":
            self.note(f"request failed: {request.method} {request.url} ({request.failure})")

    def response(self, response):
        if response.status >= 400:
            self.note(f"HTTP {response.status}: {response.request.method} {response.url}")


@pytest.mark.parametrize("width", [360, 1280])
def test_public_pages_log_no_console_errors_and_no_failed_requests(page, width):
    page.set_viewport_size({"width": width, "height": 900})
    # Stopped at once, online or not: no test waits on the font host.
    page.route(f"https://{FONT_HOST}/**", lambda route: route.abort())
    problems = Problems(page)

    for name, address in addresses():
        if name == "not-found":
            continue  # its 404 is the point; the branded 404 page is tested in test_smoke.py
        problems.where = f"{name} ({address})"
        response = page.goto(address, wait_until="load")
        assert response.status == 200, f"{name}: {address} gave {response.status}"
        # Scripts that start after load (the header menu, the idea form's suggestions) run.
        page.wait_for_load_state("networkidle")

    # The idea form sent empty comes back with its errors.
    problems.where = "idea-form-with-errors (POST /ideas/submit/)"
    page.goto("/ideas/submit/")
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Send idea").click()
    page.locator(".nhsuk-error-summary").wait_for()
    page.wait_for_load_state("networkidle")

    assert not problems.found, f"At {width} px:\n" + "\n".join(problems.found)
