"""Faults from the last review, each checked the way a person would meet it.

1. A form sent twice with the same form token: the same answers give the same reference and
   store nothing twice; edited answers are not dropped silently (the person is told the earlier
   version was received, and gets their edited text back to send as a new idea).
2. A late answer on the status page is never lost silently: stored while the idea is still in
   the queue, otherwise refused with a clear message and the text kept in the box.
3. A submission can only be merged into an idea anyone can read: not a draft, not private.
4. Pages that give posted text back never give an NHS number back.
"""

import html as html_lib
import re

import pytest
from django.core import mail
from django.test import Client
from wagtail.models import PageViewRestriction

from kb.ideas import services
from kb.ideas.models import IdeaStatusChange, IdeaSubmission, SubmissionFormToken
from kb.ideas.tokens import form_token_hash

pytestmark = pytest.mark.django_db

QUEUE = "/admin/ideas/submissions/"
NHS_NUMBER = "943 476 5919"


def text_of(response):
    return html_lib.unescape(response.content.decode())


def form_token_in(response):
    return re.search(r'name="form_token" value="([^"]+)"', response.content.decode()).group(1)


def textarea(response, name):
    found = re.search(
        rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', response.content.decode(), re.S
    )
    return html_lib.unescape(found.group(1)) if found else None


# --- 1. The same form token sent again ----------------------------------------------------------


class TestSameFormSentAgain:
    def test_the_same_answers_again_show_the_same_reference_and_store_nothing_twice(
        self, client, form_data, django_capture_on_commit_callbacks
    ):
        data = form_data()
        with django_capture_on_commit_callbacks(execute=True):
            first = client.post("/ideas/submit/", data)
            again = client.post("/ideas/submit/", data)
        assert first.status_code == again.status_code == 302
        submission = IdeaSubmission.objects.get()
        page = text_of(client.get(again["Location"]))
        assert submission.reference in page
        assert "You have already sent this idea" in page
        assert len(mail.outbox) == 1

    def test_edited_answers_are_not_dropped_the_person_is_told_and_keeps_their_text(
        self, client, form_data, django_capture_on_commit_callbacks
    ):
        data = form_data()
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/ideas/submit/", data)
        first = IdeaSubmission.objects.get()
        edited = {
            **data,
            "title": "Pre-packed trays for hernia and varicose vein repairs",
            "proposal": "Make a small tray, and another one for varicose veins.",
        }
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/ideas/submit/", edited)

        # Not a silent "already sent": the page says what happened to which version.
        assert response.status_code == 200
        html = text_of(response)
        assert "We already have an earlier version of this idea" in html
        assert first.reference in html
        assert "The changes you have made since have not been sent" in html
        assert "You have already sent this idea" not in html
        # The edited text is all there, ready to send as a new idea.
        assert 'value="Pre-packed trays for hernia and varicose vein repairs"' in html
        assert textarea(response, "proposal") == edited["proposal"]
        assert textarea(response, "problem") == data["problem"]
        assert "Send as a new idea" in html
        # Nothing new stored, nothing emailed, the first version untouched.
        assert IdeaSubmission.objects.count() == 1
        first.refresh_from_db()
        assert first.title == data["title"]
        assert len(mail.outbox) == 1

        # Sending it stores the edited version as a new idea, with its own reference.
        token = form_token_in(response)
        assert token != data["form_token"] and form_token_hash(token)
        with django_capture_on_commit_callbacks(execute=True):
            sent = client.post("/ideas/submit/", {**edited, "form_token": token})
        assert sent.status_code == 302
        second = IdeaSubmission.objects.exclude(pk=first.pk).get()
        assert second.title == edited["title"] and second.proposal == edited["proposal"]
        assert second.reference != first.reference
        confirmation = text_of(client.get(sent["Location"]))
        assert second.reference in confirmation and "Idea sent" in confirmation
        assert len(mail.outbox) == 2
        # ...and a double click on that new form does not make a third.
        assert client.post("/ideas/submit/", {**edited, "form_token": token}).status_code == 302
        assert IdeaSubmission.objects.count() == 2

    @pytest.mark.parametrize(
        "change",
        [
            {"waste_type": "waiting"},
            {"pathway": ""},
            {"stage": "implemented"},
            {"estimated_saving_money": "13000"},
            {"email": "someone.else@example.nhs.uk"},
        ],
    )
    def test_any_edited_answer_counts_as_a_change(self, client, form_data, change):
        data = form_data()
        client.post("/ideas/submit/", data)
        response = client.post("/ideas/submit/", {**data, **change})
        assert response.status_code == 200
        assert "We already have an earlier version of this idea" in text_of(response)
        assert IdeaSubmission.objects.count() == 1

    def test_the_service_says_which_it_was(self, form_data, client):
        from kb.ideas.forms import IdeaSubmissionForm
        from kb.ideas.selectors import form_vocabularies

        waste_types, pathways = form_vocabularies()

        def cleaned(**overrides):
            form = IdeaSubmissionForm(
                form_data(**overrides), waste_types=waste_types, pathways=pathways
            )
            assert form.is_valid(), form.errors
            return form.cleaned_data

        data = cleaned()
        token = form_token_hash(data["form_token"])
        first = services.submit_idea(data, token)
        assert (first.created, first.changed) == (True, False)
        same = services.submit_idea(data, token)
        assert (same.created, same.changed, same.submission) == (False, False, first.submission)
        edited = services.submit_idea({**data, "title": "Another title"}, token)
        assert (edited.created, edited.changed) == (False, True)
        assert edited.submission == first.submission
        assert IdeaSubmission.objects.count() == 1

    def test_an_edited_version_that_loses_the_race_is_reported_too(
        self, client, form_data, monkeypatch
    ):
        """Two requests with one token: the later one finds the token taken only at insert."""
        data = form_data()
        client.post("/ideas/submit/", data)
        first = IdeaSubmission.objects.get()
        # As if the lookup ran before the first request committed.
        monkeypatch.setattr(services, "_submission_for_form_token", _none_then_real())
        response = client.post("/ideas/submit/", {**data, "title": "Edited while racing"})
        assert response.status_code == 200
        html = text_of(response)
        assert "We already have an earlier version of this idea" in html
        assert first.reference in html and 'value="Edited while racing"' in html
        assert IdeaSubmission.objects.count() == 1
        assert SubmissionFormToken.objects.count() == 1


