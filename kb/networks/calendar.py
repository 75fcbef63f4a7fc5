"""A network's events as iCalendar (RFC 5545), written with the `icalendar` package."""

import datetime

from django.utils import timezone
from icalendar import Calendar, Event


def network_calendar(network, request):
    """The bytes of a VCALENDAR with one VEVENT per event of `network` (times in UTC)."""
    calendar = Calendar()
    calendar.add("prodid", "-//NHS Improvement Knowledge Base//Networks//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{network.title} events")
    host = request.get_host()
    page_url = request.build_absolute_uri(network.url)
    stamp = timezone.now()
    for item in network.events.all():
        event = Event()
        # Stable across downloads, so calendars update the event rather than add it again.
        event.add("uid", f"network-event-{item.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", item.starts_at.astimezone(datetime.UTC))
        event.add("dtend", item.ends_at.astimezone(datetime.UTC))
        event.add("summary", item.title)
        if item.description:
            event.add("description", item.description)
        if item.where:
            event.add("location", item.where)
        event.add("url", item.booking_url or page_url)
        calendar.add_component(event)
    return calendar.to_ical()
