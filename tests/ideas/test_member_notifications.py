"""A member who shares an idea while signed in sees its decisions among their notifications;
an idea sent without an account is unchanged."""

from kb.following.models import Notification
from kb.ideas.models import IdeaSubmission


def action_url(action, submission):
    return f"/admin/ideas/submissions/{action}/{submission.pk}/"


def test_a_signed_in_member_is_told_of_the_decision_on_their_idea(
    client, make_user, moderator, make_submission
):
    member = make_user("sam")
    client.force_login(member)
    submission, _ = make_submission()
    assert submission.submitted_by == member

    client.force_login(moderator)
    client.post(action_url("decline", submission), {"message": "Already national policy."})

    told = Notification.objects.get(user=member)
    assert told.title == f"Your idea {submission.reference}: declined"
    assert told.text == "Already national policy."
    assert told.url == ""  # never the private status link
    client.force_login(member)
    page = client.get("/notifications/").content.decode()
    assert f"Your idea {submission.reference}: declined" in page


def test_an_idea_sent_without_an_account_tells_no_member(client, moderator, make_submission):
    submission, _ = make_submission()
    client.force_login(moderator)
    client.post(action_url("decline", submission), {"message": "Already national policy."})

    assert IdeaSubmission.objects.get().submitted_by is None
    assert not Notification.objects.exists()


def test_the_member_data_download_holds_the_ideas_they_shared(client, make_user, make_submission):
    member = make_user("sam")
    client.force_login(member)
    submission, _ = make_submission()

    data = client.get("/accounts/profile/download/").json()

    assert [idea["reference"] for idea in data["ideas"]] == [submission.reference]
    assert data["ideas"][0]["title"] == submission.title
