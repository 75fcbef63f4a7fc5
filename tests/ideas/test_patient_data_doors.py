"""Hostile NHS number spellings at every door that stores free text.

Each spelling below is a valid NHS number (Modulus 11) written the way a careless paste or a
determined person might. At every door (the idea form's fields, status replies, endorsements,
moderators' messages and summaries, the page editor, snippets, Markdown import) the text is
refused, nothing is stored or emailed or logged, and what comes back to the browser has the
number replaced. Numbers with a wrong check digit pass.
"""

import html
import logging

import pytest
from django.core import mail
from wagtail.test.utils.form_data import querydict_from_html

from kb.core.patient_data import REDACTED, contains_nhs_number, redact_nhs_numbers
from kb.core.stored_text import PatientDataError
from kb.guides.models import ImprovementGuidePage
from kb.ideas.models import Endorsement, IdeaStatusChange, IdeaSubmission
from kb.publishing.markdown_import import import_paths
from kb.taxonomy.models import Organisation
from tests.ideas.test_moderation import QUEUE, accept_data

pytestmark = pytest.mark.django_db
# The site's page tree is made once for the module's tests in a row (tests/shared_content.py).
SHARED_CONTENT = ("site_tree",)

# Three valid NHS numbers (943 476 5919 is the NHS's own example).
SPELLINGS = [
    "9434765919",
    "943 476 5919",
    "943  476  5919",
    "943   476   5919",
    "943\n476\n5919",
    "943\r\n476\r\n5919",
    "943\r476\r5919",
    "943\t476\t5919",
    "943\x01476\x015919",
    "943\x0b476\x0b5919",
    "943\x0c476\x0c5919",
    "943\x7f476\x7f5919",
    "943\x85476\x855919",
    "943\u200b476\u200b5919",
    "943\u200b\u200b\u200b\u200b\u200b\u200b476\u200b5919",
    "9434\u00ad765919",
    "943\u2060476\u20605919",
    "943\ufeff476\ufeff5919",
    "943\u00a0476\u00a05919",
    "943\u2009476\u20095919",
    "943\u3000476\u30005919",
    "943.476.5919",
    "943/476/5919",
    "943-476-5919",
    "943 - 476 - 5919",
    "943\u2013476\u20135919",
    "943\u2011476\u20115919",
    "943\u2212476\u22125919",
    "943 . 476 / 5919",
    "94 34 76 59 19",
    "9 4 3 4 7 6 5 9 1 9",
    "9434 765 919",
    "94347 65919",
    "\uff19\uff14\uff13\uff14\uff17\uff16\uff15\uff19\uff11\uff19",
    "\u0669\u0664\u0663\u0664\u0667\u0666\u0665\u0669\u0661\u0669",
    "943**476**5919",
    "943_476_5919",
    "943<b>476</b>5919",
    "943&nbsp;476&nbsp;5919",
    "Ward 7 943 476 5919",
    "401 023 2137",
    "450-557-7104",
    "4505577104",
    "NHS no:9434765919.",
    "(9434765919)",
]
# Plain-text doors reject markup-free spellings; the rest are for Markdown and the page editor.
PLAIN = [s for s in SPELLINGS if "<" not in s and "&" not in s]
WRONG_CHECK_DIGIT = ["943 476 5918", "9434765910", "401 023 2138", "94 34 76 59 18"]
DIGITS = ("9434765919", "4010232137", "4505577104")


def test_there_are_at_least_forty_spellings_and_each_is_a_valid_number():
    assert len(SPELLINGS) >= 40
    for spelling in SPELLINGS:
        assert contains_nhs_number(spelling), repr(spelling)
        assert REDACTED in redact_nhs_numbers(f"see {spelling} here")


@pytest.mark.parametrize("spelling", WRONG_CHECK_DIGIT)
def test_numbers_with_a_wrong_check_digit_pass(spelling):
    assert not contains_nhs_number(spelling)


def assert_not_sent_back(response, spelling):
    body = response.content.decode()
    assert spelling not in body
    assert html.escape(spelling) not in body
    for digits in DIGITS:
        assert digits not in body
    compact = "".join(ch for ch in body if ch.isdigit())
    # Not even as the only digits left once markup is gone: the page shows the marker instead.
    assert REDACTED in body or "[NHS number removed]" in html.unescape(body)
    return compact


def assert_nothing_leaked(caplog):
    assert not mail.outbox
    for digits in DIGITS:
        assert digits not in caplog.text


# The public idea form: every text field.

IDEA_FIELDS = ("title", "problem", "proposal", "organisation", "role")


