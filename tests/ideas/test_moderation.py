"""Moderating in the Wagtail admin: who may, each action and its log, email, export, promotion."""

import csv
import io
import re

import pytest
from django.core import mail

from kb.ideas.models import IdeaPage, IdeaPromotion, IdeaSubmission

pytestmark = pytest.mark.django_db

QUEUE = "/admin/ideas/submissions/"


def review_url(submission):
    return f"{QUEUE}review/{submission.pk}/"


def action_url(name, submission):
    return f"{QUEUE}{name}/{submission.pk}/"


def accept_data(submission, **overrides):
    data = {
        "title": submission.title,
        "summary": "Smaller trays save reprocessing.",
        "problem": submission.problem,
        "proposal": submission.proposal,
        "waste_type": str(submission.waste_type_id),
        "stage": submission.stage,
        "message": "Thank you, this is published.",
    }
    if submission.pathway_id:
        data["pathways"] = [str(submission.pathway_id)]
    data.update(overrides)
    return data


@pytest.fixture
def submission(make_submission):
    return make_submission()[0]


class TestPermissions:
    URLS = ("", "review/{pk}/", "history/{pk}/", "accept/{pk}/", "request-information/{pk}/",
            "decline/{pk}/", "merge/{pk}/")  # fmt: skip

    def urls(self, submission):
        return [QUEUE + url.format(pk=submission.pk) for url in self.URLS]

    def test_anonymous_visitors_are_sent_to_sign_in(self, client, submission):
        for url in self.urls(submission):
            response = client.get(url)
            assert response.status_code == 302 and "/admin/login/" in response["Location"], url
        client.post(action_url("decline", submission), {"message": "No"})
        submission.refresh_from_db()
        assert submission.status == "new"

    def test_editors_cannot_see_or_moderate(self, client, editor, submission):
        client.force_login(editor)
        for url in self.urls(submission):
            assert client.get(url).status_code in (302, 403), url
        response = client.post(action_url("accept", submission), accept_data(submission))
        assert response.status_code in (302, 403)
        response = client.post(action_url("decline", submission), {"message": "No"})
        assert response.status_code in (302, 403)
        submission.refresh_from_db()
        assert submission.status == "new"
        assert not IdeaPage.objects.exists()
        # Nor does the admin menu offer the queue.
        assert QUEUE not in client.get("/admin/").content.decode()

    def test_moderators_can(self, client, moderator, submission):
        client.force_login(moderator)
        for url in self.urls(submission):
            assert client.get(url).status_code == 200, url
        assert QUEUE in client.get("/admin/").content.decode()

    def test_the_moderators_group_holds_the_permissions(self):
        from django.contrib.auth.models import Group

        codenames = set(
            Group.objects.get(name="Moderators")
            .permissions.filter(content_type__app_label="ideas")
            .values_list("codename", flat=True)
        )
        assert codenames == {
            "view_ideasubmission", "change_ideasubmission", "view_endorsement",
            "delete_endorsement",
        }  # fmt: skip
        editors = Group.objects.get(name="Editors").permissions
        assert not editors.filter(content_type__app_label="ideas").exists()


def test_the_queue_lists_and_filters(client, moderator, make_submission):
    from kb.taxonomy.models import Organisation, Region

    Organisation.objects.create(
        name="Leeds Teaching Hospitals NHS Trust", slug="leeds",
        region=Region.objects.get(slug="north-east-and-yorkshire"),
    )  # fmt: skip
    waiting, _ = make_submission(title="Waiting idea", waste_type="waiting", pathway="cancer")
    motion, _ = make_submission(
        title="Motion idea", waste_type="motion", pathway="",
        organisation="Leeds Teaching Hospitals NHS Trust",
    )  # fmt: skip
    client.force_login(moderator)
    html = client.get(QUEUE).content.decode()
    assert "Waiting idea" in html and "Motion idea" in html

    def listed(**query):
        return client.get(QUEUE, query).content.decode()

    waiting_id = str(waiting.waste_type_id)
    assert "Motion idea" not in listed(waste_type=waiting_id)
    assert "Waiting idea" in listed(waste_type=waiting_id)
    assert "Motion idea" not in listed(pathway=str(waiting.pathway_id))
    assert "Waiting idea" not in listed(region=str(motion.region_id))
    assert "Motion idea" in listed(region=str(motion.region_id))
    assert "Waiting idea" in listed(status="new")
    assert "Waiting idea" not in listed(status="declined")


