"""Public forms: sending an idea, adding information to it, and endorsing a published idea.

Every text field has a length limit (also sent to the browser as maxlength), loses control
characters, and is checked for NHS numbers before anything else happens to it.
"""

from django import forms

from kb.core.forms import GuardedForm, PlainTextField, WholeNumberField, set_length_message

from .choices import Stage


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
