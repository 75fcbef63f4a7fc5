"""The forms on a network page: asking to join, and a lead's update and event.

Each is a `GuardedForm`: it refuses NHS numbers (and never shows one back), strips control
characters and says plainly what is wrong. Each has its own prefix, as the page can show them
together and their field ids must not clash.
"""

import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError

from kb.core.forms import GuardedForm, PlainTextField

LONDON = ZoneInfo("Europe/London")


class JoinForm(GuardedForm):
    prefix = "join"

    message = PlainTextField(
        label="Why do you want to join? (optional)",
        max_length=500,
        required=False,
        single_line=False,
        help_text="A line for the network's leads, for example your role in the pathway.",
        error_messages={"max_length": "Why you want to join must be 500 characters or fewer"},
    )


class UpdateForm(GuardedForm):
    prefix = "update"

    title = PlainTextField(
        label="Title",
        max_length=150,
        error_messages={
            "required": "Enter a title for the update",
            "max_length": "The title must be 150 characters or fewer",
        },
    )
    body = PlainTextField(
        label="Update",
        max_length=2000,
        single_line=False,
        help_text="A short post for the network's members and followers.",
        error_messages={
            "required": "Enter the update",
            "max_length": "The update must be 2000 characters or fewer",
        },
    )


class EventForm(GuardedForm):
    prefix = "event"

    title = PlainTextField(
        label="Title",
        max_length=150,
        error_messages={
            "required": "Enter a title for the event",
            "max_length": "The title must be 150 characters or fewer",
        },
    )
    date = forms.DateField(
        label="Date",
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        help_text="For example, 14/03/2027",
        error_messages={
            "required": "Enter the date of the event",
            "invalid": "Enter the date as day/month/year, for example 14/03/2027",
        },
    )
    start_time = forms.TimeField(
        label="Starts at",
        input_formats=["%H:%M"],
        help_text="UK time, 24-hour clock, for example 14:00",
        error_messages={
            "required": "Enter the time the event starts",
            "invalid": "Enter the start time like 14:00",
        },
    )
    end_time = forms.TimeField(
        label="Ends at",
        input_formats=["%H:%M"],
        help_text="UK time, 24-hour clock, for example 15:30",
        error_messages={
            "required": "Enter the time the event ends",
            "invalid": "Enter the end time like 15:30",
        },
    )
    online = forms.BooleanField(label="The event is online", required=False)
    location = PlainTextField(
        label="Place (if it is not only online)",
        max_length=200,
        required=False,
        error_messages={"max_length": "The place must be 200 characters or fewer"},
    )
    booking_url = forms.URLField(
        label="Booking link (optional)",
        max_length=500,
        required=False,
        assume_scheme="https",
        error_messages={
            "invalid": "Enter the booking link as a web address starting https://",
            "max_length": "The booking link must be 500 characters or fewer",
        },
    )
    description = PlainTextField(
        label="Description (optional)",
        max_length=2000,
        required=False,
        single_line=False,
        error_messages={"max_length": "The description must be 2000 characters or fewer"},
    )

    def clean_booking_url(self):
        url = self.cleaned_data.get("booking_url", "")
        if url and not url.lower().startswith(("https://", "http://")):
            raise ValidationError("Enter the booking link as a web address starting https://")
        return url

    def clean(self):
        cleaned = super().clean()
        day, start, end = (cleaned.get(name) for name in ("date", "start_time", "end_time"))
        if day and start and end:
            if end <= start:
                self.add_error("end_time", "The end time must be after the start time")
            else:
                cleaned["starts_at"] = datetime.datetime.combine(day, start, LONDON)
                cleaned["ends_at"] = datetime.datetime.combine(day, end, LONDON)
        if not cleaned.get("online") and not cleaned.get("location") and "location" in cleaned:
            self.add_error("location", "Say where the event is, or tick that it is online")
        return cleaned