def test_accept_publishes_an_idea_page_logs_and_emails(
    client, moderator, submission, django_capture_on_commit_callbacks
):
    client.force_login(moderator)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(action_url("accept", submission), accept_data(submission))
    assert response.status_code == 302, response.content.decode()[:3000]
    submission.refresh_from_db()
    assert submission.status == "accepted"
    page = submission.idea_page
    assert page.live and isinstance(page.specific, IdeaPage)
    assert page.content_kind == "idea"
    assert page.get_parent().slug == "ideas"
    assert page.summary == "Smaller trays save reprocessing."
    assert [p.slug for p in page.pathways.all()] == ["elective-care"]
    change = submission.changes.last()
    assert (change.from_status, change.to_status, change.actor) == ("new", "accepted", moderator)
    assert change.message == "Thank you, this is published."
    [message] = mail.outbox
    assert "accepted" in message.subject
    assert page.url in message.body and "Thank you, this is published." in message.body
    assert re.search(r"/ideas/status/[\w-]+/", message.body)

    public = client.get(page.url)
    assert public.status_code == 200
    assert submission.title in public.content.decode()


def test_accept_can_redact_before_publishing(client, moderator, make_submission):
    submission, _ = make_submission(problem="Mrs Jones, LS1 4AP, waited six hours.")
    client.force_login(moderator)
    review = client.get(review_url(submission)).content.decode()
    assert "Possible patient data" in review
    client.post(
        action_url("accept", submission),
        accept_data(submission, problem="A patient waited six hours."),
    )
    page = IdeaPage.objects.get()
    assert "Jones" not in page.problem
    # The moderator cannot publish an NHS number either.
    second, _ = make_submission()
    response = client.post(
        action_url("accept", second), accept_data(second, summary="NHS no 943 476 5919")
    )
    assert response.status_code == 200
    assert "Remove the NHS number" in response.content.decode()
    assert IdeaPage.objects.count() == 1


def test_accepting_twice_is_refused(client, moderator, submission):
    client.force_login(moderator)
    client.post(action_url("accept", submission), accept_data(submission))
    response = client.post(action_url("accept", submission), accept_data(submission))
    assert response.status_code == 302
    assert IdeaPage.objects.count() == 1
    assert submission.changes.count() == 2


def test_ask_for_more_information_then_the_submitter_answers(
    client, moderator, make_submission, django_capture_on_commit_callbacks
):
    submission, token = make_submission()
    client.force_login(moderator)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            action_url("request_information".replace("_", "-"), submission),
            {"message": "How many trays a week?"},
        )
    submission.refresh_from_db()
    assert submission.status == "more-info-requested"
    [message] = mail.outbox
    assert "How many trays a week?" in message.body
    assert f"/ideas/status/{token}/" in message.body  # the same private link as before

    client.logout()
    status_page = client.get(f"/ideas/status/{token}/").content.decode()
    assert "How many trays a week?" in status_page
    assert "Answer the campaign team" in status_page
    response = client.post(f"/ideas/status/{token}/", {"message": "About forty."})
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == "new"
    reply = submission.changes.last()
    assert reply.by_submitter and reply.message == "About forty." and reply.actor is None
    page = client.get(f"/ideas/status/{token}/").content.decode()
    assert "About forty." in page and "Thank you. We have added your information" in page


