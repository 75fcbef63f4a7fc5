"""Sending an idea: the form, its errors, the patient data guard, the reference and status link."""

import re

import pytest
from django.core import mail
from django.test import Client, override_settings

from kb.ideas.models import IdeaStatusChange, IdeaSubmission, SubmissionFormToken

pytestmark = pytest.mark.django_db
# The site's page tree is made once for the module's tests in a row (tests/shared_content.py).
SHARED_CONTENT = ("site_tree",)

REFERENCE = re.compile(r"IDEA-[23456789ABCDEFGHJKMNPQRSTWXYZ]{6}")


def status_url_in(message):
    return re.search(r"http://\S+/ideas/status/([\w-]+)/", message.body)


def test_the_form_renders_with_nhs_markup_labels_hints_and_limits(client, ideas_index):
    response = client.get("/ideas/submit/")
    assert response.status_code == 200
    html = response.content.decode()
    for name in (
        "title", "problem", "proposal", "waste_type", "pathway", "organisation", "role",
        "email", "consent_to_publish", "estimated_saving_hours", "estimated_saving_money",
        "stage", "form_token",
    ):  # fmt: skip
        assert f'name="{name}"' in html, name
    assert 'maxlength="150"' in html and 'maxlength="3000"' in html
    assert 'autocomplete="email"' in html and 'autocomplete="organization"' in html
    assert 'class="nhsuk-form-group' in html and "nhsuk-label" in html
    assert "Do not include patient information" in html
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    assert "csrfmiddlewaretoken" in html


