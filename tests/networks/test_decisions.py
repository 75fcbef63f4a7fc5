"""A lead's decision on a request to join reaches the member who asked, through the network
page's real `requests/<id>/` address: one notification on the site and one email through the
outbox, in the decision's transaction; never anything to the lead who decided."""

from unittest import mock

import pytest
from django.core import mail

from kb.following import services
from kb.following.models import Notification
from kb.mail.models import OutboxEmail
from kb.networks.models import Membership


@pytest.fixture
def asked(client, make_network, staff):
    """A network with two leads (both following it) and a member whose request is waiting."""
    lead, co_lead = staff("lena"), staff("colin")
    network = make_network(leads=[lead, co_lead])
    for user in (lead, co_lead):
        services.follow(user, network, frequency="immediate")
    member = staff("sam")
    client.force_login(member)
    assert client.post(f"{network.url}join/", {"join-message": "I run SDEC"}).status_code == 302
    membership = Membership.objects.get(user=member)
    client.force_login(lead)
    return network, lead, co_lead, member, membership


def decide(client, network, membership, decision, capture):
    with capture(execute=True):
        response = client.post(f"{network.url}requests/{membership.pk}/", {"decision": decision})
    assert response.status_code == 302
    return response


@pytest.mark.parametrize(
    ("decision", "words", "status"),
    [
        ("approve", "has been approved", "approved"),
        ("decline", "was not approved", "declined"),
    ],
)
def test_the_member_is_told_once_and_the_lead_never(
    client, asked, django_capture_on_commit_callbacks, decision, words, status
):
    network, lead, co_lead, member, membership = asked
    decide(client, network, membership, decision, django_capture_on_commit_callbacks)
    membership.refresh_from_db()
    assert membership.status == status and membership.decided_by == lead

    # Exactly one notification, to the member, and none to either lead.
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["sam"]
    note = Notification.objects.get()
    assert note.title == f"Your request to join {network.title} {words}"
    assert note.url == f"{network.url}#membership"
    assert note.reason == "It is about your request to join a network"
    assert note.emailed_at is not None  # never in a digest as well

    # Exactly one email, queued in the outbox and sent once the decision committed.
    (row,) = OutboxEmail.objects.all()
    assert row.to == ["sam@nhs.net"] and row.kind == "networks.decision"
    assert row.subject == note.title and row.state == "sent"
    (sent,) = mail.outbox
    assert sent.to == ["sam@nhs.net"] and sent.subject == note.title
    assert words in sent.body and f"{network.url}#membership" in sent.body
    assert network.title in sent.body

    # The member sees it among their notifications; the lead sees nothing there.
    client.force_login(member)
    assert note.title in client.get("/notifications/").content.decode()
    client.force_login(lead)
    assert note.title not in client.get("/notifications/").content.decode()


def test_deciding_again_tells_no_one_again(client, asked, django_capture_on_commit_callbacks):
    network, lead, co_lead, member, membership = asked
    decide(client, network, membership, "approve", django_capture_on_commit_callbacks)
    decide(client, network, membership, "approve", django_capture_on_commit_callbacks)
    client.force_login(co_lead)
    decide(client, network, membership, "approve", django_capture_on_commit_callbacks)
    assert Notification.objects.count() == 1 and OutboxEmail.objects.count() == 1
    membership.refresh_from_db()
    assert membership.decided_by == lead  # the first decision stands

    # A change of mind is news: the member hears of it.
    decide(client, network, membership, "decline", django_capture_on_commit_callbacks)
    assert list(Notification.objects.values_list("title", flat=True)) == [
        f"Your request to join {network.title} was not approved",
        f"Your request to join {network.title} has been approved",
    ]
    assert len(mail.outbox) == 2


def test_a_lead_deciding_their_own_request_is_not_told(
    client, make_network, staff, django_capture_on_commit_callbacks
):
    lead = staff("lena")
    network = make_network(leads=[lead])
    membership = Membership.objects.create(network=network, user=lead)
    client.force_login(lead)
    decide(client, network, membership, "approve", django_capture_on_commit_callbacks)
    membership.refresh_from_db()
    assert membership.status == "approved"
    assert not Notification.objects.exists() and not OutboxEmail.objects.exists()
    assert mail.outbox == []


def test_a_refused_decision_tells_no_one(client, asked, django_capture_on_commit_callbacks):
    network, lead, co_lead, member, membership = asked
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{network.url}requests/{membership.pk}/", {"decision": "maybe"})
    client.force_login(member)  # not a lead
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{network.url}requests/{membership.pk}/", {"decision": "approve"})
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.status == "pending"
    assert not Notification.objects.exists() and not OutboxEmail.objects.exists()


def test_the_decision_and_its_news_commit_together(client, asked):
    """If the email cannot be queued, the decision is not recorded either (one transaction)."""
    network, lead, co_lead, member, membership = asked
    with (
        mock.patch("kb.networks.views.queue_email", side_effect=RuntimeError("outbox down")),
        pytest.raises(RuntimeError),
    ):
        client.post(f"{network.url}requests/{membership.pk}/", {"decision": "approve"})
    membership.refresh_from_db()
    assert membership.status == "pending"
    assert not Notification.objects.exists()


def test_a_member_without_an_email_address_is_still_told_on_the_site(
    client, asked, django_capture_on_commit_callbacks
):
    network, lead, co_lead, member, membership = asked
    type(member).objects.filter(pk=member.pk).update(email="")
    decide(client, network, membership, "approve", django_capture_on_commit_callbacks)
    assert Notification.objects.filter(user=member).count() == 1
    assert not OutboxEmail.objects.exists()