@pytest.mark.parametrize("spelling", PLAIN)
def test_the_idea_form_refuses_every_spelling_in_the_problem(
    submit, spelling, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(problem=f"Patient {spelling} waited on a trolley")
    assert response.status_code == 200
    assert "Remove the NHS number" in response.content.decode()
    assert not IdeaSubmission.objects.exists()
    assert_not_sent_back(response, spelling)
    assert_nothing_leaked(caplog)


@pytest.mark.parametrize("field", IDEA_FIELDS)
@pytest.mark.parametrize("spelling", ["943  476  5919", "943\n476\n5919", "943.476.5919",
                                      "94 34 76 59 19", "943\x85476\x855919"])  # fmt: skip
def test_the_idea_form_refuses_numbers_in_every_field(submit, field, spelling):
    response = submit(**{field: f"Ward {spelling}"})
    assert response.status_code == 200
    html_text = response.content.decode()
    assert f'<a href="#{field}">Remove the NHS number' in html_text
    assert not IdeaSubmission.objects.exists()
    assert_not_sent_back(response, spelling)


@pytest.mark.parametrize("spelling", WRONG_CHECK_DIGIT)
def test_the_idea_form_accepts_numbers_with_a_wrong_check_digit(submit, spelling):
    response = submit(problem=f"Extension {spelling} rings in theatres")
    assert response.status_code == 302
    assert IdeaSubmission.objects.get().problem.endswith("rings in theatres")


# Status replies and endorsements.


@pytest.fixture
def asked(make_submission, moderator, client):
    submission, token = make_submission()
    client.force_login(moderator)
    client.post(
        f"/admin/ideas/submissions/request-information/{submission.pk}/",
        {"message": "Which theatres?"},
    )
    client.logout()
    mail.outbox.clear()
    submission.refresh_from_db()
    assert submission.status == "more-info-requested"
    return submission, token


@pytest.mark.parametrize("spelling", PLAIN[::3] + ["943  476  5919", "943\r\n476\r\n5919"])
def test_a_status_reply_refuses_and_never_echoes_the_number(client, asked, spelling, caplog):
    submission, token = asked
    replies_before = IdeaStatusChange.objects.count()
    response = client.post(f"/ideas/status/{token}/", {"message": f"Ward {spelling} again"})
    assert response.status_code == 200
    assert "Remove the NHS number" in response.content.decode()
    assert IdeaStatusChange.objects.count() == replies_before
    assert_not_sent_back(response, spelling)
    assert_nothing_leaked(caplog)


@pytest.mark.parametrize("kind", ["support", "adopted"])
@pytest.mark.parametrize("spelling", ["943  476  5919", "943/476/5919", "943\x0c476\x0c5919"])
def test_an_endorsement_organisation_refuses_and_never_echoes_the_number(
    client, make_idea, kind, spelling
):
    idea = make_idea()
    response = client.post(
        f"/ideas/endorse/{idea.pk}/{kind}/",
        {f"{kind}-email": "a@example.nhs.uk", f"{kind}-organisation": f"Ward {spelling}"},
    )
    assert response.status_code == 200
    assert not Endorsement.objects.exists()
    body = response.content.decode()
    assert "Remove the NHS number" in body
    assert f'value="Ward {REDACTED}"' in body
    assert_not_sent_back(response, spelling)


# Moderators' text.


@pytest.mark.parametrize(
    ("action", "field"),
    [
        ("accept", "title"),
        ("accept", "summary"),
        ("accept", "problem"),
        ("accept", "proposal"),
        ("accept", "message"),
        ("request-information", "message"),
        ("decline", "message"),
        ("merge", "message"),
    ],
)
@pytest.mark.parametrize("spelling", ["943  476  5919", "943.476.5919", "94 34 76 59 19"])
def test_moderators_text_is_refused_and_not_echoed(
    client, make_submission, make_idea, moderator, action, field, spelling, caplog
):
    submission, _ = make_submission()
    target = make_idea("Already published")
    client.force_login(moderator)
    mail.outbox.clear()
    data = accept_data(submission, message="Thank you.", into=str(target.pk))
    data[field] = f"Seen in bay 4, {spelling}"
    response = client.post(f"{QUEUE}{action}/{submission.pk}/", data)
    assert response.status_code == 200
    submission.refresh_from_db()
    assert submission.status == "new"
    assert "Remove the NHS number" in response.content.decode()
    assert_not_sent_back(response, spelling)
    assert_nothing_leaked(caplog)


# The page editor.


def markdown_block(data, text):
    data["body-count"] = "1"
    data["body-0-type"] = "markdown"
    data["body-0-value"] = text
    data["body-0-deleted"] = ""
    data["body-0-order"] = "0"
    data["body-0-id"] = "0b6e8a4e-1234-4a1b-9c1d-1234567890ab"


@pytest.mark.parametrize("spelling", SPELLINGS[::2])
def test_the_page_editor_refuses_a_number_in_the_body(
    client, moderator, draft_guide, page_edit_data, spelling
):
    client.force_login(moderator)
    data = page_edit_data(client, draft_guide)
    markdown_block(data, f"## Flow\n\nThe patient {spelling} waited.")
    data["action-publish"] = "action-publish"
    response = client.post(f"/admin/pages/{draft_guide.id}/edit/", data)
    assert response.status_code == 200
    assert "Remove the NHS number" in response.content.decode()
    draft_guide.refresh_from_db()
    assert not draft_guide.live
    assert draft_guide.revisions.count() == 1
    assert_not_sent_back(response, spelling)


@pytest.mark.parametrize("field", ["title", "summary", "content_owner"])
@pytest.mark.parametrize("spelling", ["943 476 5919", "943\u200b476\u200b5919", "943/476/5919"])
def test_the_page_editor_refuses_a_number_in_any_field(
    client, moderator, draft_guide, page_edit_data, field, spelling
):
    client.force_login(moderator)
    data = page_edit_data(client, draft_guide)
    data[field] = f"Team {spelling}"
    response = client.post(f"/admin/pages/{draft_guide.id}/edit/", data)
    assert response.status_code == 200
    assert "Remove the NHS number" in response.content.decode()
    assert draft_guide.revisions.count() == 1
    assert_not_sent_back(response, spelling)


def test_the_page_editor_saves_text_with_other_numbers(
    client, moderator, draft_guide, page_edit_data
):
    client.force_login(moderator)
    data = page_edit_data(client, draft_guide)
    markdown_block(data, "Call 0113 243 3144 or extension 943 476 5918; 4-hour target 95%.")
    response = client.post(f"/admin/pages/{draft_guide.id}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert draft_guide.revisions.count() == 2


def test_a_snippet_refuses_a_number(client, moderator):
    client.force_login(moderator)
    response = client.get("/admin/snippets/taxonomy/organisation/add/")
    assert response.status_code == 200
    data = querydict_from_html(response.content.decode(), form_id=None)
    data["name"] = "Ward 943 476 5919"
    data["slug"] = "ward-x"
    response = client.post("/admin/snippets/taxonomy/organisation/add/", data)
    assert response.status_code == 200
    assert "Remove the NHS number" in response.content.decode()
    assert not Organisation.objects.filter(slug="ward-x").exists()
    assert_not_sent_back(response, "943 476 5919")


def test_the_save_backstop_refuses_what_a_door_forgot(site_tree):
    guide = ImprovementGuidePage(
        title="A guide", slug="a-guide", summary="Patient 943.476.5919 waited."
    )
    with pytest.raises(PatientDataError) as raised:
        site_tree[1].add_child(instance=guide)
    assert "summary" in str(raised.value)
    assert "5919" not in str(raised.value)


# Markdown import.

GUIDE = """---
type: improvement-guide
slug: sdec-guide
title: Same day emergency care
summary: {summary}
pathways: [urgent-and-emergency-care]
date: 2025-06-01
---
Why SDEC matters.

## What good looks like

{body}
"""


@pytest.mark.parametrize("spelling", PLAIN[::2])
def test_import_refuses_a_number_in_a_section_with_its_line(tmp_path, site_tree, spelling):
    path = tmp_path / "guide.md"
    path.write_text(GUIDE.format(summary="Fine.", body=f"Line one.\nSeen: {spelling}\n"))
    result = import_paths([path], publish=True)
    assert not result.ok
    [failure] = result.failed
    assert failure.line in (13, 14)
    assert "the section ‘What good looks like’ holds an NHS number" in failure.message
    assert not ImprovementGuidePage.objects.exists()
    for digits in DIGITS:
        assert digits not in str(failure)


def test_import_refuses_a_number_in_the_front_matter_naming_the_key(tmp_path, site_tree):
    path = tmp_path / "guide.md"
    path.write_text(GUIDE.format(summary="Patient 943 476 5919 waited", body="Fine."))
    result = import_paths([path], publish=True)
    [failure] = result.failed
    assert failure.line == 5
    assert "the front matter key ‘summary’ holds an NHS number" in failure.message
    assert not ImprovementGuidePage.objects.exists()


def test_import_of_an_idea_or_case_study_with_a_number_publishes_nothing(tmp_path, site_tree):
    idea = tmp_path / "idea.md"
    idea.write_text(
        "---\ntype: idea\ntitle: Trays\nwaste_type: inventory\nsummary: Trays.\n---\n"
        "## The problem\n\nPatient 943-476-5919 waited.\n"
    )
    result = import_paths([idea], publish=True)
    assert not result.ok
    assert "holds an NHS number" in result.failed[0].message


def test_import_accepts_series_data_whose_cells_are_not_nhs_numbers(tmp_path, site_tree):
    # Tab-separated periods and values: digits from neighbouring cells are not one number.
    lines = "\n".join(f"      2024-{m:02d}\t{40 + m}" for m in range(1, 13))
    case = tmp_path / "case.md"
    case.write_text(
        "---\ntype: case-study\ntitle: Flow\norganisation: Example NHS Trust\n"
        "summary: Flow.\nseries:\n  - name: Four-hour\n    unit: '%'\n    data: |\n"
        f"{lines}\n---\nBody.\n"
    )
    result = import_paths([case], publish=True)
    assert result.ok, [str(f) for f in result.failed]
