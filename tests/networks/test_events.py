"""A lead's event form through the network page's real address: the start and end as the NHS.UK
date input (day, month and year boxes in a fieldset with its hint) and hour and minute boxes,
each problem named in the error summary with a link to the box at fault, and what the lead
typed always shown again."""

import datetime
import re
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest

from kb.networks.models import NetworkEvent

from .conftest import next_january, when

NHS_NUMBER = "943 476 5919"


class Page(HTMLParser):
    """The ids, the error summary's links and each input's attributes of a page."""

    def __init__(self, html):
        super().__init__()
        self.ids, self.links, self.inputs, self.legends = set(), [], {}, []
        self._in_summary = self._in_legend = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if "nhsuk-error-summary" in attrs.get("class", "").split():
            self._in_summary = True
        if self._in_summary and tag == "a":
            self.links.append(attrs["href"])
        if tag == "input" and "name" in attrs:
            self.inputs[attrs["name"]] = attrs
        self._in_legend = tag == "legend"

    def handle_endtag(self, tag):
        if tag == "ul":
            self._in_summary = False
        if tag == "legend":
            self._in_legend = False

    def handle_data(self, data):
        if self._in_legend and data.strip():
            self.legends.append(data.strip())

    def marked(self, name):
        return "nhsuk-input--error" in self.inputs[name]["class"].split()


@pytest.fixture
def lead_client(client, make_network, staff):
    lead = staff("lena")
    network = make_network(leads=[lead])
    client.force_login(lead)

    def post(data):
        return client.post(f"{network.url}events/", {"event-title": "Huddle", **data})

    post.network = network
    post.client = client
    return post


def refused(response):
    """The page re-shown with the error summary, every link in it going to a box on the page."""
    assert response.status_code == 400
    html = response.content.decode()
    page = Page(html)
    assert "There is a problem" in html
    assert page.links, "the error summary has no links"
    for href in page.links:
        assert href.startswith("#") and href[1:] in page.ids, f"{href} goes nowhere"
    assert not NetworkEvent.objects.exists()
    return html, page


def test_the_form_uses_the_nhs_date_input(lead_client):
    html = lead_client.client.get(lead_client.network.url).content.decode()
    page = Page(html)
    assert page.legends[-4:] == ["Start date", "Start time", "End date", "End time"]
    assert html.count("For example, 15 3 2027") == 2
    assert html.count('class="nhsuk-date-input"') == 4
    for box in ("day", "month", "year"):
        attrs = page.inputs[f"event-start_date_{box}"]
        assert attrs["inputmode"] == "numeric" and attrs["type"] == "text"
        assert f'for="event-start_date-{box}"' in html
    for box in ("hour", "minute"):
        assert page.inputs[f"event-end_time_{box}"]["inputmode"] == "numeric"
    assert 'role="group" aria-describedby="event-start_date-hint"' in html


def test_an_event_is_stored_in_uk_time(lead_client):
    summer = datetime.date(datetime.date.today().year + 1, 7, 2)
    response = lead_client(when(summer, start=(9, 30), end=(16, 0), online="on"))
    assert response.status_code == 302
    event = NetworkEvent.objects.get()
    # 09:30 in London in July (BST) is 08:30 UTC.
    assert event.starts_at == datetime.datetime.combine(summer, datetime.time(8, 30), datetime.UTC)
    assert event.ends_at == datetime.datetime.combine(summer, datetime.time(15, 0), datetime.UTC)


def test_an_event_over_several_days_shows_its_end_date(lead_client):
    first = next_january(14)
    response = lead_client(when(first, end_day=next_january(16), end=(12, 0), online="on"))
    assert response.status_code == 302
    html = lead_client.client.get(lead_client.network.url).content.decode()
    assert f"to {next_january(16):%A %-d %B %Y}, 12:00" in html


@pytest.mark.parametrize(
    "boxes",
    [
        {"start_date_month": "January", "end_date_month": "jan"},
        {"start_date_day": "１４", "start_date_month": "０１"},  # full-width digits
        {"start_date_day": " 14 ", "start_date_month": "01 "},
        {"start_time_hour": "14:00", "start_time_minute": ""},
        {"start_time_hour": "14", "start_time_minute": ""},  # on the hour
    ],
)
def test_the_ways_people_type_dates_and_times_are_read(lead_client, boxes):
    response = lead_client(when(online="on", **boxes))
    assert response.status_code == 302, response.content.decode()
    event = NetworkEvent.objects.get()
    assert event.starts_at == datetime.datetime.combine(
        next_january(), datetime.time(14, 0), datetime.UTC
    )


def test_an_empty_form_names_every_box_to_fill_in(lead_client):
    html, page = refused(lead_client({"event-title": ""}))
    for message, anchor in [
        ("Enter a title for the event", "#event-title"),
        ("Enter the date the event starts", "#event-start_date-day"),
        ("Enter the time the event starts", "#event-start_time-hour"),
        ("Enter the date the event ends", "#event-end_date-day"),
        ("Enter the time the event ends", "#event-end_time-hour"),
    ]:
        assert f'<a href="{anchor}">{message}</a>' in html


