"""The forms a project's team fills in. Every one is a `GuardedForm`: NHS numbers are refused
(and never shown back), control characters stripped, and each error says what to do."""

import re
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from kb.core.forms import GuardedForm, PlainTextField
from kb.measurement import spc
from kb.measurement.points import MAX_LABEL, SeriesDataError, validate_series
from kb.taxonomy.models import ImprovementMethod, Organisation, Pathway

from . import data_entry, drivers
from .choices import PROGRESS_CHOICES, Act, MeasureKind, Status

DATE_FORMATS = ["%d/%m/%Y", "%d %m %Y", "%Y-%m-%d", "%d %b %Y", "%d %B %Y"]
_IDEA_REFERENCE = re.compile(r"\bIDEA-[A-Z0-9]{4,12}\b", re.IGNORECASE)


def _text(label, max_length, required=True, single_line=True, help_text="", what=None):
    what = what or label.lower()
    return PlainTextField(
        label=label,
        max_length=max_length,
        required=required,
        single_line=single_line,
        widget=forms.TextInput if single_line else forms.Textarea(attrs={"rows": 5}),
        help_text=help_text,
        error_messages={
            "required": f"Enter {what}",
            "max_length": f"{what[0].upper()}{what[1:]} must be {max_length} characters or fewer",
        },
    )


def _date(label, required=True, what="the date"):
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_FORMATS,
        help_text="For example, 14/03/2027",
        error_messages={
            "required": f"Enter {what}",
            "invalid": f"Enter {what} as day/month/year, for example 14/03/2027",
        },
    )


def _number(value, what):
    """A number as people type it ('1,200', '58%', ' 4.5 '), within the range a chart can draw."""
    text = str(value or "").strip().replace(",", "").removesuffix("%").strip()
    if not re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)", text):
        raise ValidationError(f"Enter {what} as a number, like 42 or 58.5")
    try:
        validate_series([["x", text]], target=None)
    except SeriesDataError as error:
        raise ValidationError(f"{what[0].upper()}{what[1:]}: {error.message}") from None
    return float(text)


