"""The 400, 403, CSRF-failure and 429 pages: the site's own look, plain words, a way on, and
nothing the request carried echoed back."""

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path
from django_ratelimit.exceptions import Ratelimited

from kb import urls as kb_urls

pytestmark = pytest.mark.django_db

CSRF_MESSAGE = "Your form has expired or your browser blocked cookies."
HOSTILE = '"><script>alert("owned")</script> NHS number 943 476 5919'


def assert_branded(response, status, heading):
    assert response.status_code == status
    html = response.content.decode()
    assert "nhsuk-header" in html and "nhsuk-footer" in html
    assert heading in html
    assert 'href="/"' in html  # never a dead end
    assert "Traceback" not in html
    return html


def assert_echoes_nothing(html):
    assert "<script>alert" not in html
    assert "owned" not in html
    assert "943 476 5919" not in html


# --- CSRF failure ---------------------------------------------------------------------------


def test_a_public_post_without_a_token_gets_the_branded_csrf_page(site_tree):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/", {"comment": HOSTILE})
    html = assert_branded(response, 403, "Sorry, your form could not be sent")
    assert CSRF_MESSAGE in html
    assert "Go back, reload the page and try again." in html
    assert_echoes_nothing(html)
    # Django's own page: its inline style is blocked by our CSP, and its reason is jargon.
    assert "<style" not in html and " style=" not in html
    assert "CSRF" not in html and "Forbidden" not in html
    assert "style-src 'self'" in response["Content-Security-Policy"]


def test_the_admin_sign_in_without_a_token_gets_the_branded_csrf_page(site_tree):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/admin/login/", {"username": HOSTILE, "password": "x"})
    html = assert_branded(response, 403, "Sorry, your form could not be sent")
    assert CSRF_MESSAGE in html
    assert_echoes_nothing(html)


def test_a_post_with_a_token_from_the_form_still_works(site_tree, django_user_model):
    """The failure view changes only what a failure looks like, not what passes."""
    django_user_model.objects.create_superuser("admin3", "a@example.nhs.uk", "right-password-1")
    client = Client(enforce_csrf_checks=True)
    client.get("/admin/login/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/admin/login/",
        {"username": "admin3", "password": "right-password-1", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


# A tiny urlconf: one view that offers its own CSRF-failure answer, and views that do not.
calls = []


def _delegating(request):
    return HttpResponse("posted")


def _own_answer(request, reason):
    calls.append((request.path, reason))
    return HttpResponse("the form again, with your text", status=403)


_delegating.csrf_failure_response = _own_answer


def _not_callable(request):
    return HttpResponse("posted")


_not_callable.csrf_failure_response = "not a function"


def _plain(request):
    return HttpResponse("posted")


def _raise_bad_request(request):
    raise SuspiciousOperation("secret detail of the bad request")


def _raise_permission_denied(request):
    raise PermissionDenied("secret detail of the refusal")


def _raise_ratelimited(request):
    raise Ratelimited()


urlpatterns = [
    path("delegating/", _delegating),
    path("not-callable/", _not_callable),
    path("plain/", _plain),
    path("bad-request/", _raise_bad_request),
    path("denied/", _raise_permission_denied),
    path("ratelimited/", _raise_ratelimited),
    # Enough of the site for base.html (its navigation reverses the search page); no catch-all,
    # so unknown addresses do not resolve.
    path("search/", include("kb.search.urls")),
]
handler400 = kb_urls.handler400
handler403 = kb_urls.handler403


@pytest.fixture
def test_urls(settings, site_tree):
    settings.ROOT_URLCONF = __name__
    calls.clear()


def test_a_view_with_its_own_csrf_failure_answer_gets_to_give_it(test_urls):
    response = Client(enforce_csrf_checks=True).post("/delegating/", {"idea": HOSTILE})
    assert response.status_code == 403
    assert response.content == b"the form again, with your text"
    assert len(calls) == 1
    assert calls[0][0] == "/delegating/"
    assert calls[0][1]  # Django's reason is passed on, for the view to log if it wants


@pytest.mark.parametrize("address", ["/plain/", "/not-callable/"])
def test_other_addresses_get_the_branded_csrf_page(test_urls, address):
    response = Client(enforce_csrf_checks=True).post(address, {"idea": HOSTILE})
    html = assert_branded(response, 403, "Sorry, your form could not be sent")
    assert CSRF_MESSAGE in html
    assert_echoes_nothing(html)
    assert calls == []


def test_an_address_that_does_not_resolve_gets_the_branded_csrf_page(test_urls, rf):
    """The middleware only checks resolved views, but csrf_protect and other callers may not."""
    from kb.core.views import csrf_failure

    request = rf.post("/no/such/address/", {"idea": HOSTILE})
    response = csrf_failure(request, reason="CSRF cookie not set.")
    html = assert_branded(response, 403, "Sorry, your form could not be sent")
    assert "CSRF cookie not set" not in html
    assert_echoes_nothing(html)


# --- 400, 403 and 429 -----------------------------------------------------------------------


def test_a_suspicious_request_gets_the_branded_400(test_urls):
    response = Client().get("/bad-request/", {"q": HOSTILE})
    html = assert_branded(response, 400, "Sorry, there is a problem with the service")
    assert "go back, reload the page and try again" in html
    assert "secret detail" not in html
    assert_echoes_nothing(html)


@pytest.mark.parametrize("host", ["evil.example", 'evil.example"><script>alert("owned")</script>'])
def test_an_unknown_host_gets_the_branded_400_without_echoing_it(site_tree, host):
    response = Client().get("/", HTTP_HOST=host)
    html = assert_branded(response, 400, "Sorry, there is a problem with the service")
    assert "evil.example" not in html
    assert_echoes_nothing(html)


def test_a_refusal_gets_the_branded_403(test_urls):
    response = Client().get("/denied/")
    html = assert_branded(response, 403, "You cannot see this page")
    assert 'href="/admin/login/"' in html
    assert "secret detail" not in html


def test_a_rate_limit_refusal_is_a_branded_429_not_a_403(test_urls):
    response = Client().post("/ratelimited/", {"idea": HOSTILE})
    html = assert_branded(response, 429, "Sorry, there have been too many requests")
    assert "Wait up to an hour and try again." in html
    assert_echoes_nothing(html)


def test_the_error_pages_keep_the_content_security_policy(test_urls):
    for address, status in [("/bad-request/", 400), ("/denied/", 403), ("/ratelimited/", 429)]:
        response = Client().get(address)
        assert response.status_code == status
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert "<style" not in response.content.decode()
