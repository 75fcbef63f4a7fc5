"""Public forms: sending an idea, adding information to it, and endorsing a published idea.

Every text field has a length limit (also sent to the browser as maxlength), loses control
characters, and is checked for NHS numbers before anything else happens to it.
"""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError

from .models import Stage
from .patient_data import contains_nhs_number

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


def clean_text(value, single_line=False):
    """Text as typed, minus control characters, with Windows line endings made plain."""
    value = _CONTROL.sub("", str(value).replace("\r\n", "\n").replace("\r", "\n"))
    if single_line:
        value = " ".join(value.split())
    return value.strip()


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


class GuardedForm(forms.Form):
    """Refuses NHS numbers in any submitted value, and carries the honeypot field."""

    # Hidden from people and assistive technology; bots that fill every field fill it.
    website = forms.CharField(required=False, max_length=200)

    unguarded_fields = ("csrfmiddlewaretoken", "form_token", HONEYPOT_FIELD)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.nhs_number_fields = []

    @property
    def is_bot(self):
        return bool(self.data.get(self.add_prefix(HONEYPOT_FIELD), "").strip())

    def clean(self):
        cleaned = super().clean()
        # Check what was sent, not what survived validation: a value can be too long and hold
        # an NHS number at the same time. Then the NHS number is the only thing worth saying.
        for name, field in self.fields.items():
            if name in self.unguarded_fields:
                continue
            if any(contains_nhs_number(v) for v in self.data.getlist(self.add_prefix(name))):
                self.nhs_number_fields.append(name)
                self._errors.pop(name, None)
                cleaned.pop(name, None)
                self.add_error(name, NHS_NUMBER_MESSAGE.format(label=self.label_for(field)))
        return cleaned

    def label_for(self, field):
        return getattr(field, "short_label", None) or f"‘{field.label}’"

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