def _none_then_real():
    real = services._submission_for_form_token
    calls = []

    def lookup(token_hash):
        calls.append(token_hash)
        return None if len(calls) == 1 else real(token_hash)

    return lookup


# --- 2. Late answers on the status page ----------------------------------------------------------


@pytest.fixture
def asked(make_submission, moderator):
    """A submission the moderator asked a question about: (submission, status URL)."""
    submission, token = make_submission()
    services.request_more_information(submission, moderator, "How many trays a week?")
    return submission, f"/ideas/status/{token}/"


def submitter_messages(submission):
    return list(
        submission.changes.filter(by_submitter=True, public=True).values_list("message", flat=True)
    )


class TestLateAnswers:
    def test_an_answer_after_the_idea_was_declined_is_refused_clearly_and_kept(
        self, client, asked, moderator
    ):
        submission, url = asked
        page = client.get(url)
        assert "Answer the campaign team" in text_of(page)
        # The moderator decides while the person is still typing.
        services.decline_idea(submission, moderator, "Already national policy.")
        answer = "About forty trays a week.\nMore on Mondays."
        response = client.post(url, {"message": answer})

        assert response.status_code == 409
        html = text_of(response)
        assert "Your answer has not been sent" in html
        assert "made a decision on your idea before your answer arrived" in html
        assert "Declined" in html and "Already national policy." in html
        assert textarea(response, "message") == answer
        assert "Copy it if you want to keep it" in html
        assert "Send answer" not in html  # sending it again could not work
        assert html.count("<title>Error: ") == 1
        assert submitter_messages(submission) == []
        submission.refresh_from_db()
        assert submission.status == "declined"

    @pytest.mark.parametrize("decide", ["accept", "merge"])
    def test_the_same_after_accepting_or_merging(self, client, asked, moderator, make_idea, decide):
        submission, url = asked
        if decide == "merge":
            services.merge_idea(submission, moderator, make_idea(title="Smaller trays"))
        else:
            services.accept_idea(
                submission,
                moderator,
                page_fields={
                    "title": submission.title,
                    "summary": "Smaller trays.",
                    "problem": submission.problem,
                    "proposal": submission.proposal,
                    "waste_type": submission.waste_type,
                    "organisation": None,
                    "stage": submission.stage,
                    "estimated_saving_hours": None,
                    "estimated_saving_money": None,
                },
            )
        response = client.post(url, {"message": "About forty."})
        assert response.status_code == 409
        assert "Your answer has not been sent" in text_of(response)
        assert textarea(response, "message") == "About forty."
        assert submitter_messages(submission) == []

    def test_a_refused_answer_never_comes_back_with_an_nhs_number(self, client, asked, moderator):
        submission, url = asked
        services.decline_idea(submission, moderator, "No.")
        response = client.post(url, {"message": f"Patient {NHS_NUMBER} waited."})
        assert response.status_code == 409
        assert NHS_NUMBER not in text_of(response)
        assert textarea(response, "message") == "Patient [NHS number removed] waited."

    def test_a_decision_between_the_check_and_the_save_is_reported_too(
        self, client, asked, moderator, monkeypatch
    ):
        submission, url = asked
        services.decline_idea(submission, moderator, "No.")
        # The view's early check still saw the old status; the re-check under the row lock in
        # add_reply sees the decision.
        real, calls = services.reply_refusal, []

        def stale_then_real(submission):
            calls.append(submission.status)
            return "" if len(calls) == 1 else real(submission)

        monkeypatch.setattr(services, "reply_refusal", stale_then_real)
        response = client.post(url, {"message": "Forty a week."})
        assert response.status_code == 409
        html = text_of(response)
        assert "Your answer has not been sent" in html and "Declined" in html
        assert textarea(response, "message") == "Forty a week."
        assert submitter_messages(submission) == []

    def test_a_second_answer_from_a_page_opened_earlier_is_stored_too(self, asked):
        submission, url = asked
        first_tab, second_tab = Client(), Client()
        assert "Answer the campaign team" in text_of(first_tab.get(url))
        assert "Answer the campaign team" in text_of(second_tab.get(url))
        assert first_tab.post(url, {"message": "About forty."}).status_code == 302
        response = second_tab.post(url, {"message": "Sorry, fifty on Mondays."})
        assert response.status_code == 302
        assert "We have added your information" in text_of(second_tab.get(url))
        assert submitter_messages(submission) == ["About forty.", "Sorry, fifty on Mondays."]
        submission.refresh_from_db()
        assert submission.status == "new"  # back in the queue, where the moderator reads both
        page = text_of(first_tab.get(url))
        assert "About forty." in page and "Sorry, fifty on Mondays." in page

    def test_the_same_answer_sent_twice_is_stored_once(self, client, asked):
        submission, url = asked
        assert client.post(url, {"message": "About forty."}).status_code == 302
        assert client.post(url, {"message": "About forty."}).status_code == 302
        assert submitter_messages(submission) == ["About forty."]

    def test_an_answer_nobody_asked_for_is_refused_clearly(self, client, make_submission):
        submission, token = make_submission()
        response = client.post(f"/ideas/status/{token}/", {"message": "Unasked"})
        assert response.status_code == 409
        html = text_of(response)
        assert "has not asked you a question" in html
        assert textarea(response, "message") == "Unasked"
        assert submission.changes.count() == 1

    def test_the_service_refuses_with_a_moderation_error_and_stores_nothing(self, asked, moderator):
        submission, _ = asked
        services.decline_idea(submission, moderator, "No.")
        with pytest.raises(services.ReplyNotAccepted) as refused:
            services.add_reply(submission, "Late")
        assert isinstance(refused.value, services.ModerationError)
        assert not IdeaStatusChange.objects.filter(message="Late").exists()


