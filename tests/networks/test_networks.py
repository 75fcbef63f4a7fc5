"""Networks through their real addresses: the listing by region and kind, joining and a lead's
approval, leads' updates (telling followers) and events (as iCalendar), the Atom feed, and every
form refusing what it must."""

import datetime

import feedparser
import pytest
from django.core import mail
from icalendar import Calendar

from kb.following import services
from kb.following.models import Notification
from kb.following.registry import kind_of
from kb.networks.models import Membership, NetworkEvent, NetworkKind, NetworkUpdate

from .conftest import next_january, uec, when

NHS_NUMBER = "943 476 5919"  # a valid-checksum test number


def test_the_listing_groups_networks_by_region_then_kind(client, make_network):
    make_network("North West LIN", region="north-west")
    make_network("London LIN", region="london")
    make_network("UEC flow collaborative", kind=NetworkKind.COLLABORATIVE, region=None)
    make_network("London imaging network", kind=NetworkKind.IMAGING, region="london")
    html = client.get("/networks/").content.decode()
    assert html.index("London") < html.index("North West") < html.index("National")
    london = html[html.index('<h2 class="nhsuk-heading-l" id="region-1">') :]
    assert london.index("Learning and Improvement Network") < london.index("Imaging network")
    assert "UEC flow collaborative" in html and "0 members" in html


def test_the_listing_says_when_there_are_no_networks(client, site_tree):
    response = client.get("/networks/")
    assert response.status_code == 200
    assert "There are no networks listed yet" in response.content.decode()


def test_join_approve_and_only_consenting_members_are_listed(client, make_network, staff):
    lead = staff("lena")
    network = make_network(leads=[lead])
    shy, open_ = staff("sam"), staff("olu", listed=True, role="Flow coordinator")

    assert "Sign in to join" in client.get(network.url).content.decode()
    for user in (shy, open_):
        client.force_login(user)
        response = client.post(f"{network.url}join/", {"join-message": "I lead SDEC"})
        assert response.status_code == 302
        assert "Your request is waiting for a lead" in client.get(network.url).content.decode()
    assert Membership.objects.filter(status="pending").count() == 2

    client.force_login(lead)
    page = client.get(network.url).content.decode()
    assert "Requests to join" in page and "Approve" in page
    for membership in Membership.objects.all():
        response = client.post(f"{network.url}requests/{membership.pk}/", {"decision": "approve"})
        assert response.status_code == 302
    assert Membership.objects.filter(status="approved").count() == 2

    html = client.get(network.url).content.decode()
    assert "Olu, Flow coordinator" in html
    assert "Sam" not in html


def test_a_non_lead_cannot_approve_post_or_add_events(client, make_network, staff):
    network = make_network(leads=[staff("lena")])
    asker, intruder = staff("sam"), staff("ivan")
    membership = Membership.objects.create(network=network, user=asker)
    client.force_login(intruder)
    assert (
        client.post(f"{network.url}requests/{membership.pk}/", {"decision": "approve"}).status_code
        == 403
    )
    assert client.post(f"{network.url}updates/", {"update-title": "x"}).status_code == 403
    assert client.post(f"{network.url}events/", {"event-title": "x"}).status_code == 403
    membership.refresh_from_db()
    assert membership.status == "pending"
    assert not NetworkUpdate.objects.exists() and not NetworkEvent.objects.exists()


def test_actions_change_nothing_by_get_and_need_sign_in(client, make_network, staff):
    network = make_network(leads=[staff("lena")])
    membership = Membership.objects.create(network=network, user=staff("sam"))
    assert client.get(f"{network.url}join/").status_code == 405
    assert client.post(f"{network.url}join/").status_code == 302  # to sign in
    client.force_login(network.leads.get())
    assert client.get(f"{network.url}requests/{membership.pk}/?decision=approve").status_code == 405
    membership.refresh_from_db()
    assert membership.status == "pending"