def test_a_valid_idea_is_stored_and_the_reference_shown_after_a_redirect(
    client, submit, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = submit()
    assert response.status_code == 302
    submission = IdeaSubmission.objects.get()
    assert REFERENCE.fullmatch(submission.reference)
    assert submission.status == "new"
    assert submission.email == "Sam.Taylor@example.nhs.uk"
    assert submission.waste_type.slug == "overprocessing"
    assert submission.pathway.slug == "elective-care"
    assert submission.stage == "tested"
    assert submission.estimated_saving_hours == 120
    assert submission.estimated_saving_money == 12000
    assert submission.consent_to_publish
    assert not submission.flagged
    # The matching known organisation gives the region moderators filter by.
    assert submission.matched_organisation is None
    [change] = submission.changes.all()
    assert (change.from_status, change.to_status, change.public) == ("", "new", False)

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert submission.reference in page.content.decode()
    assert "Idea sent" in page.content.decode()

    [message] = mail.outbox
    assert message.to == ["Sam.Taylor@example.nhs.uk"]
    assert submission.reference in message.subject
    token = status_url_in(message).group(1)
    # The token is long and random; only its hash is stored.
    assert len(token) >= 40
    assert token not in str(IdeaSubmission.objects.filter(pk=submission.pk).values().get())


def test_the_confirmation_link_cannot_be_made_up(client, ideas_index):
    assert client.get("/ideas/submitted/IDEA-AAAAAA/").status_code == 404


def test_known_organisation_sets_the_region(submit):
    from kb.taxonomy.models import Organisation, Region

    Organisation.objects.create(
        name="Leeds Teaching Hospitals NHS Trust",
        slug="leeds",
        ods_code="RR8",
        region=Region.objects.get(slug="north-east-and-yorkshire"),
    )
    submit(organisation="leeds teaching hospitals nhs trust")
    submission = IdeaSubmission.objects.get()
    assert submission.matched_organisation.ods_code == "RR8"
    assert submission.region.slug == "north-east-and-yorkshire"


def test_errors_are_shown_next_to_fields_and_in_the_summary_and_the_text_is_kept(submit):
    response = submit(title="", email="not-an-email", waste_type=None, consent_to_publish=None)
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert '<a href="#title">Enter a title for your idea</a>' in html
    assert '<a href="#waste_type">Select the kind of waste your idea would cut</a>' in html
    assert '<a href="#email">Enter an email address in the correct format' in html
    assert '<a href="#consent_to_publish">Tick the box' in html
    assert 'id="title-error"' in html and "nhsuk-form-group--error" in html
    assert 'aria-describedby="title-hint title-error"' in html
    # What the person typed is still there.
    assert "We open a full general set" in html
    assert 'value="not-an-email"' in html
    assert html.count("<title>Error: ") == 1
    assert not IdeaSubmission.objects.exists()


def test_every_field_has_a_server_side_length_limit(submit):
    response = submit(
        title="t" * 151,
        problem="p" * 3001,
        proposal="q" * 3001,
        organisation="o" * 201,
        role="r" * 121,
        email=("e" * 250) + "@example.nhs.uk",
        estimated_saving_hours="99999999999",
    )
    errors = response.context["form"].errors
    assert set(errors) >= {
        "title", "problem", "proposal", "organisation", "role", "email",
        "estimated_saving_hours",
    }  # fmt: skip
    assert not IdeaSubmission.objects.exists()


def test_windows_line_endings_count_once_towards_the_limit(submit):
    # Browsers send a newline as CRLF; maxlength counts it as one character, and so do we.
    text = ("x" * 9 + "\r\n") * 300  # 3000 characters as the browser counted them
    response = submit(problem=text[:-2] + "x")
    assert response.status_code == 302, response.context["form"].errors
    assert len(IdeaSubmission.objects.get().problem) == 3000
    assert "must be 3000 characters or fewer" in submit(problem=text + "x").content.decode()


@pytest.mark.parametrize(
    "field",
    ["title", "problem", "proposal", "organisation", "role", "estimated_saving_hours"],
)
@pytest.mark.parametrize("number", ["943 476 5919", "9434765919", "943-476-5919"])
def test_an_nhs_number_anywhere_refuses_the_idea_and_stores_nothing(
    submit, field, number, caplog, django_capture_on_commit_callbacks
):
    value = number if field == "estimated_saving_hours" else f"Patient {number} waited"
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(**{field: value})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Remove the NHS number" in html
    assert "nothing you entered has been saved" in html
    assert f'<a href="#{field}">Remove the NHS number' in html
    assert not IdeaSubmission.objects.exists()
    assert not IdeaStatusChange.objects.exists()
    assert not SubmissionFormToken.objects.exists()
    assert not mail.outbox
    assert number not in caplog.text
    # The person gets their text back, but the number is not sent back to the browser.
    assert number not in html
    assert "[NHS number removed]" in html


def test_an_nhs_number_in_the_email_address_is_refused_too(submit):
    submit(email="9434765919@example.nhs.uk")
    assert not IdeaSubmission.objects.exists()


def test_an_eleven_digit_phone_number_is_accepted(submit):
    response = submit(problem="Ring theatres on 07700 900123 or 01632 960 001 to check.")
    assert response.status_code == 302
    assert "07700 900123" in IdeaSubmission.objects.get().problem


def test_a_number_with_an_invalid_check_digit_is_accepted(submit):
    assert submit(problem="Batch 943 476 5918 was late").status_code == 302


def test_likely_identifiers_are_stored_but_flagged_for_moderators(submit):
    response = submit(problem="Mrs Jones, LS1 4AP, DOB 12/03/1956, waited six hours.")
    assert response.status_code == 302
    submission = IdeaSubmission.objects.get()
    assert submission.flagged
    kinds = {flag["kind"] for flag in submission.identifier_flags}
    assert kinds == {"date-of-birth", "postcode-and-name"}
    assert {flag["field"] for flag in submission.identifier_flags} == {"problem"}
    # The flag names the kind and field, never repeats the text.
    assert "Jones" not in str(submission.identifier_flags)


def test_the_honeypot_discards_silently_with_a_normal_looking_page(client, submit):
    response = submit(website="http://spam.example")
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert REFERENCE.search(page.content.decode())
    assert not IdeaSubmission.objects.exists()


def test_the_honeypot_is_hidden_from_people_and_assistive_technology(client, ideas_index):
    html = client.get("/ideas/submit/").content.decode()
    block = html[html.index('name="website"') - 300 : html.index('name="website"') + 80]
    assert 'aria-hidden="true"' in block
    assert "nhsuk-u-visually-hidden" in block
    assert 'tabindex="-1"' in block


def test_a_double_submit_stores_one_idea_and_shows_the_same_reference(client, form_data):
    data = form_data()
    first = client.post("/ideas/submit/", data)
    second = client.post("/ideas/submit/", data)
    assert first.status_code == second.status_code == 302
    assert IdeaSubmission.objects.count() == 1
    reference = IdeaSubmission.objects.get().reference
    again = client.get(second["Location"]).content.decode()
    assert reference in again
    assert "You have already sent this idea" in again
    # Even when the retry carries edited text, it is the same form: nothing new is stored.
    client.post("/ideas/submit/", {**data, "title": "A different title"})
    assert IdeaSubmission.objects.count() == 1


def test_a_fresh_form_is_a_new_idea(submit):
    submit()
    submit()
    assert IdeaSubmission.objects.count() == 2
    assert len(set(IdeaSubmission.objects.values_list("reference", flat=True))) == 2


def test_a_missing_or_forged_form_token_stores_nothing_and_keeps_the_text(submit):
    for token in ("", "forged:token"):
        response = submit(form_token=token)
        assert response.status_code == 200
        html = response.content.decode()
        assert "has not been sent yet" in html
        assert "We open a full general set" in html
        assert response.context["form"]["form_token"].value()  # a new, valid token
    assert not IdeaSubmission.objects.exists()


def test_the_form_is_csrf_protected(ideas_index, form_data):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/ideas/submit/", form_data())
    assert response.status_code == 403
    assert not IdeaSubmission.objects.exists()


@override_settings(KB_IDEAS_SUBMIT_RATE="2/h")
def test_the_rate_limit_refuses_with_429_and_gives_the_text_back(submit):
    assert submit().status_code == 302
    assert submit().status_code == 302
    response = submit(title="My third idea")
    assert response.status_code == 429
    html = response.content.decode()
    assert "You have sent a lot of forms in a short time" in html
    assert "has not been sent yet" in html
    assert 'value="My third idea"' in html
    assert "We open a full general set" in html
    assert IdeaSubmission.objects.count() == 2


@override_settings(KB_IDEAS_SUBMIT_RATE="2/h")
def test_the_429_page_never_sends_an_nhs_number_back(submit):
    submit()
    submit()
    response = submit(problem="Patient 943 476 5919 waited")
    assert response.status_code == 429
    html = response.content.decode()
    assert "943 476 5919" not in html
    assert "Patient [NHS number removed] waited" in html


@override_settings(KB_IDEAS_SUBMIT_RATE="1/h", KB_TRUSTED_PROXY_COUNT=1)
def test_the_rate_limit_is_per_client_behind_a_trusted_proxy(client, form_data):
    def post(ip):
        return client.post("/ideas/submit/", form_data(), HTTP_X_FORWARDED_FOR=f"203.0.113.9, {ip}")

    assert post("198.51.100.1").status_code == 302
    assert post("198.51.100.1").status_code == 429
    assert post("198.51.100.2").status_code == 302


def test_markdown_and_unicode_are_kept_as_typed(submit):
    submit(proposal="* one\n* two — ✓ 日本語 🚑")
    assert IdeaSubmission.objects.get().proposal == "* one\n* two — ✓ 日本語 🚑"


def test_control_characters_are_removed(submit):
    submit(title="Trays\x00 for\x07 \u202ehernia\x1b", problem="Line one\r\nLine\ttwo\x0b")
    submission = IdeaSubmission.objects.get()
    assert submission.title == "Trays for hernia"
    assert submission.problem == "Line one\nLine\ttwo"


class TestStatusPage:
    def test_shows_the_status_and_nothing_else(self, client, make_submission, submit):
        submission, token = make_submission(title="My own idea")
        make_submission(title="Someone else's idea")
        response = client.get(f"/ideas/status/{token}/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "My own idea" in html and submission.reference in html
        assert "New" in html
        assert "Someone else" not in html
        assert "Sam.Taylor" not in html  # not even their own address
        assert response["Referrer-Policy"] == "no-referrer"
        assert "noindex" in response["X-Robots-Tag"]
        assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]

    def test_an_unknown_or_malformed_token_is_not_found(self, client, make_submission):
        make_submission()
        for token in ("x" * 43, "short", "a" * 150):
            assert client.get(f"/ideas/status/{token}/").status_code == 404

    def test_no_reply_form_unless_more_information_was_asked_for(self, client, make_submission):
        submission, token = make_submission()
        assert (
            "Answer the campaign team" not in client.get(f"/ideas/status/{token}/").content.decode()
        )
        client.post(f"/ideas/status/{token}/", {"message": "Unasked"})
        assert submission.changes.count() == 1


def test_similar_published_ideas_and_case_studies_are_suggested(client, make_idea, make_case_study):
    make_idea(title="Smaller theatre trays for hernia repair")
    make_idea(title="Unpublished theatre tray idea", publish=False)
    make_case_study(title="Theatre tray rationalisation in Leeds")
    response = client.get("/ideas/similar/", {"title": "theatre trays"})
    assert response.status_code == 200
    titles = [item["title"] for item in response.json()["results"]]
    assert "Smaller theatre trays for hernia repair" in titles
    assert "Unpublished theatre tray idea" not in titles
    kinds = {item["kind"] for item in response.json()["results"]}
    assert "Idea" in kinds


def test_similar_suggestions_include_guidance(client, ideas_index, make_case_study):
    from kb.guides.models import ImprovementGuidePage

    guide = ImprovementGuidePage(title="Theatre tray rationalisation", slug="trays", summary="S.")
    ideas_index.get_parent().get_children().get(slug="guidance").add_child(instance=guide)
    guide.save_revision().publish()
    results = client.get("/ideas/similar/", {"title": "theatre tray"}).json()["results"]
    kinds = {item["title"]: item["kind"] for item in results}
    assert kinds.get("Theatre tray rationalisation") == "Improvement guide"


@pytest.mark.parametrize("title", ['"unbalanced', "AND OR NOT", "x" * 500, "\x00", "*", "'; --"])
def test_similar_survives_search_syntax(client, ideas_index, title):
    response = client.get("/ideas/similar/", {"title": title})
    assert response.status_code == 200
    assert "results" in response.json()


def test_similar_ideas_are_shown_again_when_the_form_comes_back_with_errors(submit, make_idea):
    make_idea(title="Smaller theatre trays for hernia repair")
    html = submit(title="Theatre trays", email="").content.decode()
    assert "Similar ideas, case studies and guidance" in html
    assert "Smaller theatre trays for hernia repair" in html


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["Infinity", "NaN", "sNaN", "1e2000000", "1E5", "-5", "12.5.5"])
def test_saving_fields_refuse_words_and_exponents_quickly(submit, value):
    import time

    from kb.ideas.models import IdeaSubmission

    started = time.monotonic()
    response = submit(estimated_saving_money=value)
    assert time.monotonic() - started < 5
    assert response.status_code == 200
    assert "as a whole number" in response.content.decode()
    assert not IdeaSubmission.objects.exists()


@pytest.mark.django_db
def test_similar_suggestions_are_never_cached_and_ignore_numbers(client, ideas_index):
    response = client.get("/ideas/similar/", {"title": "Reuse theatre trays 943 476 5919"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]
