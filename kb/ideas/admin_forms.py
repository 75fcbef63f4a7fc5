"""Moderators' forms in the Wagtail admin: accept, ask for more, decline, merge and promote."""

from django import forms
from django.utils.text import Truncator

from kb.core.forms import PatientDataGuardMixin, clean_text
from kb.core.markdown import markdown_to_text

from .models import IdeaPage, Stage

MESSAGE_MAX_LENGTH = 2000


class ModeratorTextField(forms.CharField):
    """Text a moderator writes for the public or the submitter, cleaned like the public's."""

    def __init__(self, *args, single_line=False, **kwargs):
        self.single_line = single_line
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return clean_text(value, self.single_line) if value else value


class ModeratorForm(PatientDataGuardMixin, forms.Form):
    """Every moderator's form: no NHS numbers in anything published, emailed or logged."""

    nhs_number_message = (
        "Remove the NHS number from {label}: it would be published or emailed. We have replaced "
        "it with [NHS number removed] so you can see where it was"
    )


def _message(label, required, help_text):
    return ModeratorTextField(
        label=label,
        required=required,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=help_text,
    )


class AcceptForm(ModeratorForm):
    """What will be published: the submission's text, edited if it needs to be (redaction)."""

    title = ModeratorTextField(max_length=255, single_line=True)
    summary = ModeratorTextField(
        max_length=600,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One or two sentences for listings and search results.",
    )
    problem = ModeratorTextField(
        label="The problem", max_length=10000, widget=forms.Textarea, help_text="Markdown."
    )
    proposal = ModeratorTextField(
        label="The idea", max_length=10000, widget=forms.Textarea, help_text="Markdown."
    )
    waste_type = forms.ModelChoiceField(queryset=None)
    pathways = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    organisation = forms.ModelChoiceField(
        queryset=None,
        required=False,
        help_text="Only a known organisation is shown on the page. Add it under Vocabularies "
        "first if it is missing.",
    )
    stage = forms.ChoiceField(choices=Stage.choices)
    estimated_saving_hours = forms.IntegerField(
        label="Estimated staff hours saved a year", required=False, min_value=0
    )
    estimated_saving_money = forms.IntegerField(
        label="Estimated money saved a year (£)", required=False, min_value=0
    )
    message = _message(
        "Message to the person who sent it (optional)",
        False,
        "Sent by email with the link to the published idea.",
    )

    page_fields = (
        "title",
        "summary",
        "problem",
        "proposal",
        "waste_type",
        "organisation",
        "stage",
        "estimated_saving_hours",
        "estimated_saving_money",
    )

    def __init__(self, *args, **kwargs):
        from kb.taxonomy.models import Organisation, Pathway, WasteType

        super().__init__(*args, **kwargs)
        self.fields["waste_type"].queryset = WasteType.objects.all()
        self.fields["pathways"].queryset = Pathway.objects.all()
        self.fields["organisation"].queryset = Organisation.objects.all()

    @classmethod
    def initial_for(cls, submission):
        summary = Truncator(" ".join(markdown_to_text(submission.problem).split())).chars(300)
        return {
            "title": submission.title,
            "summary": summary,
            "problem": submission.problem,
            "proposal": submission.proposal,
            "waste_type": submission.waste_type_id,
            "pathways": [submission.pathway_id] if submission.pathway_id else [],
            "organisation": submission.matched_organisation_id,
            "stage": submission.stage,
            "estimated_saving_hours": submission.estimated_saving_hours,
            "estimated_saving_money": submission.estimated_saving_money,
        }

    def page_data(self):
        return {name: self.cleaned_data[name] for name in self.page_fields}


class RequestInformationForm(ModeratorForm):
    message = _message(
        "What do you need to know?",
        True,
        "Sent by email and shown on the submitter's status page. They can answer there.",
    )


class DeclineForm(ModeratorForm):
    message = _message(
        "Why is it declined?",
        True,
        "Sent by email and shown on the submitter's status page. Be kind and specific.",
    )


class MergeForm(ModeratorForm):
    into = forms.ModelChoiceField(
        label="The published idea it repeats", queryset=IdeaPage.objects.none()
    )
    message = _message(
        "Message to the person who sent it (optional)",
        False,
        "Sent by email with a link to the existing idea, which they can back.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only a page anyone can read: merging into a private page would send people nowhere.
        self.fields["into"].queryset = IdeaPage.objects.live().public().order_by("title")


class PromoteForm(ModeratorForm):
    organisation = forms.ModelChoiceField(
        queryset=None,
        help_text="Case studies are about one organisation. Add it under Vocabularies first if "
        "it is missing.",
    )
    region = forms.ModelChoiceField(
        queryset=None, required=False, help_text="Defaults to the organisation's region."
    )

    def __init__(self, *args, **kwargs):
        from kb.taxonomy.models import Organisation, Region

        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.all()
        self.fields["region"].queryset = Region.objects.all()
