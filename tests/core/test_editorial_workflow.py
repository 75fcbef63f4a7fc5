"""Least-privilege editing: editors draft and submit, moderators approve and publish."""

import pytest
from django.contrib.auth.models import Group
from wagtail.models import WorkflowState


@pytest.fixture
def make_user(django_user_model):
    def make(username, group):
        user = django_user_model.objects.create_user(
            username, f"{username}@example.nhs.uk", "correct-horse-battery"
        )
        user.groups.add(Group.objects.get(name=group))
        return user

    return make


@pytest.fixture
def edit_form(page_edit_data):
    return page_edit_data


@pytest.mark.django_db
def test_an_editor_cannot_publish(client, make_user, draft_guide, edit_form):
    client.force_login(make_user("eddie", "Editors"))
    data = edit_form(client, draft_guide)
    data["title"] = "Reducing corridor care (edited)"
    data["action-publish"] = "action-publish"
    client.post(f"/admin/pages/{draft_guide.id}/edit/", data)
    draft_guide.refresh_from_db()
    assert not draft_guide.live
    assert not draft_guide.permissions_for_user(make_user("eve", "Editors")).can_publish()


@pytest.mark.django_db
def test_an_editor_saves_a_draft_revision(client, make_user, draft_guide, edit_form):
    client.force_login(make_user("eddie", "Editors"))
    data = edit_form(client, draft_guide)
    data["title"] = "Reducing corridor care (second draft)"
    response = client.post(f"/admin/pages/{draft_guide.id}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    draft_guide.refresh_from_db()
    assert not draft_guide.live
    latest = draft_guide.get_latest_revision_as_object()
    assert latest.title == "Reducing corridor care (second draft)"


@pytest.mark.django_db
def test_editor_submits_and_moderator_approves_before_it_goes_live(
    client, make_user, draft_guide, edit_form
):
    editor, moderator = make_user("eddie", "Editors"), make_user("mo", "Moderators")
    client.force_login(editor)
    data = edit_form(client, draft_guide)
    data["action-submit"] = "action-submit"
    client.post(f"/admin/pages/{draft_guide.id}/edit/", data)
    state = WorkflowState.objects.get(
        base_content_type__isnull=False, object_id=str(draft_guide.id)
    )
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    draft_guide.refresh_from_db()
    assert not draft_guide.live
    # The editor cannot approve their own submission.
    task_state = state.current_task_state
    assert not task_state.task.specific.user_can_access_editor(draft_guide, editor) or (
        "approve" not in [a[0] for a in task_state.task.specific.get_actions(draft_guide, editor)]
    )
    client.force_login(moderator)
    response = client.post(
        f"/admin/pages/workflow/action/{draft_guide.id}/approve/{task_state.id}/",
        {"comment": "Checked against the GIRFT report."},
    )
    assert response.status_code in (200, 302)
    draft_guide.refresh_from_db()
    assert draft_guide.live
    assert client.get(draft_guide.url).status_code == 200


@pytest.mark.django_db
def test_a_moderator_can_publish_directly(client, make_user, draft_guide, edit_form):
    client.force_login(make_user("mo", "Moderators"))
    data = edit_form(client, draft_guide)
    data["action-publish"] = "action-publish"
    client.post(f"/admin/pages/{draft_guide.id}/edit/", data)
    draft_guide.refresh_from_db()
    assert draft_guide.live


@pytest.mark.django_db
def test_editors_view_but_cannot_change_national_vocabularies(client, make_user):
    client.force_login(make_user("eddie", "Editors"))
    assert client.get("/admin/snippets/taxonomy/pathway/").status_code == 200
    assert client.get("/admin/snippets/taxonomy/pathway/add/").status_code in (302, 403)
    client.force_login(make_user("mo", "Moderators"))
    assert client.get("/admin/snippets/taxonomy/pathway/add/").status_code == 200


@pytest.mark.django_db
def test_revisions_can_be_compared(client, make_user, draft_guide):
    draft_guide.title = "Reducing corridor care v2"
    draft_guide.save_revision()
    first, second = draft_guide.revisions.order_by("id")[:2]
    client.force_login(make_user("mo", "Moderators"))
    response = client.get(
        f"/admin/pages/{draft_guide.id}/revisions/compare/{first.id}...{second.id}/"
    )
    assert response.status_code == 200
    assert "Reducing corridor care v2" in response.content.decode()


@pytest.mark.django_db
def test_scheduled_publishing_publishes_when_due(client, draft_guide):
    import datetime

    from django.core.management import call_command
    from django.utils import timezone

    draft_guide.go_live_at = timezone.now() + datetime.timedelta(minutes=5)
    revision = draft_guide.save_revision(approved_go_live_at=draft_guide.go_live_at)
    revision.publish()
    draft_guide.refresh_from_db()
    assert not draft_guide.live  # scheduled, not yet live
    # Time passes: the scheduled moment is now behind us.
    past = timezone.now() - datetime.timedelta(seconds=1)
    revision.approved_go_live_at = past
    revision.content["go_live_at"] = past.isoformat()
    revision.save()
    call_command("publish_scheduled", verbosity=0)
    draft_guide.refresh_from_db()
    assert draft_guide.live