def test_the_submitters_answer_is_guarded_too(client, moderator, make_submission):
    submission, token = make_submission()
    client.force_login(moderator)
    client.post(action_url("request-information", submission), {"message": "Which ward?"})
    client.logout()
    response = client.post(f"/ideas/status/{token}/", {"message": "Patient 9434765919"})
    assert response.status_code == 200
    assert "Remove the NHS number" in response.content.decode()
    submission.refresh_from_db()
    assert submission.status == "more-info-requested"
    assert "9434765919" not in str(list(submission.changes.values_list("message", flat=True)))


def test_decline_needs_a_reason_which_the_submitter_sees(
    client, moderator, make_submission, django_capture_on_commit_callbacks
):
    submission, token = make_submission()
    client.force_login(moderator)
    response = client.post(action_url("decline", submission), {"message": ""})
    assert response.status_code == 200
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(action_url("decline", submission), {"message": "Already national policy."})
    submission.refresh_from_db()
    assert submission.status == "declined"
    assert "Already national policy." in mail.outbox[0].body
    client.logout()
    page = client.get(f"/ideas/status/{token}/").content.decode()
    assert "Declined" in page and "Already national policy." in page
    assert "Answer the campaign team" not in page


def test_merge_into_an_existing_idea(client, moderator, make_submission, make_idea):
    existing = make_idea(title="Smaller theatre trays")
    submission, token = make_submission()
    client.force_login(moderator)
    client.post(
        action_url("merge", submission), {"into": str(existing.pk), "message": "Back this one."}
    )
    submission.refresh_from_db()
    assert submission.status == "merged" and submission.merged_into == existing
    client.logout()
    page = client.get(f"/ideas/status/{token}/").content.decode()
    assert existing.url in page and "Back this one." in page


def test_final_states_take_no_further_action(client, moderator, submission, make_idea):
    client.force_login(moderator)
    client.post(action_url("decline", submission), {"message": "No."})
    idea = make_idea()
    for name, data in (
        ("accept", accept_data(submission)),
        ("merge", {"into": str(idea.pk)}),
        ("request-information", {"message": "?"}),
        ("decline", {"message": "again"}),
    ):
        response = client.post(action_url(name, submission), data)
        assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == "declined"
    assert submission.changes.count() == 2


