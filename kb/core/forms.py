"""Form pieces every public form shares: plain-text fields, whole numbers, and the guard that
refuses NHS numbers and never sends one back.

A `GuardedForm` checks every value it is given (as sent, and as it will be stored after
cleaning) with `kb.core.patient_data`, and keeps only a redacted copy of what was sent: whatever
the view re-renders (fields, initial values, the error summary) cannot hold an NHS number.
"""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError

from .patient_data import holds_nhs_number, redact_value
from .stored_text import redact_text, text_holds_nhs_number

# C0 controls except tab and newline, DEL, C1 controls, and the bidirectional overrides that can
# make text in the admin read differently from what it is.
_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]"
)
HONEYPOT_FIELD = "website"
NHS_NUMBER_MESSAGE = (
    "Remove the NHS number from {label}: we have replaced it with [NHS number removed] so you "
    "can see where it was. Do not include any patient information, such as NHS numbers, names "
    "or dates of birth"
)
# Values that are not people's text: never checked, never rewritten.
UNGUARDED_KEYS = frozenset({"csrfmiddlewaretoken", "form_token"})


def clean_text(value, single_line=False):
    """Text as typed, minus control characters, with Windows line endings made plain."""
    value = _CONTROL.sub("", str(value).replace("\r\n", "\n").replace("\r", "\n"))
    if single_line:
        value = " ".join(value.split())
    return value.strip()


def redacted_data(data, keep=UNGUARDED_KEYS, tables=()):
    """A copy of submitted form data (a QueryDict or a dict) with every NHS number replaced,
    but in the values of the keys in `keep`; the keys in `tables` hold pasted table rows, read
    cell by cell."""

    def redact(key, value):
        if key in tables and isinstance(value, str):
            return redact_text(value, table=True)
        return redact_value(value)

    if hasattr(data, "setlist"):
        copy = data.copy()
        for key in data:
            if key not in keep:
                copy.setlist(key, [redact(key, v) for v in data.getlist(key)])
        return copy
    return {key: value if key in keep else redact(key, value) for key, value in data.items()}


def _values(data, key):
    if hasattr(data, "getlist"):
        return data.getlist(key)
    value = data.get(key)
    return value if isinstance(value, list | tuple) else [value]


class PlainTextField(forms.CharField):
    """A CharField whose value is cleaned with `clean_text` before its length is checked."""

    def __init__(self, *args, single_line=True, **kwargs):
        self.single_line = single_line
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return clean_text(value, self.single_line) if value else value


class WholeNumberField(forms.IntegerField):
    """A whole number as people type it: '£12,000', '12 000' or '1500.00'."""

    def __init__(self, *args, unit="", **kwargs):
        self.unit = unit
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = re.sub(r"[£,\s]", "", str(value)).removesuffix(".00")
        # Digits only before Decimal sees it: Decimal also reads "Infinity", "NaN" and
        # exponents such as "1e2000000", which would crash or tie up the server.
        if not re.fullmatch(r"[0-9]{1,12}(?:\.[0-9]{1,2})?", text):
            raise ValidationError(f"Enter {self.unit} as a whole number, like 1500", code="invalid")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValidationError(
                f"Enter {self.unit} as a whole number, like 1500", code="invalid"
            ) from None
        if number != number.to_integral_value():
            raise ValidationError(f"Enter {self.unit} as a whole number, like 1500", code="invalid")
        return int(number)


def set_length_message(field, short_label):
    """'The title must be 150 characters or fewer', not Django's generic wording."""
    if getattr(field, "max_length", None):
        field.error_messages["max_length"] = (
            f"{short_label[0].upper()}{short_label[1:]} must be {field.max_length} characters "
            "or fewer"
        )


class PatientDataGuardMixin:
    """For any Django form: refuse a field whose sent or cleaned value holds an NHS number, and
    keep only redacted copies of the sent data and the initial values, so nothing re-rendered
    can show the number. Used by the public forms, the moderators' forms and the page editor."""

    nhs_number_message = NHS_NUMBER_MESSAGE
    # Fields that hold no one's words and are never stored as typed (a password): not checked.
    secret_fields = ()
    # Fields where people paste table rows (a date and a value a line): checked cell by cell,
    # since digits in neighbouring cells ("06/01/2025, 71") are not one number.
    table_fields = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.nhs_number_fields = []
        unguarded = UNGUARDED_KEYS | {self.add_prefix(name) for name in self.secret_fields}
        if self.is_bound:
            tables = {self.add_prefix(name) for name in self.table_fields}
            for name in self.fields:
                key = self.add_prefix(name)
                if key in unguarded:
                    continue
                values = _values(self.data, key)
                if key in tables:
                    found = any(
                        text_holds_nhs_number(v, table=True) for v in values if isinstance(v, str)
                    )
                else:
                    found = holds_nhs_number(values)
                if found:
                    self.nhs_number_fields.append(name)
            self.data = redacted_data(self.data, keep=unguarded, tables=tables)
        self.initial = redact_value(dict(self.initial))

    def clean(self):
        cleaned = super().clean()
        # The text that will be stored is checked too: cleaning must never make a number.
        unguarded = UNGUARDED_KEYS | set(self.secret_fields)
        for name, value in list(cleaned.items()):
            fresh = name not in unguarded and name not in self.nhs_number_fields
            if fresh and holds_nhs_number(value):
                self.nhs_number_fields.append(name)
        for name in self.nhs_number_fields:
            # Then the NHS number is the only thing worth saying about that field.
            self._errors.pop(name, None)
            cleaned.pop(name, None)
            self.add_error(name, self.nhs_number_error(name))
        return cleaned

    def nhs_number_error(self, name):
        return ValidationError(
            self.nhs_number_message.format(label=self.label_for(self.fields[name])),
            code="nhs_number",
        )

    def label_for(self, field):
        return getattr(field, "short_label", None) or f"‘{field.label}’"


class GuardedForm(PatientDataGuardMixin, forms.Form):
    """A public form: refuses NHS numbers in any value, and carries the honeypot field."""

    # Hidden from people and assistive technology; bots that fill every field fill it.
    website = forms.CharField(required=False, max_length=200)

    unguarded_fields = ("csrfmiddlewaretoken", "form_token", HONEYPOT_FIELD)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    @property
    def is_bot(self):
        return bool(self.data.get(self.add_prefix(HONEYPOT_FIELD), "").strip())

    def error_list(self):
        """(anchor, message) for the error summary, in the order the fields appear."""
        items = []
        for name in self.fields:
            for message in self.errors.get(name, []):
                items.append((self.anchor_for(name), message))
        for message in self.non_field_errors():
            items.append(("", message))
        return items

    def anchor_for(self, name):
        return self[name].auto_id
