"""Following and notifications through the real pages: the follow button, who a publish tells
(and who it never tells), immediate emails and digests with one-click unsubscribe, and the
member's notifications page."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.test import Client
from wagtail.models import PageViewRestriction

from kb.accounts.models import StaffProfile
from kb.following import services
from kb.following.models import Follow, Notification
from kb.following.tokens import unsubscribe_token
from kb.taxonomy.models import Organisation, Pathway

User = get_user_model()


@pytest.fixture
def members(db):
    def make(name, frequency="weekly"):
        user = User.objects.create_user(name, f"{name}@nhs.net", "pw")
        StaffProfile.objects.create(user=user, name=name.title(), email_frequency=frequency)
        return user

    return make


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


def uec():
    return Pathway.objects.get(slug="urgent-and-emergency-care")


# --- the follow button --------------------------------------------------------------------------


def test_a_member_follows_and_stops_following_a_page_from_its_button(
    make_case_study, members, signed_in
):
    page = make_case_study("Streaming to SDEC")
    client = signed_in(members("ada"))

    html = client.get(page.url).content.decode()
    assert 'Follow<span class="nhsuk-u-visually-hidden"> Streaming to SDEC' in html

    response = client.post(
        "/following/follow/", {"kind": "page", "id": page.pk, "action": "follow", "next": page.url}
    )
    assert response.status_code == 302 and response["Location"] == page.url
    html = client.get(page.url).content.decode()
    assert "You are following Streaming to SDEC" in html
    assert "Stop following" in html

    client.post("/following/follow/", {"kind": "page", "id": page.pk, "action": "unfollow"})
    assert not Follow.objects.exists()


def test_a_reader_without_an_account_is_asked_to_sign_in(make_case_study, client):
    page = make_case_study("Streaming to SDEC")

    html = client.get(page.url).content.decode()
    response = client.post("/following/follow/", {"kind": "page", "id": page.pk, "next": page.url})

    assert f'href="/accounts/login/?next={page.url}' in html.replace("%2F", "/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not Follow.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"kind": "nothing", "id": 1, "action": "follow"},
        {"kind": "pathway", "id": 99999999, "action": "follow"},
        {"kind": "pathway", "id": "1 OR 1=1", "action": "follow"},
        {"kind": "pathway", "id": "9" * 400, "action": "follow"},
        {"kind": "<script>", "id": 1, "action": "follow"},
        {"kind": "pathway", "id": 1, "action": "delete-everything"},
    ],
)
def test_a_bad_follow_request_is_refused_clearly(site_tree, members, signed_in, data):
    response = signed_in(members("ada")).post("/following/follow/", data)

    assert response.status_code == 400
    assert "could not be followed" in response.content.decode()
    assert not Follow.objects.exists()


def test_a_draft_cannot_be_followed(draft_guide, members, signed_in):
    client = signed_in(members("ada"))
    response = client.post(
        "/following/follow/", {"kind": "page", "id": draft_guide.pk, "action": "follow"}
    )
    assert response.status_code == 400
    assert "not published" in response.content.decode()


def test_next_never_leads_off_the_site(site_tree, members, signed_in):
    client = signed_in(members("ada"))
    response = client.post(
        "/following/follow/",
        {"kind": "pathway", "id": uec().pk, "action": "follow", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/following/"


# --- who a publish tells ------------------------------------------------------------------------


def test_a_publish_tells_each_follower_once_and_never_its_author(make_case_study, members, commit):
    pathway_follower = members("pat")
    organisation_follower = members("olu", frequency="immediate")
    double_follower = members("dee")
    author = members("editor")
    stranger = members("sam")
    organisation = Organisation.objects.create(name="Northshire Hospitals NHS Foundation Trust")
    services.follow(pathway_follower, uec())
    services.follow(organisation_follower, organisation)
    services.follow(double_follower, uec())
    services.follow(double_follower, organisation)
    services.follow(author, uec())
    services.follow(stranger, Pathway.objects.get(slug="cancer"))
    page = make_case_study("Streaming to SDEC", publish=False, organisation=organisation.name)

    commit(page.save_revision(user=author).publish)

    told = Notification.objects.order_by("user__username")
    assert [n.user.username for n in told] == ["dee", "olu", "pat"]
    assert {n.title for n in told} == {"New case study: Streaming to SDEC"}
    assert told.get(user=double_follower).reason == (
        "You follow the organisation Northshire Hospitals NHS Foundation Trust"
    )
    assert told.get(user=pathway_follower).reason == (
        "You follow the care pathway Urgent and emergency care"
    )
    # Only the member who asked for emails at once has one now; the rest wait for the digest.
    assert [message.to for message in mail.outbox] == [["olu@nhs.net"]]
    message = mail.outbox[0]
    assert message.subject == "New case study: Streaming to SDEC"
    assert page.url in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/following/unsubscribe/" in message.extra_headers["List-Unsubscribe"]


def test_publishing_again_is_an_update(make_case_study, members):
    follower = members("pat")
    page = make_case_study("Streaming to SDEC")
    services.follow(follower, page)

    page.title = "Streaming to SDEC, a year on"
    page.save_revision().publish()

    assert Notification.objects.get().title == "Updated case study: Streaming to SDEC, a year on"


def test_an_idea_moving_stage_says_so(site_tree, members):
    from kb.ideas.models import IdeaPage

    follower = members("pat")
    from kb.taxonomy.models import WasteType

    idea = IdeaPage(
        title="Smaller hernia trays",
        summary="Fewer instruments opened.",
        waste_type=WasteType.objects.first(),
    )
    site_tree[3].add_child(instance=idea)
    idea.save_revision().publish()
    services.follow(follower, idea)

    idea.stage = "tested"
    idea.save_revision().publish()

    told = Notification.objects.get()
    assert told.kind == "changed"
    assert told.title == "Changed idea: Smaller hernia trays"
    assert "Stage: Tested" in told.text


def test_without_a_queue_the_publish_is_announced_from_the_page_in_hand(
    make_case_study, monkeypatch, django_assert_num_queries
):
    from kb.following import signals

    page = make_case_study("Streaming to SDEC")
    revision = page.latest_revision
    told = []
    monkeypatch.setattr(services, "page_published", lambda *args: told.append(args))

    with django_assert_num_queries(0):  # neither the page nor the revision is read again
        signals._on_published(sender=type(page), instance=page, revision=revision)

    assert len(told) == 1 and told[0][0] is page and told[0][1] is revision


def test_with_a_queue_the_worker_announces_the_publish(
    make_case_study, members, settings, monkeypatch
):
    from django_tasks import task_backends
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.models import DBTaskResult

    follower = members("pat")
    services.follow(follower, uec())
    page = make_case_study("Streaming to SDEC", publish=False)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}
    # The worker closes stale connections between jobs; here that would be the test's own.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    try:
        revision = page.save_revision()
        revision.publish()
        job = DBTaskResult.objects.get(task_path="kb.following.signals.announce_publish")
        assert job.args_kwargs["args"] == [page.pk, revision.pk]  # ids: the worker reads them
        assert not Notification.objects.exists()  # the publish did not wait

        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)

        told = Notification.objects.get()
        assert (told.user, told.title) == (follower, "New case study: Streaming to SDEC")
    finally:
        task_backends._settings = None  # the next test reads TASKS afresh


def test_a_restricted_page_is_never_announced(make_case_study, members):
    follower = members("pat")
    services.follow(follower, uec())
    page = make_case_study("Private pilot", publish=False)
    PageViewRestriction.objects.create(page=page, restriction_type="login")

    page.save_revision().publish()

    assert not Notification.objects.exists()


# --- digests and unsubscribing ------------------------------------------------------------------


def test_the_weekly_digest_lists_what_waited_and_is_sent_once(make_case_study, members, commit):
    weekly, daily = members("pat"), members("dee", frequency="daily")
    services.follow(weekly, uec())
    services.follow(daily, uec())
    make_case_study("Streaming to SDEC")
    make_case_study("Same day emergency care in Northshire")

    assert commit(services.send_digests, "weekly") == 1
    assert commit(call_command, "send_outbox") is None
    assert [message.to for message in mail.outbox] == [["pat@nhs.net"]]
    body = mail.outbox[0].body
    assert mail.outbox[0].subject == "Your weekly digest: 2 updates"
    assert "New case study: Streaming to SDEC" in body
    assert "New case study: Same day emergency care in Northshire" in body
    assert "List-Unsubscribe" in mail.outbox[0].extra_headers

    assert commit(services.send_digests, "weekly") == 0  # nothing twice
    assert commit(services.send_digests, "daily") == 1  # the daily member's own digest


def test_one_click_unsubscribe_works_without_signing_in_or_a_csrf_token(members):
    member = members("pat")
    follow = services.follow(member, uec())
    client = Client(enforce_csrf_checks=True)
    address = f"/following/unsubscribe/{unsubscribe_token(member.pk)}/"

    page = client.get(address)
    assert page.status_code == 200 and "Stop emails" in page.content.decode()
    follow.refresh_from_db()
    assert follow.frequency == "weekly"  # opening the link (a mail scanner) changes nothing

    response = client.post(address, "List-Unsubscribe=One-Click", content_type="text/plain")

    assert response.status_code == 200
    follow.refresh_from_db()
    assert follow.frequency == "never"
    assert StaffProfile.objects.get(user=member).email_frequency == "never"


def test_an_unsubscribe_link_for_one_follow_stops_only_that(members):
    member = members("pat")
    first = services.follow(member, uec())
    second = services.follow(member, Pathway.objects.get(slug="cancer"))

    Client().post(f"/following/unsubscribe/{unsubscribe_token(member.pk, first.pk)}/")

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.frequency, second.frequency) == ("never", "weekly")


@pytest.mark.parametrize("token", ["nonsense", "a" * 3000, "<script>", "%00", "' OR 1=1 --"])
def test_a_broken_unsubscribe_link_says_so(db, client, token):
    response = client.get(f"/following/unsubscribe/{token}/")
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()


def test_an_altered_token_is_refused(members, client):
    member = members("pat")
    token = unsubscribe_token(member.pk)
    response = client.post(f"/following/unsubscribe/{token[:-2]}xx/")
    assert response.status_code == 404


# --- the member's pages -------------------------------------------------------------------------


def test_notifications_show_in_the_header_until_seen(make_case_study, members, signed_in):
    member = members("pat")
    services.follow(member, uec())
    make_case_study("Streaming to SDEC")
    client = signed_in(member)

    assert 'Notifications <span class="kb-count">(1' in client.get("/following/").content.decode()
    listing = client.get("/notifications/").content.decode()
    assert "New case study: Streaming to SDEC" in listing
    assert "You follow the care pathway Urgent and emergency care" in listing
    assert "kb-count" not in client.get("/following/").content.decode()


def test_a_member_chooses_emails_for_each_follow(site_tree, members, signed_in):
    member, other = members("pat"), members("dee")
    mine = services.follow(member, uec())
    theirs = services.follow(other, uec())
    client = signed_in(member)

    page = client.get("/following/").content.decode()
    assert "Urgent and emergency care" in page
    client.post("/following/", {"follow": mine.pk, "frequency": "immediate"})
    refused = client.post("/following/", {"follow": mine.pk, "frequency": "hourly"}, follow=True)
    not_mine = client.post("/following/", {"follow": theirs.pk, "frequency": "never"})

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.frequency == "immediate"
    assert "Choose how often you want emails" in refused.content.decode()
    assert not_mine.status_code == 404 and theirs.frequency == "weekly"


def test_follows_and_notifications_are_in_the_data_download_and_go_with_the_account(
    make_case_study, members, signed_in
):
    member = members("pat")
    services.follow(member, uec())
    make_case_study("Streaming to SDEC")

    data = signed_in(member).get("/accounts/profile/download/").json()

    assert data["following"]["follows"] == [
        {"kind": "pathway", "name": "Urgent and emergency care", "email": "weekly"}
    ]
    assert data["following"]["notifications"][0]["title"] == "New case study: Streaming to SDEC"
    member.delete()
    assert not Follow.objects.exists() and not Notification.objects.exists()


# --- found in review -----------------------------------------------------------------------------


def test_a_page_scheduled_for_later_is_announced_only_when_it_goes_live(make_case_study, members):
    import datetime

    from django.utils import timezone

    services.follow(members("pat"), uec())
    page = make_case_study("Embargoed", publish=False)
    page.go_live_at = timezone.now() + datetime.timedelta(days=7)
    page.save_revision().publish()

    assert not Notification.objects.exists()


def test_a_restricted_page_cannot_be_followed_nor_its_title_learnt(
    make_case_study, members, signed_in
):
    page = make_case_study("Private pilot")
    PageViewRestriction.objects.create(page=page, restriction_type="login")
    member = members("pat")
    client = signed_in(member)

    response = client.post(
        "/following/follow/", {"kind": "page", "id": page.pk, "action": "follow"}
    )

    assert response.status_code == 400
    assert "Private pilot" not in response.content.decode()
    Follow.objects.create(  # followed before the restriction came
        user=member, content_type=services.content_type_of(page), object_id=page.pk
    )
    assert "Private pilot" not in client.get("/following/").content.decode()


def test_a_big_immediate_fan_out_is_left_to_the_sender_and_goes_out_once_each(
    make_case_study, members, commit
):
    from kb.mail.models import OutboxEmail

    followers = [members(f"m{number}", frequency="immediate") for number in range(30)]
    for follower in followers:
        services.follow(follower, uec())
    page = make_case_study("Streaming to SDEC", publish=False)

    commit(page.save_revision().publish)
    # The publish tried the first few at once and left the rest for send_outbox.
    assert len(mail.outbox) == services.INLINE_DELIVERY_LIMIT
    assert OutboxEmail.objects.filter(state="pending").count() == 30 - len(mail.outbox)

    call_command("send_outbox", verbosity=0)
    call_command("send_outbox", verbosity=0)  # a second pass finds nothing left to send
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        follower.email for follower in followers
    )


def test_the_unsubscribe_link_in_an_immediate_email_stops_those_emails(
    make_case_study, members, commit
):
    member = members("pat")
    page = make_case_study("Streaming to SDEC")
    services.follow(member, page, frequency="weekly")
    services.follow(member, uec(), frequency="immediate")

    page.title = "Streaming to SDEC, a year on"
    commit(page.save_revision().publish)
    link = mail.outbox[-1].extra_headers["List-Unsubscribe"].strip("<>")
    Client().post(
        link.split("testserver", 1)[-1], "List-Unsubscribe=One-Click", content_type="text/plain"
    )
    mail.outbox.clear()
    page.title = "Streaming to SDEC, two years on"
    commit(page.save_revision().publish)

    assert mail.outbox == []
    assert Notification.objects.filter(user=member).count() == 2  # still told on the site


def test_a_next_that_is_not_an_address_goes_to_the_follows_page(site_tree, members, signed_in):
    response = signed_in(members("ada")).post(
        "/following/follow/", {"kind": "pathway", "id": uec().pk, "action": "follow", "next": "foo"}
    )
    assert response.status_code == 302 and response["Location"] == "/following/"


def test_the_unsubscribe_page_is_never_served_from_the_page_cache(members, client):
    address = f"/following/unsubscribe/{unsubscribe_token(members('pat').pk)}/"
    client.get(address)
    assert client.get(address).get("X-KB-Cache") != "HIT"