def test_csrf_is_checked(make_network, staff):
    from django.test import Client

    network = make_network(leads=[staff("lena")])
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff("sam"))
    assert client.post(f"{network.url}join/", {}).status_code == 403
    assert not Membership.objects.exists()


def test_a_lead_update_tells_followers_but_not_the_author(
    client, make_network, staff, django_capture_on_commit_callbacks
):
    lead, co_lead = staff("lena"), staff("colin")
    network = make_network(leads=[lead, co_lead])
    assert kind_of(network) == "network"
    follower, eager = staff("fay"), staff("eddie")
    services.follow(follower, network)
    services.follow(eager, network, frequency="immediate")
    services.follow(lead, network)
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{network.url}updates/",
            {"update-title": "Winter plan agreed", "update-body": "All trusts signed up."},
        )
    assert response.status_code == 302
    assert NetworkUpdate.objects.get().author == lead
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert told == {"fay", "eddie"}
    note = Notification.objects.get(user=follower)
    assert "Winter plan agreed" in note.title and note.url.startswith(network.url)
    assert "You follow the network" in note.reason
    assert [m.to for m in mail.outbox if "Winter plan" in m.subject] == [["eddie@nhs.net"]]
    assert "Winter plan agreed" in client.get(network.url).content.decode()


