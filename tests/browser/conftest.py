"""Real-browser harness: Debian's headless Chromium, driven by Playwright, against a live server.

The server runs in a thread on the test database for the whole session, with the demo content
loaded (committed, so the server's own connections see it). These tests take no `db` fixture:
pytest-django runs them after the database tests, and each test re-checks the demo content,
which is cheap when it is already there.
"""

import os
import shutil
import time
from pathlib import Path

import pytest
from django.core.management import call_command

# Playwright's sync API keeps an event loop on the main thread; Django's ORM calls made here
# (loading demo content) are ordinary blocking calls, not async code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("KB_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_site(django_db_setup, django_db_blocker):
    """Base URL of a server thread serving the test database through the real middleware."""
    from django.test.testcases import LiveServerThread, _MediaFilesHandler

    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run ./scripts/bootstrap.sh test")
    # The server thread needs the database for the whole session, so the block lifts until then.
    with django_db_blocker.unblock():
        from django.db import connection
        from wagtail.models import Page

        assert "test" in connection.settings_dict["NAME"], "browser tests need the test database"
        if not Page.objects.exists():
            pytest.fail(
                "The test database was emptied by a transactional test earlier in this session. "
                "Run the browser tests in a session of their own: pytest tests/browser "
                "(make test does)."
            )
        call_command("load_demo_content", verbosity=0)
        call_command("load_variation_demo", verbosity=0)
        thread = LiveServerThread("127.0.0.1", static_handler=_MediaFilesHandler, port=0)
        thread.daemon = True
        thread.start()
        thread.is_ready.wait()
        if thread.error:
            raise thread.error
        yield f"http://127.0.0.1:{thread.port}"
        thread.terminate()
        _end_server_sessions(connection)


def _end_server_sessions(connection):
    """The server's request threads may still hold database connections when the session ends
    (a keep-alive socket closing, CONN_MAX_AGE): on PostgreSQL they would stop the test
    database from being dropped ("being accessed by other users"), so end them."""
    if connection.vendor != "postgresql":
        return
    others = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_terminate_backend(pid) {others}")  # noqa: S608 (no input)
        for _ in range(100):  # a terminated session takes a moment to go
            cursor.execute(f"SELECT count(*) {others}")  # noqa: S608
            if cursor.fetchone()[0] == 0:
                break
            time.sleep(0.05)
    connection.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_site):
    """A fresh browser tab at the live site; the demo content is present."""
    call_command("load_demo_content", verbosity=0)
    context = browser.new_context(base_url=live_site, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


@pytest.fixture
def screenshot(request):
    """Save a full-page screenshot into test-artifacts/ for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(tab, name):
        path = ARTIFACTS / f"{name}.png"
        tab.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def axe_check():
    """Run axe-core on the page; fail on any serious or critical WCAG 2.2 A/AA violation."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(tab):
        results = axe.run(
            tab,
            options={
                "runOnly": {
                    "type": "tag",
                    "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
                },
                "resultTypes": ["violations"],
            },
        )
        serious = [
            v for v in results.response["violations"] if v["impact"] in ("serious", "critical")
        ]
        assert not serious, "\n".join(
            f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(str(n["target"]) for n in v["nodes"][:3])
            for v in serious
        )
        return results

    return check