def test_an_impossible_date_marks_the_whole_date_and_keeps_it(lead_client):
    html, page = refused(lead_client(when(online="on", start_date_day="31", start_date_month="2")))
    assert (
        '<a href="#event-start_date-day">The date the event starts must be a real date</a>' in html
    )
    assert all(page.marked(f"event-start_date_{box}") for box in ("day", "month", "year"))
    assert page.inputs["event-start_date_day"]["value"] == "31"
    assert page.inputs["event-start_date_month"]["value"] == "2"
    assert not page.marked("event-end_date_day")
    # The rest of what the lead typed is there too.
    assert page.inputs["event-title"]["value"] == "Huddle"
    assert page.inputs["event-start_time_hour"]["value"] == "14"
    assert "checked" in page.inputs["event-online"]


@pytest.mark.parametrize(
    ("boxes", "message", "anchor", "marked"),
    [
        (
            {"start_date_month": ""},
            "The date the event starts must include a month",
            "event-start_date-month",
            ["event-start_date_month"],
        ),
        (
            {"end_date_day": "", "end_date_year": ""},
            "The date the event ends must include a day and a year",
            "event-end_date-day",
            ["event-end_date_day", "event-end_date_year"],
        ),
        (
            {"start_date_month": "13"},
            "The date the event starts must be a real date",
            "event-start_date-month",
            ["event-start_date_month"],
        ),
        (
            {"start_date_year": "27"},
            "The date the event starts must have a year with 4 numbers",
            "event-start_date-year",
            ["event-start_date_year"],
        ),
        (
            {"start_time_minute": "75"},
            "The time the event starts must be a real time on the 24-hour clock",
            "event-start_time-minute",
            ["event-start_time_minute"],
        ),
        (
            {"end_time_hour": "", "end_time_minute": "30"},
            "The time the event ends must include an hour",
            "event-end_time-hour",
            ["event-end_time_hour"],
        ),
    ],
)
def test_a_missing_or_wrong_box_is_named_and_linked(lead_client, boxes, message, anchor, marked):
    html, page = refused(lead_client(when(online="on", **boxes)))
    assert f'<a href="#{anchor}">{message}' in html
    boxes_marked = [
        name for name in page.inputs if "nhsuk-input--error" in page.inputs[name].get("class", "")
    ]
    assert boxes_marked == marked


def test_the_end_must_come_after_the_start(lead_client):
    html, _ = refused(lead_client(when(online="on", start=(15, 0), end=(15, 0))))
    assert '<a href="#event-end_time-hour">The end time must be after the start time</a>' in html

    html, _ = refused(lead_client(when(next_january(14), end_day=next_january(13), online="on")))
    assert (
        '<a href="#event-end_date-day">The event must end on or after the day it starts</a>' in html
    )


def test_a_date_in_the_past_or_too_far_ahead_is_refused(lead_client):
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    html, _ = refused(lead_client(when(yesterday, end_day=next_january(), online="on")))
    assert (
        '<a href="#event-start_date-day">The date the event starts must be today or in the future'
        in html
    )
    far = datetime.date(datetime.date.today().year + 7, 1, 1)
    html, _ = refused(lead_client(when(next_january(), end_day=far, online="on")))
    assert '<a href="#event-end_date-day">The date the event ends must be before' in html


def test_an_event_today_is_accepted(lead_client):
    today = datetime.datetime.now(ZoneInfo("Europe/London")).date()
    response = lead_client(when(today, start=(0, 0), end=(23, 59), online="on"))
    assert response.status_code == 302


HOSTILE = [
    "1" * 5000,
    "<script>alert(1)</script>",
    '" autofocus onfocus="alert(1)',
    "١٤",  # Arabic-Indic digits: not read as a number
    "Ŵïńtér 🚑",
    "-1",
    "1e3",
    "0x10",
    "14\x00",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_in_a_box_is_refused_and_shown_back_harmlessly(lead_client, text):
    html, page = refused(lead_client(when(online="on", start_date_day=text, end_time_minute=text)))
    assert '<a href="#event-start_date-day">The date the event starts must be a real date' in html
    assert '<a href="#event-end_time-minute">The time the event ends must be a real time' in html
    assert "<script>alert(1)</script>" not in html
    assert 'autofocus onfocus="alert(1)' not in html
    assert page.inputs["event-start_date_day"]["value"] == text  # given back as typed


def test_an_nhs_number_in_a_date_box_is_never_shown_back(lead_client):
    html, page = refused(lead_client(when(online="on", start_date_year=NHS_NUMBER)))
    assert NHS_NUMBER not in html and "9434765919" not in html
    assert "real date" in html


def test_the_other_fields_are_kept_when_only_the_date_is_wrong(lead_client):
    data = when(
        start_date_day="31",
        start_date_month="2",
        online="on",
        location="Ŵïńtér hall <b>2</b>",
        description="Bring the flow charts.\nAnd <i>tea</i>.",
        booking_url="https://events.example.nhs.uk/huddle",
    )
    html, page = refused(lead_client(data))
    assert page.inputs["event-location"]["value"] == "Ŵïńtér hall <b>2</b>"
    assert page.inputs["event-booking_url"]["value"] == "https://events.example.nhs.uk/huddle"
    assert "Bring the flow charts.\nAnd &lt;i&gt;tea&lt;/i&gt;." in html
    assert re.search(r'name="event-end_time_minute"[^>]*value="30"', html)