class IdeaSubmissionForm(GuardedForm):
    """The public form at /ideas/submit/; field names are the ones the campaign published."""

    title = PlainTextField(
        label="Give your idea a short title",
        max_length=150,
        help_text="For example, Pre-packed theatre trays for day case hernia repairs",
        error_messages={"required": "Enter a title for your idea"},
    )
    problem = PlainTextField(
        label="What waste do you see?",
        max_length=3000,
        single_line=False,
        help_text="Describe what happens now and why it wastes time, money or materials.",
        error_messages={"required": "Describe the waste you see"},
    )
    proposal = PlainTextField(
        label="What would you change?",
        max_length=3000,
        single_line=False,
        help_text="Describe the change and what difference you expect it to make.",
        error_messages={"required": "Describe the change you would make"},
    )
    waste_type = forms.ChoiceField(
        label="Which kind of waste would it cut?",
        error_messages={
            "required": "Select the kind of waste your idea would cut",
            "invalid_choice": "Select the kind of waste your idea would cut",
        },
    )
    pathway = forms.ChoiceField(
        label="Which care pathway is it about? (optional)",
        required=False,
        error_messages={"invalid_choice": "Select a care pathway from the list"},
    )
    stage = forms.ChoiceField(
        label="How far has it got? (optional)",
        required=False,
        choices=Stage.choices,
        initial=Stage.IDEA,
        error_messages={"invalid_choice": "Select how far your idea has got"},
    )
    estimated_saving_hours = WholeNumberField(
        label="Staff hours it could save a year (optional)",
        required=False,
        min_value=0,
        max_value=10_000_000,
        unit="staff hours",
        error_messages={
            "min_value": "Staff hours must be 0 or more",
            "max_value": "Staff hours must be 10,000,000 or fewer",
        },
    )
    estimated_saving_money = WholeNumberField(
        label="Money it could save a year, in pounds (optional)",
        required=False,
        min_value=0,
        max_value=1_000_000_000,
        unit="the amount in pounds",
        error_messages={
            "min_value": "The amount must be £0 or more",
            "max_value": "The amount must be £1,000,000,000 or less",
        },
    )
    organisation = PlainTextField(
        label="Your organisation",
        max_length=200,
        help_text="For example, Leeds Teaching Hospitals NHS Trust",
        error_messages={"required": "Enter the name of your organisation"},
    )
    role = PlainTextField(
        label="Your role",
        max_length=120,
        help_text="For example, theatre practitioner or ward manager",
        error_messages={"required": "Enter your role"},
    )
    email = forms.EmailField(
        label="Your email address",
        max_length=254,
        help_text="We will send you a link to follow your idea. We never publish it.",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.nhs.uk",
        },
    )
    consent_to_publish = forms.BooleanField(
        label="I agree that my idea and my organisation's name can be published on this website",
        error_messages={"required": "Tick the box to agree that your idea can be published"},
    )
    form_token = forms.CharField(required=False, max_length=300, widget=forms.HiddenInput)

    # Limits the browser enforces too (maxlength), so the HTML and the server agree.
    text_areas = ("problem", "proposal")

    def __init__(self, *args, waste_types=(), pathways=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.waste_types = list(waste_types)
        self.pathways = list(pathways)
        self.fields["waste_type"].choices = [(w.slug, w.name) for w in self.waste_types]
        self.fields["pathway"].choices = [("", "Not sure, or more than one")] + [
            (p.slug, p.name) for p in self.pathways
        ]
        for name, short in (
            ("title", "the title"),
            ("problem", "the description of the waste"),
            ("proposal", "the description of the change"),
            ("organisation", "your organisation"),
            ("role", "your role"),
            ("email", "your email address"),
            ("estimated_saving_hours", "staff hours"),
            ("estimated_saving_money", "money saved"),
        ):
            self.fields[name].short_label = short
            set_length_message(self.fields[name], short)

    def clean_waste_type(self):
        slug = self.cleaned_data["waste_type"]
        return next(w for w in self.waste_types if w.slug == slug)

    def clean_pathway(self):
        slug = self.cleaned_data.get("pathway")
        return next((p for p in self.pathways if p.slug == slug), None) if slug else None

    def anchor_for(self, name):
        # Radios: the first option carries the field's id, so the summary link lands on it.
        return name

    def waste_choices(self):
        """(slug, name, description) for the waste type radios."""
        return [(w.slug, w.name, w.description) for w in self.waste_types]


class StatusReplyForm(GuardedForm):
    """The submitter's answer to a request for more information, on their status page."""

    message = PlainTextField(
        label="Add the information you were asked for",
        max_length=3000,
        single_line=False,
        help_text="Do not include any patient information.",
        error_messages={"required": "Enter the information you were asked for"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["message"].short_label = "your answer"
        set_length_message(self.fields["message"], "your answer")


class EndorsementForm(GuardedForm):
    email = forms.EmailField(
        label="Your email address",
        max_length=254,
        help_text="We use it only to count one endorsement per person. It is not published.",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.nhs.uk",
        },
    )
    organisation = PlainTextField(label="Your organisation (optional)", max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].required = False
        for name, short in (("email", "your email address"), ("organisation", "your organisation")):
            self.fields[name].short_label = short
            set_length_message(self.fields[name], short)


class AdoptionForm(EndorsementForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        organisation = self.fields["organisation"]
        organisation.required = True
        organisation.label = "Your organisation"
        organisation.help_text = "Shown to the campaign team, so others can learn from you."
        organisation.error_messages["required"] = "Enter the name of your organisation"


ENDORSEMENT_FORMS = {"support": EndorsementForm, "adopted": AdoptionForm}


def endorsement_forms(data=None, kind=None):
    """The two endorsement forms for an idea page; the one named `kind` bound to `data`."""
    return {
        name: form_class(data if name == kind else None, prefix=name)
        for name, form_class in ENDORSEMENT_FORMS.items()
    }