def test_an_event_is_listed_and_served_as_icalendar(client, make_network, staff):
    lead = staff("lena")
    network = make_network(leads=[lead])
    services.follow(staff("fay"), network)
    client.force_login(lead)
    response = client.post(
        f"{network.url}events/",
        {
            "event-title": "Flow huddle: ‘discharge before noon’",
            **when(),
            "event-online": "on",
            "event-location": "Northshire Education Centre",
            "event-booking_url": "https://events.example.nhs.uk/flow",
        },
    )
    assert response.status_code == 302
    event = NetworkEvent.objects.get()
    assert Notification.objects.filter(title__contains="Flow huddle").count() == 1
    assert "Upcoming events" in client.get(network.url).content.decode()

    ical = client.get(f"{network.url}calendar/")
    assert ical["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(ical.content)
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == event.title
    assert vevent["UID"] and vevent["DTSTAMP"]
    # 14:00 in London in January (GMT) is 14:00 UTC.
    day = next_january()
    assert vevent.decoded("DTSTART") == datetime.datetime.combine(
        day, datetime.time(14, 0), datetime.UTC
    )
    assert vevent.decoded("DTEND") == datetime.datetime.combine(
        day, datetime.time(15, 30), datetime.UTC
    )
    assert "Northshire Education Centre" in str(vevent["LOCATION"])
    assert str(vevent["URL"]) == "https://events.example.nhs.uk/flow"


def test_past_events_are_under_their_own_heading(client, make_network, staff):
    network = make_network()
    start = datetime.datetime(2020, 1, 1, 10, tzinfo=datetime.UTC)
    NetworkEvent.objects.create(
        network=network,
        title="Launch meeting",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        online=True,
    )
    html = client.get(network.url).content.decode()
    assert html.index("Past events") < html.index("Launch meeting")
    assert "No upcoming events." in html


def test_the_network_feed_lists_member_and_pathway_content(
    client, make_network, make_case_study, northshire
):
    network = make_network()
    network.member_organisations.set([northshire])
    network.focus_pathways.set([uec()])
    network.save()
    make_case_study("Northshire SDEC", organisation=northshire)
    html = client.get(network.url).content.decode()
    assert f'href="{network.url}feed/"' in html and 'rel="alternate"' in html
    assert "Northshire SDEC" in html  # shared by a member organisation
    response = client.get(f"{network.url}feed/")
    assert response.status_code == 200
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0
    assert "Northshire SDEC" in [entry.title for entry in parsed.entries]


HOSTILE = [
    ("", "Enter a title for the update"),
    ("x" * 151, "150 characters or fewer"),
    (f"Patient {NHS_NUMBER} waited", "Remove the NHS number"),
]


@pytest.mark.parametrize(("title", "error"), HOSTILE)
def test_update_form_refuses_bad_input_and_stores_nothing(
    client, make_network, staff, title, error
):
    lead = staff("lena")
    network = make_network(leads=[lead])
    client.force_login(lead)
    response = client.post(
        f"{network.url}updates/", {"update-title": title, "update-body": "Body text"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html and error in html
    assert NHS_NUMBER not in html and "9434765919" not in html
    assert not NetworkUpdate.objects.exists()


@pytest.mark.parametrize(
    "title",
    ["<script>alert(1)</script>", "'; DROP TABLE networks_networkupdate; --", "Ŵïńtér 🚑 ప్లాన్"],
)
def test_update_form_stores_odd_text_as_text(client, make_network, staff, title):
    lead = staff("lena")
    network = make_network(leads=[lead])
    client.force_login(lead)
    client.post(f"{network.url}updates/", {"update-title": title, "update-body": "Body"})
    assert NetworkUpdate.objects.get().title == title
    html = client.get(network.url).content.decode()
    assert "<script>alert(1)</script>" not in html


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "Enter a title for the event"),
        ({"event-title": "Huddle", **when(start_date_day="31", start_date_month="2")}, "real date"),
        (
            {"event-title": "Huddle", "event-online": "on", **when(start=(15, 0), end=(14, 0))},
            "The end time must be after the start time",
        ),
        ({"event-title": "Huddle", **when()}, "Say where the event is"),
        (
            {
                "event-title": "Huddle",
                "event-online": "on",
                "event-booking_url": "javascript:alert(1)",
                **when(),
            },
            "Enter the booking link",
        ),
        (
            {
                "event-title": "Huddle",
                "event-online": "on",
                "event-description": f"For {NHS_NUMBER}",
                **when(),
            },
            "Remove the NHS number",
        ),
    ],
)
def test_event_form_refuses_bad_input_and_stores_nothing(client, make_network, staff, data, error):
    lead = staff("lena")
    network = make_network(leads=[lead])
    client.force_login(lead)
    response = client.post(f"{network.url}events/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert error in html and NHS_NUMBER not in html
    assert not NetworkEvent.objects.exists()


@pytest.mark.parametrize(
    ("message", "error"),
    [("x" * 501, "500 characters or fewer"), (f"I am {NHS_NUMBER}", "Remove the NHS number")],
)
def test_join_form_refuses_bad_input_and_stores_nothing(
    client, make_network, staff, message, error
):
    network = make_network(leads=[staff("lena")])
    client.force_login(staff("sam"))
    response = client.post(f"{network.url}join/", {"join-message": message})
    assert response.status_code == 400
    html = response.content.decode()
    assert error in html and NHS_NUMBER not in html
    assert not Membership.objects.exists()


ODD_TEXT = ["<b>bold</b><script>alert(1)</script>", "1' OR '1'='1", "Ŵïńtér 🚑 ప్లాన్"]


@pytest.mark.parametrize("text", ODD_TEXT)
def test_join_and_event_forms_store_odd_text_as_text(client, make_network, staff, text):
    lead = staff("lena")
    network = make_network(leads=[lead])
    client.force_login(staff("sam"))
    assert client.post(f"{network.url}join/", {"join-message": text}).status_code == 302
    assert Membership.objects.get().message == text
    client.force_login(lead)
    response = client.post(
        f"{network.url}events/",
        {
            "event-title": text,
            **when(start=(9, 0), end=(10, 0)),
            "event-location": text,
        },
    )
    assert response.status_code == 302
    assert NetworkEvent.objects.get().title == text
    html = client.get(network.url).content.decode()
    assert "<script>alert(1)</script>" not in html
    calendar = Calendar.from_ical(client.get(f"{network.url}calendar/").content)
    assert str(calendar.walk("VEVENT")[0]["SUMMARY"]) == text
