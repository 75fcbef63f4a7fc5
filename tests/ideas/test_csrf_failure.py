"""A failed CSRF check (the page had expired, or its cookie was lost) never loses what was typed.

The site-wide CSRF failure view (settings.CSRF_FAILURE_VIEW) resolves the posted path and, when
the view there has a callable `csrf_failure_response(request, reason)`, returns its answer. The
ideas views give the form back with a 403: an error summary, the person's text less any NHS
number, a fresh form token, and nothing stored.
"""

import html as html_lib
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponseForbidden
from django.test import Client, RequestFactory
from django.urls import resolve

from kb.ideas import services, views
from kb.ideas.models import Endorsement, IdeaStatusChange, IdeaSubmission, SubmissionFormToken
from kb.ideas.tokens import form_token_hash

pytestmark = pytest.mark.django_db

NHS_NUMBER = "943 476 5919"
REASON = "CSRF cookie not set."


def contract_csrf_failure(request, reason=""):
    """The contract of kb.core.views.csrf_failure, for when that view is not there yet."""
    handler = getattr(resolve(request.path_info).func, "csrf_failure_response", None)
    if callable(handler):
        return handler(request, reason)
    return HttpResponseForbidden("CSRF check failed")


@pytest.fixture
def site_csrf_failure_view(settings):
    """The site's CSRF failure view if it is wired up, otherwise one that keeps the contract."""
    try:
        from kb.core.views import csrf_failure  # noqa: F401
    except ImportError:
        wired = False
    else:
        wired = settings.CSRF_FAILURE_VIEW == "kb.core.views.csrf_failure"
    if not wired:
        settings.CSRF_FAILURE_VIEW = f"{__name__}.contract_csrf_failure"
    return settings.CSRF_FAILURE_VIEW


def text_of(response):
    return html_lib.unescape(response.content.decode())


def hidden(response, name):
    return re.search(rf'name="{name}" value="([^"]+)"', response.content.decode()).group(1)


def textarea(response, name):
    found = re.search(
        rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', response.content.decode(), re.S
    )
    return html_lib.unescape(found.group(1))


def posted(path, data):
    """A POST request as the CSRF middleware hands it to the failure view."""
    request = RequestFactory().post(path, data)
    request.user = AnonymousUser()
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def assert_no_patient_number(response):
    html = text_of(response)
    assert NHS_NUMBER not in html and NHS_NUMBER.replace(" ", "") not in html


def test_the_views_offer_their_own_answer():
    for path, view in (
        ("/ideas/submit/", views.submit),
        ("/ideas/status/some-token/", views.status),
        ("/ideas/endorse/1/support/", views.endorse),
    ):
        assert resolve(path).func is view
        assert callable(view.csrf_failure_response)


# --- The idea form --------------------------------------------------------------------------------


def assert_idea_form_given_back(response, data):
    assert response.status_code == 403
    html = text_of(response)
    assert html.count("<title>Error: ") == 1
    assert "This form had expired, so your idea has not been sent yet" in html
    assert "Check them, then select “Send idea” again" in html
    assert 'value="Pre-packed theatre trays for hernia repairs"' in html
    assert textarea(response, "proposal") == data["proposal"]
    assert textarea(response, "problem") == "Patient [NHS number removed] waited for a set."
    assert 'value="Theatre practitioner"' in html and 'value="Sam.Taylor@example.nhs.uk"' in html
    assert_no_patient_number(response)
    token = hidden(response, "form_token")
    assert token != data["form_token"] and form_token_hash(token) is not None
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    assert not IdeaSubmission.objects.exists()
    assert not SubmissionFormToken.objects.exists()


def test_the_idea_form_comes_back_when_called_directly(form_data):
    data = form_data(problem=f"Patient {NHS_NUMBER} waited for a set.")
    response = views.submit.csrf_failure_response(posted("/ideas/submit/", data), REASON)
    assert_idea_form_given_back(response, data)


def test_the_idea_form_comes_back_through_the_real_csrf_check_and_can_be_sent_again(
    form_data, site_csrf_failure_view
):
    data = form_data(problem=f"Patient {NHS_NUMBER} waited for a set.")
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/ideas/submit/", data)
    assert_idea_form_given_back(response, data)

    # The page carries a working CSRF token and form token: checked and sent again, it lands.
    again = {
        **data,
        "problem": "A patient waited for a set.",
        "form_token": hidden(response, "form_token"),
        "csrfmiddlewaretoken": hidden(response, "csrfmiddlewaretoken"),
    }
    sent = browser.post("/ideas/submit/", again)
    assert sent.status_code == 302, text_of(sent)[:2000]
    submission = IdeaSubmission.objects.get()
    assert submission.problem == "A patient waited for a set."
    assert submission.reference in text_of(browser.get(sent["Location"]))