# --- 3. Merging only into ideas anyone can read ---------------------------------------------------


def merge(client, submission, idea):
    return client.post(
        f"{QUEUE}merge/{submission.pk}/", {"into": str(idea.pk), "message": "Back this one."}
    )


class TestMergeTargets:
    @pytest.fixture
    def submission(self, make_submission):
        return make_submission()[0]

    @pytest.fixture
    def signed_in(self, client, moderator):
        client.force_login(moderator)
        return client

    def test_a_private_idea_is_not_offered_and_is_refused_with_the_reason(
        self, signed_in, submission, make_idea
    ):
        public = make_idea(title="Open trays idea")
        private = make_idea(title="Restricted trays idea")
        PageViewRestriction.objects.create(page=private, restriction_type="login")
        form = text_of(signed_in.get(f"{QUEUE}merge/{submission.pk}/"))
        assert "Open trays idea" in form and "Restricted trays idea" not in form

        response = merge(signed_in, submission, private)
        assert response.status_code == 200
        html = text_of(response)
        assert "“Restricted trays idea” is private" in html
        assert "could not read it" in html
        submission.refresh_from_db()
        assert submission.status == "new" and submission.merged_into is None
        assert merge(signed_in, submission, public).status_code == 302
        submission.refresh_from_db()
        assert submission.merged_into_id == public.pk

    def test_an_idea_under_a_private_section_is_refused(
        self, signed_in, submission, make_idea, ideas_index
    ):
        idea = make_idea(title="Trays in a private section")
        PageViewRestriction.objects.create(
            page=ideas_index, restriction_type="password", password="secret"
        )
        response = merge(signed_in, submission, idea)
        assert response.status_code == 200
        assert "“Trays in a private section” is private" in text_of(response)
        submission.refresh_from_db()
        assert submission.status == "new"

    def test_a_draft_or_unpublished_idea_is_refused_with_the_reason(
        self, signed_in, submission, make_idea
    ):
        draft = make_idea(title="Draft trays idea", publish=False)
        withdrawn = make_idea(title="Withdrawn trays idea")
        withdrawn.unpublish()
        form = text_of(signed_in.get(f"{QUEUE}merge/{submission.pk}/"))
        assert "Draft trays idea" not in form and "Withdrawn trays idea" not in form
        for idea in (draft, withdrawn):
            response = merge(signed_in, submission, idea)
            assert response.status_code == 200
            assert f"“{idea.title}” is not published" in text_of(response)
        submission.refresh_from_db()
        assert submission.status == "new"

    def test_the_service_refuses_too(self, submission, moderator, make_idea):
        private = make_idea(title="Private")
        PageViewRestriction.objects.create(page=private, restriction_type="login")
        draft = make_idea(title="Draft", publish=False)
        for idea, reason in ((private, "is private"), (draft, "is not published")):
            with pytest.raises(services.ModerationError, match=reason):
                services.merge_idea(submission, moderator, idea)
        submission.refresh_from_db()
        assert submission.status == "new" and not submission.changes.filter(to_status="merged")

    def test_an_idea_made_private_after_the_form_was_shown_is_refused(
        self, signed_in, submission, make_idea
    ):
        idea = make_idea(title="Was public")
        assert "Was public" in text_of(signed_in.get(f"{QUEUE}merge/{submission.pk}/"))
        PageViewRestriction.objects.create(page=idea, restriction_type="login")
        response = merge(signed_in, submission, idea)
        assert response.status_code == 200
        assert "“Was public” is private" in text_of(response)
        submission.refresh_from_db()
        assert submission.status == "new"