class ProjectForm(GuardedForm):
    """Starting a project, and its lead editing what it is."""

    title = _text("Project title", 120, what="a title for the project")
    summary = _text(
        "Summary", 600, single_line=False, what="a summary",
        help_text="One or two sentences shown in listings and search results.",
    )  # fmt: skip
    aim = _text(
        "Aim statement", 1000, single_line=False, what="the aim statement",
        help_text="What will improve, by how much, by when. For example: 95% of patients "
        "spend less than 4 hours in the emergency department by March 2027.",
    )  # fmt: skip
    organisation = forms.ModelChoiceField(
        Organisation.objects.order_by("name"),
        label="Organisation",
        empty_label="Choose the organisation",
        error_messages={"required": "Choose the organisation running the project"},
    )
    pathways = forms.ModelMultipleChoiceField(
        Pathway.objects.all(), label="Care pathways", required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    methods = forms.ModelMultipleChoiceField(
        ImprovementMethod.objects.all(), label="Improvement methods", required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip


class ProjectDetailsForm(ProjectForm):
    """Everything a lead can change after the start."""

    status = forms.ChoiceField(
        label="Status", choices=Status.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose the project's status"},
    )  # fmt: skip
    progress_score = forms.TypedChoiceField(
        label="Progress score",
        choices=PROGRESS_CHOICES,
        coerce=Decimal,
        help_text="The IHI progress scale: where the project is now.",
        error_messages={"required": "Choose a progress score"},
    )
    driver_diagram = _text(
        "Driver diagram", 20000, required=False, single_line=False, what="the driver diagram",
        help_text="One line a driver or change idea. Primary drivers start at the left; indent "
        "a secondary driver by 2 spaces under its primary driver, and a change idea by 4 "
        "spaces under its secondary driver.",
    )  # fmt: skip
    background = _text("Background", 5000, required=False, single_line=False, what="background")
    learning = _text(
        "What we are learning", 5000, required=False, single_line=False,
        what="what you are learning",
    )  # fmt: skip
    idea = _text(
        "The idea it tests (optional)", 300, required=False, what="the idea",
        help_text="The idea's reference (like IDEA-7K2M9Q) or the address of its page.",
    )  # fmt: skip
    guides = forms.ModelMultipleChoiceField(
        None, label="Improvement guides it follows", required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    standards = forms.ModelMultipleChoiceField(
        None, label="GIRFT standards it follows", required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip

    def __init__(self, *args, guides=None, standards=None, find_idea=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["guides"].queryset = guides
        self.fields["standards"].queryset = standards
        self.find_idea = find_idea

    def clean_driver_diagram(self):
        try:
            return drivers.parse(self.cleaned_data.get("driver_diagram", ""))
        except drivers.DriverDiagramError as error:
            raise ValidationError(str(error)) from None

    def clean_idea(self):
        text = self.cleaned_data.get("idea", "")
        if not text:
            return None
        idea = self.find_idea(text) if self.find_idea else None
        if idea is None:
            raise ValidationError(
                "No published idea has that reference or address: check it, or leave it empty"
            )
        return idea


class MeasureForm(GuardedForm):
    table_fields = ("change_at",)
    name = _text("Measure name", 200, what="the measure's name")
    kind = forms.ChoiceField(
        label="Kind of measure", choices=MeasureKind.choices, widget=forms.RadioSelect,
        help_text="Outcome: the aim itself. Process: what the team changes. Balancing: what "
        "might get worse elsewhere.",
    )  # fmt: skip
    unit = _text("Unit (optional)", 40, required=False, what="the unit",
                 help_text='For example "%", "minutes" or "patients".')  # fmt: skip
    direction = forms.ChoiceField(
        label="Which way is better?",
        choices=[
            (spc.UP, "Higher is better"),
            (spc.DOWN, "Lower is better"),
            (spc.NEITHER, "Neither"),
        ],
        widget=forms.RadioSelect,
    )
    target = forms.CharField(label="Target (optional)", required=False, max_length=40)
    change_at = _text(
        "Limits recalculated from (optional)", MAX_LABEL * 5, required=False,
        what="the periods the limits are recalculated from",
        help_text="The period of the first point after a change that lasted, exactly as in the "
        "data. Separate several with a semicolon. Each part needs at least 12 points.",
    )  # fmt: skip
    screen_moving_ranges = forms.BooleanField(
        label="Screen out unusually large moving ranges before calculating the limits",
        required=False,
    )

    def clean_target(self):
        value = self.cleaned_data.get("target", "")
        return None if not str(value).strip() else _number(value, "the target")


class ValueForm(GuardedForm):
    """This week's (or month's) value, in one go."""

    prefix = "value"

    period = _text(
        "Date", 40, what="the date the value is for",
        help_text="The day or week it is for, like 6 Jan 2025 or 06/01/2025; or a month, "
        "like Jan 2025.",
    )  # fmt: skip
    value = forms.CharField(
        label="Value", max_length=40, error_messages={"required": "Enter the value"}
    )

    def clean_period(self):
        period = data_entry.read_period(self.cleaned_data.get("period", ""))
        if period is None:
            raise ValidationError("Enter the date like 6 Jan 2025, 06/01/2025 or Jan 2025")
        return period[1]

    def clean_value(self):
        return _number(self.cleaned_data.get("value"), "the value")


class PasteForm(GuardedForm):
    prefix = "paste"
    table_fields = ("text",)

    text = _text(
        "Paste two columns from a spreadsheet", 40000, single_line=False,
        what="the two columns: the date and the value",
        help_text="One row a line: the date, then the value (a header row is fine). Dates "
        "already in the series take the new value.",
    )  # fmt: skip

    def clean_text(self):
        try:
            return data_entry.points_from_paste(self.cleaned_data.get("text", ""))
        except SeriesDataError as error:
            raise ValidationError(error.message[0].upper() + error.message[1:]) from None


class UploadForm(GuardedForm):
    prefix = "upload"

    file = forms.FileField(
        label="Upload a CSV or Excel file",
        help_text="The first two columns: the date and the value. Smaller than 2 MB.",
        error_messages={"required": "Choose a CSV or Excel file", "empty": "The file is empty"},
    )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        try:
            return data_entry.points_from_upload(upload)
        except SeriesDataError as error:
            raise ValidationError(error.message) from None


class CycleForm(GuardedForm):
    change_tested = _text("Change tested", 300, what="the change tested")
    start_date = _date("Started", what="the date the cycle started")
    end_date = _date("Finished (optional)", required=False, what="the date the cycle finished")
    plan = _text(
        "Plan", 3000, required=False, single_line=False, what="the plan",
        help_text="What you will test, with whom, when and how you will measure it.",
    )  # fmt: skip
    prediction = _text(
        "Prediction", 1000, required=False, single_line=False, what="the prediction",
        help_text="What you expect to happen, before you start.",
    )  # fmt: skip
    do = _text("Do: what happened", 3000, required=False, single_line=False, what="what happened")
    study = _text(
        "Study: the result against the prediction", 3000, required=False, single_line=False,
        what="the result",
    )  # fmt: skip
    act = forms.ChoiceField(
        label="Act: what you decided", choices=Act.choices, required=False,
        widget=forms.RadioSelect,
    )  # fmt: skip
    act_notes = _text("What next", 2000, required=False, single_line=False, what="what next")
    measures = forms.ModelMultipleChoiceField(
        None, label="Measures it touched", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, measures=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measures"].queryset = measures

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The date the cycle finished must be on or after it started")
        return cleaned


class TeamMemberForm(GuardedForm):
    prefix = "member"

    email = forms.EmailField(
        label="Their NHS email address",
        max_length=254,
        help_text="They need an account on this site.",
        error_messages={
            "required": "Enter the email address of the person to add",
            "invalid": "Enter an email address like name@nhs.net",
        },
    )
    role = _text("Their role on the project (optional)", 120, required=False, what="the role")
    is_lead = forms.BooleanField(label="They can edit the project (a lead)", required=False)

    def clean_email(self):
        email = self.cleaned_data.get("email", "")
        user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise ValidationError(
                "No account has that email address: ask them to create an account first"
            )
        return user


def idea_reference(text):
    """The IDEA-XXXXXX reference in text, upper-cased, or ""."""
    match = _IDEA_REFERENCE.search(text or "")
    return match.group(0).upper() if match else ""
