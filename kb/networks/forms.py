"""The forms on a network page: asking to join, and a lead's update and event.

Each is a `GuardedForm`: it refuses NHS numbers (and never shows one back), strips control
characters and says plainly what is wrong. Each has its own prefix, as the page can show them
together and their field ids must not clash.

An event's start and end are each a date and a time, entered as the NHS.UK date input pattern
asks: separate boxes for day, month and year (and, as the service manual has no time pattern,
the same kind of boxes for hour and minute), in a fieldset with its hint. `DatePartsField` and
`TimePartsField` read them and `templates/components/forms/date_input.html` shows them; nothing
here is about networks, so they could move to kb/core/forms.py when another form needs them.
"""

import abc
import datetime
import re
import unicodedata
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField

from kb.core.forms import GuardedForm, PlainTextField

LONDON = ZoneInfo("Europe/London")
YEARS_AHEAD = 5

# --- the NHS.UK date input, for dates and times -------------------------------------------------

_MONTHS = "january february march april may june july august september october november december"
# A month typed as a word: "March", "mar" (and "sept").
MONTH_NAMES = {
    name: number
    for number, month in enumerate(_MONTHS.split(), start=1)
    for name in (month, month[:3])
} | {"sept": 9}
DIGITS = re.compile(r"[0-9]{1,2}")
YEAR = re.compile(r"[0-9]{4}")


class PartsWidget(forms.MultiWidget):
    """One text box for each part of a value (`parts`: (name, label, width class)); the boxes
    are named after the field plus `_day`, `_month`... Shown by components/forms/date_input.html,
    never by Django's own widget templates."""

    parts = ()

    def __init__(self, attrs=None):
        super().__init__({name: forms.TextInput() for name, _, _ in self.parts}, attrs)


class DatePartsWidget(PartsWidget):
    parts = (
        ("day", "Day", "nhsuk-input--width-2"),
        ("month", "Month", "nhsuk-input--width-2"),
        ("year", "Year", "nhsuk-input--width-4"),
    )

    def decompress(self, value):
        return [value.day, value.month, value.year] if value else [None, None, None]


class TimePartsWidget(PartsWidget):
    parts = (("hour", "Hour", "nhsuk-input--width-2"), ("minute", "Minute", "nhsuk-input--width-2"))

    def decompress(self, value):
        return [value.hour, f"{value.minute:02d}"] if value else [None, None]


class PartsBoundField(BoundField):
    """A parts field as its template needs it: each box's name, id, label, width, the value as
    typed (never lost to an error) and whether it is at fault."""

    @property
    def parts(self):
        widget = self.field.widget
        value = self.value()
        if not isinstance(value, list | tuple):
            value = widget.decompress(value)
        faulty = self._faulty()
        return [
            {
                "name": name,
                "html_name": f"{self.html_name}{suffix}",
                "id": f"{self.auto_id}-{name}",
                "label": label,
                "width": width,
                "value": "" if typed is None else typed,
                "error": name in faulty,
            }
            for (name, label, width), suffix, typed in zip(
                widget.parts, widget.widgets_names, list(value) + [None] * 3, strict=False
            )
        ]

    @property
    def anchor(self):
        """Where the error summary's link goes: the first box at fault."""
        faulty = self._faulty()
        for name, _, _ in self.field.widget.parts:
            if name in faulty:
                return f"{self.auto_id}-{name}"
        return f"{self.auto_id}-{self.field.widget.parts[0][0]}"

    def _faulty(self):
        names = set()
        for error in self.errors.as_data():
            parts = (error.params or {}).get("parts")
            names.update(parts or (name for name, _, _ in self.field.widget.parts))
        return names


class PartsField(forms.MultiValueField, metaclass=abc.ABCMeta):
    """A value typed in parts. `noun` names it in messages ("the date the event starts");
    subclasses turn {part name: text} into the value in `parse`."""

    bound_field_class = PartsBoundField
    widget = PartsWidget

    def __init__(self, *, noun, **kwargs):
        self.noun = noun
        fields = tuple(forms.CharField(required=False) for _ in self.widget.parts)
        kwargs.setdefault("error_messages", {}).setdefault("required", f"Enter {noun}")
        super().__init__(fields, require_all_fields=False, **kwargs)

    def clean(self, value):
        names = [name for name, _, _ in self.widget.parts]
        if not isinstance(value, list | tuple):
            value = self.widget.decompress(value) if value else []
        typed = [_normalise(v) for v in value] + [""] * len(names)
        given = dict(zip(names, typed, strict=False))
        if not any(given.values()):
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return None
        return self.parse(given)

    def compress(self, data_list):  # clean() does the work; MultiValueField asks for it
        return data_list

    @abc.abstractmethod
    def parse(self, given):
        """The value from the boxes as typed ({part name: text}); ValidationError if not."""

    def fault(self, message, code, *parts):
        """A ValidationError naming the boxes at fault (none named: all of them)."""
        return ValidationError(
            f"{self.noun[0].upper()}{self.noun[1:]} {message}",
            code=code,
            params={"parts": parts} if parts else None,
        )