def test_export_csv_escapes_formulas(client, moderator, make_submission):
    make_submission(title='=HYPERLINK("http://evil.example","x")', role="+cmd|' /C calc'!A0")
    make_submission(title="@SUM(1+1)", organisation="-2+3")
    client.force_login(moderator)
    response = client.get(QUEUE, {"export": "csv"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:3] == ["Reference", "Sent", "Status"]
    cells = [cell for row in rows[1:] for cell in row]
    assert '\'=HYPERLINK("http://evil.example","x")' in cells
    assert "'+cmd|' /C calc'!A0" in cells
    assert "'@SUM(1+1)" in cells and "'-2+3" in cells
    assert not any(cell[:1] in ("=", "+", "-", "@") for cell in cells)


def test_export_xlsx_keeps_formulas_as_text(client, moderator, make_submission):
    from openpyxl import load_workbook

    make_submission(title="=1+1")
    client.force_login(moderator)
    response = client.get(QUEUE, {"export": "xlsx"})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cells = [cell for row in workbook.active.iter_rows() for cell in row]
    formula_cells = [c for c in cells if c.data_type == "f"]
    assert not formula_cells
    assert any(c.value == "=1+1" for c in cells)


def test_editors_cannot_export(client, editor, submission):
    client.force_login(editor)
    assert client.get(QUEUE, {"export": "csv"}).status_code in (302, 403)


class TestPromotion:
    def accepted_idea(self, client, moderator, submission, **overrides):
        client.force_login(moderator)
        client.post(action_url("accept", submission), accept_data(submission, **overrides))
        submission.refresh_from_db()
        return submission.idea_page.specific

    def test_a_published_idea_becomes_a_draft_case_study(
        self, client, moderator, submission, site_tree
    ):
        from kb.cases.models import CaseStudyPage
        from kb.taxonomy.models import Organisation, Region

        organisation = Organisation.objects.create(
            name="Example NHS Trust", slug="example", region=Region.objects.get(slug="london")
        )
        idea = self.accepted_idea(client, moderator, submission, organisation=organisation.pk)
        # The organisation chosen on acceptance files the submission under its region too.
        assert submission.region.slug == "london"
        assert "Promote to case study" in client.get(review_url(submission)).content.decode()
        response = client.post(
            f"/admin/ideas/promote/{idea.pk}/", {"organisation": organisation.pk}
        )
        case = CaseStudyPage.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"/admin/pages/{case.pk}/edit/"
        assert not case.live
        assert case.get_parent().pk == site_tree[2].pk
        assert case.title == idea.title and case.summary == idea.summary
        assert case.problem == idea.problem and case.what_we_did == idea.proposal
        assert case.organisation == organisation and case.region.slug == "london"
        assert [p.slug for p in case.pathways.all()] == ["elective-care"]
        assert IdeaPromotion.objects.get(idea=idea).case_study == case
        # Promoting again opens the same draft rather than making another.
        again = client.post(f"/admin/ideas/promote/{idea.pk}/", {"organisation": organisation.pk})
        assert again["Location"] == f"/admin/pages/{case.pk}/edit/"
        assert CaseStudyPage.objects.count() == 1

    def test_an_idea_without_an_organisation_asks_for_one(self, client, moderator, submission):
        from kb.cases.models import CaseStudyPage
        from kb.taxonomy.models import Organisation

        idea = self.accepted_idea(client, moderator, submission)
        assert idea.organisation is None
        page = client.get(f"/admin/ideas/promote/{idea.pk}/")
        assert page.status_code == 200
        response = client.post(f"/admin/ideas/promote/{idea.pk}/", {})
        assert response.status_code == 200
        assert not CaseStudyPage.objects.exists()
        chosen = Organisation.objects.create(name="Chosen Trust", slug="chosen")
        client.post(f"/admin/ideas/promote/{idea.pk}/", {"organisation": chosen.pk})
        assert CaseStudyPage.objects.get().organisation == chosen

    def test_editors_cannot_promote(self, client, moderator, editor, submission):
        from kb.cases.models import CaseStudyPage

        idea = self.accepted_idea(client, moderator, submission)
        client.force_login(editor)
        response = client.post(f"/admin/ideas/promote/{idea.pk}/", {})
        assert response.status_code in (302, 403)
        assert not CaseStudyPage.objects.exists()

    def test_the_page_editor_offers_promotion_to_moderators(self, client, moderator, submission):
        idea = self.accepted_idea(client, moderator, submission)
        html = client.get(f"/admin/pages/{idea.pk}/edit/").content.decode()
        assert f"/admin/ideas/promote/{idea.pk}/" in html


def test_accepted_ideas_appear_in_site_search_and_queued_ones_do_not(
    client, moderator, make_submission
):
    queued, _ = make_submission(title="Zebracrossing queue idea", problem="Zebracrossing waits.")
    accepted, _ = make_submission(title="Quokka tray idea", problem="Quokka trays wasted.")
    client.force_login(moderator)
    client.post(action_url("accept", accepted), accept_data(accepted))
    client.logout()
    assert "Quokka tray idea" in client.get("/search/", {"q": "Quokka"}).content.decode()
    found = client.get("/api/search/", {"q": "Quokka", "type": "idea"}).json()
    assert [(hit["title"], hit["type"]) for hit in found["results"]] == [
        ("Quokka tray idea", "idea")
    ]
    assert client.get("/api/search/", {"q": "Zebracrossing"}).json()["count"] == 0
    assert IdeaSubmission.objects.count() == 2


def test_accepting_creates_the_ideas_index_on_a_site_set_up_before_it(
    client, moderator, submission, ideas_index
):
    from kb.ideas.models import IdeaIndexPage

    ideas_index.delete()
    client.force_login(moderator)
    client.post(action_url("accept", submission), accept_data(submission))
    submission.refresh_from_db()
    assert submission.status == "accepted"
    assert submission.idea_page.get_parent().specific_class is IdeaIndexPage