def test_a_wrong_csrf_token_is_answered_the_same_way(form_data, site_csrf_failure_view):
    browser = Client(enforce_csrf_checks=True)
    first = browser.get("/ideas/submit/")  # sets the CSRF cookie
    data = {
        **form_data(problem=f"Patient {NHS_NUMBER} waited for a set."),
        "form_token": hidden(first, "form_token"),
        "csrfmiddlewaretoken": "x" * 64,
    }
    response = browser.post("/ideas/submit/", data)
    assert_idea_form_given_back(response, data)


# --- The status page answer -----------------------------------------------------------------------


@pytest.fixture
def asked(make_submission, moderator):
    submission, token = make_submission()
    services.request_more_information(submission, moderator, "How many trays a week?")
    return submission, f"/ideas/status/{token}/"


def assert_answer_given_back(response, submission):
    assert response.status_code == 403
    html = text_of(response)
    assert "This page had expired, so your answer has not been sent yet" in html
    assert textarea(response, "message") == "About forty, for patient [NHS number removed]."
    assert "Send answer" in html
    assert_no_patient_number(response)
    assert response["Referrer-Policy"] == "no-referrer"
    assert not IdeaStatusChange.objects.filter(submission=submission, by_submitter=True).exclude(
        from_status=""
    )


def test_the_status_answer_comes_back_when_called_directly(asked):
    submission, url = asked
    request = posted(url, {"message": f"About forty, for patient {NHS_NUMBER}."})
    response = views.status.csrf_failure_response(request, REASON)
    assert_answer_given_back(response, submission)


def test_the_status_answer_comes_back_through_the_real_csrf_check(asked, site_csrf_failure_view):
    submission, url = asked
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(url, {"message": f"About forty, for patient {NHS_NUMBER}."})
    assert_answer_given_back(response, submission)
    sent = browser.post(
        url,
        {
            "message": "About forty.",
            "csrfmiddlewaretoken": hidden(response, "csrfmiddlewaretoken"),
        },
    )
    assert sent.status_code == 302
    assert submission.changes.filter(by_submitter=True, message="About forty.").exists()


def test_an_expired_status_page_for_a_decided_idea_says_the_answer_cannot_be_sent(asked, moderator):
    submission, url = asked
    services.decline_idea(submission, moderator, "No.")
    request = posted(url, {"message": "About forty."})
    response = views.status.csrf_failure_response(request, REASON)
    assert response.status_code == 403
    html = text_of(response)
    assert "Your answer has not been sent" in html and "Declined" in html
    assert textarea(response, "message") == "About forty."


def test_an_unknown_status_link_is_not_found(ideas_index, site_csrf_failure_view):
    browser = Client(enforce_csrf_checks=True)
    assert browser.post("/ideas/status/not-a-real-token/", {"message": "x"}).status_code == 404


# --- Endorsements ---------------------------------------------------------------------------------


def assert_endorsement_given_back(response):
    assert response.status_code == 403
    html = text_of(response)
    assert "This page had expired, so your answer has not been sent yet" in html
    assert 'value="lead@example.nhs.uk"' in html
    assert 'value="Ward [NHS number removed] team"' in html
    assert_no_patient_number(response)
    assert not Endorsement.objects.exists()


def test_an_endorsement_comes_back_when_called_directly(make_idea):
    idea = make_idea()
    request = posted(
        f"/ideas/endorse/{idea.pk}/adopted/",
        {"adopted-email": "lead@example.nhs.uk", "adopted-organisation": f"Ward {NHS_NUMBER} team"},
    )
    assert_endorsement_given_back(views.endorse.csrf_failure_response(request, REASON))


def test_an_endorsement_comes_back_through_the_real_csrf_check(make_idea, site_csrf_failure_view):
    idea = make_idea()
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(
        f"/ideas/endorse/{idea.pk}/adopted/",
        {"adopted-email": "lead@example.nhs.uk", "adopted-organisation": f"Ward {NHS_NUMBER} team"},
    )
    assert_endorsement_given_back(response)