def _normalise(value):
    # Full-width digits (from some keyboards) read as digits; spaces around do not count.
    return unicodedata.normalize("NFKC", str(value or "")).strip()


def _missing(given, names):
    missing = [name for name in names if not given[name]]
    if not missing:
        return None
    words = " and ".join(f"{'an' if name[0] in 'aeiouh' else 'a'} {name}" for name in missing)
    return words, missing


class DatePartsField(PartsField):
    """A date as day, month and year boxes. The month may be typed as a word ("March", "mar")."""

    widget = DatePartsWidget

    def parse(self, given):
        found = _missing(given, ("day", "month", "year"))
        if found:
            words, missing = found
            raise self.fault(f"must include {words}", "incomplete", *missing)
        day, month, year = given["day"], given["month"].lower(), given["year"]
        month = str(MONTH_NAMES[month]) if month in MONTH_NAMES else month
        wrong = [
            name
            for name, text, top in (("day", day, 31), ("month", month, 12))
            if not DIGITS.fullmatch(text) or not 1 <= int(text) <= top
        ]
        if not YEAR.fullmatch(year):
            if year.isascii() and year.isdigit() and not wrong:
                raise self.fault("must have a year with 4 numbers, like 2027", "year", "year")
            wrong.append("year")
        if wrong:
            raise self.fault("must be a real date", "invalid", *wrong)
        try:
            return datetime.date(int(year), int(month), int(day))
        except ValueError:  # 31 2 2027, or year 0
            raise self.fault("must be a real date", "invalid") from None


class TimePartsField(PartsField):
    """A time of day as hour and minute boxes, on the 24-hour clock. An empty minute is on the
    hour; "14:30" or "14.30" typed in the hour box is read as it is meant."""

    widget = TimePartsWidget

    def parse(self, given):
        hour, minute = given["hour"], given["minute"]
        split = re.fullmatch(r"([0-9]{1,2})[:.]([0-9]{2})", hour)
        if split and not minute:
            hour, minute = split.groups()
        if not hour:
            raise self.fault("must include an hour", "incomplete", "hour")
        minute = minute or "00"
        wrong = [
            name
            for name, text, top in (("hour", hour, 23), ("minute", minute, 59))
            if not DIGITS.fullmatch(text) or not 0 <= int(text) <= top
        ]
        if wrong:
            raise self.fault(
                "must be a real time on the 24-hour clock, like 14 30", "invalid", *wrong
            )
        return datetime.time(int(hour), int(minute))


class PartsFormMixin:
    """The error summary links to the first box at fault of a parts field."""

    def anchor_for(self, name):
        field = self[name]
        return field.anchor if isinstance(field, PartsBoundField) else super().anchor_for(name)


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


class EventForm(PartsFormMixin, GuardedForm):
    prefix = "event"

    title = PlainTextField(
        label="Title",
        max_length=150,
        error_messages={
            "required": "Enter a title for the event",
            "max_length": "The title must be 150 characters or fewer",
        },
    )
    start_date = DatePartsField(
        label="Start date", noun="the date the event starts", help_text="For example, 15 3 2027"
    )
    start_time = TimePartsField(
        label="Start time",
        noun="the time the event starts",
        help_text="UK time, on the 24-hour clock. For example, 14 30",
    )
    end_date = DatePartsField(
        label="End date", noun="the date the event ends", help_text="For example, 15 3 2027"
    )
    end_time = TimePartsField(
        label="End time",
        noun="the time the event ends",
        help_text="UK time, on the 24-hour clock. For example, 15 30",
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
        self._check_when(cleaned)
        if not cleaned.get("online") and not cleaned.get("location") and "location" in cleaned:
            self.add_error("location", "Say where the event is, or tick that it is online")
        return cleaned

    def _check_when(self, cleaned):
        """Today or later (UK time), within YEARS_AHEAD years, and ending after it starts."""
        today = datetime.datetime.now(LONDON).date()
        latest = today + datetime.timedelta(days=365 * YEARS_AHEAD + 1)
        for name in ("start_date", "end_date"):
            day = cleaned.get(name)
            noun = self.fields[name].noun
            if day is None:
                continue
            if day < today:
                self._refuse(cleaned, name, f"{noun.capitalize()} must be today or in the future")
            elif day > latest:
                self._refuse(
                    cleaned, name, f"{noun.capitalize()} must be before {latest:%-d %B %Y}"
                )
        start_day, start, end_day, end = (
            cleaned.get(name) for name in ("start_date", "start_time", "end_date", "end_time")
        )
        if start_day and end_day and end_day < start_day:
            self._refuse(cleaned, "end_date", "The event must end on or after the day it starts")
            return
        if not (start_day and start and end_day and end):
            return
        starts_at = datetime.datetime.combine(start_day, start, LONDON)
        ends_at = datetime.datetime.combine(end_day, end, LONDON)
        if ends_at <= starts_at:
            self._refuse(cleaned, "end_time", "The end time must be after the start time")
            return
        cleaned["starts_at"], cleaned["ends_at"] = starts_at, ends_at

    def _refuse(self, cleaned, name, message):
        if name in cleaned:  # add_error drops it from cleaned_data
            self.add_error(name, ValidationError(message, code="out_of_range"))