# --- 4. Nothing typed comes back with an NHS number in it ----------------------------------------


def test_the_status_answer_with_an_nhs_number_comes_back_without_it(client, asked):
    submission, url = asked
    response = client.post(url, {"message": f"Patient {NHS_NUMBER} waited."})
    assert response.status_code == 200
    html = text_of(response)
    assert "Remove the NHS number" in html
    assert NHS_NUMBER not in html
    assert textarea(response, "message") == "Patient [NHS number removed] waited."
    assert submitter_messages(submission) == []


def test_an_endorsement_with_an_nhs_number_comes_back_without_it(client, make_idea):
    idea = make_idea()
    response = client.post(
        f"/ideas/endorse/{idea.pk}/adopted/",
        {"adopted-email": "lead@example.nhs.uk", "adopted-organisation": f"Ward {NHS_NUMBER}"},
    )
    assert response.status_code == 200
    html = text_of(response)
    assert "Remove the NHS number" in html
    assert NHS_NUMBER not in html
    assert 'value="Ward [NHS number removed]"' in html


def test_a_rate_limited_status_answer_comes_back_without_an_nhs_number(client, asked, settings):
    settings.KB_IDEAS_SUBMIT_RATE = "0/h"
    submission, url = asked
    response = client.post(url, {"message": f"Patient {NHS_NUMBER} waited."})
    assert response.status_code == 429
    assert NHS_NUMBER not in text_of(response)
    assert textarea(response, "message") == "Patient [NHS number removed] waited."
