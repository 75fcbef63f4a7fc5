"""Forms a staff member fills in: sign-up (django-allauth's, with their name), the emailed
sign-in code, and their profile.

Sign-up and the profile go through the patient data guard: a name or a role is free text that
will be stored.
"""

import re

from allauth.account.forms import ConfirmLoginCodeForm as AllauthConfirmLoginCodeForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.core.validators import ProhibitNullCharactersValidator

from kb.core.forms import PatientDataGuardMixin, clean_text, set_length_message
from kb.taxonomy.models import Organisation, Region

from .models import EmailFrequency, StaffProfile


class SignupForm(PatientDataGuardMixin, AllauthSignupForm):
    """allauth's sign-up (email and password, the email's domain checked by the adapter) with
    the person's name, which starts their profile."""

    secret_fields = ("password1", "password2")

    name = forms.CharField(
        label="Full name",
        max_length=150,
        help_text="As colleagues would know you.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        set_length_message(self.fields["name"], "your name")
        self.fields["name"].error_messages["required"] = "Enter your full name"
        self.fields["email"].label = "NHS email address"
        self.fields["email"].help_text = "We will email you a link to confirm it is yours."
        self.order_fields(["name", "email", "password1", "password2"])

    def clean_name(self):
        name = clean_text(self.cleaned_data.get("name", ""), single_line=True)
        if not name:
            raise forms.ValidationError("Enter your full name")
        return name

    def save(self, request):
        user = super().save(request)
        profile = StaffProfile.for_user(user)
        profile.name = self.cleaned_data["name"]
        profile.save(update_fields=["name", "updated_at"])
        return user


class ProfileForm(PatientDataGuardMixin, forms.ModelForm):
    """What a member says about themselves and what they want to hear about."""

    organisation = forms.ModelChoiceField(
        Organisation.objects.order_by("name"),
        required=False,
        empty_label="Choose your organisation",
        help_text="The trust, practice or board you work for.",
    )
    region = forms.ModelChoiceField(
        Region.objects.order_by("name"), required=False, empty_label="Choose your region"
    )
    email_frequency = forms.ChoiceField(
        choices=EmailFrequency.choices,
        widget=forms.RadioSelect,
        label="How often we email you",
        help_text="For what you follow from now on; choose for each thing on What you follow.",
    )

    class Meta:
        model = StaffProfile
        fields = ["name", "role", "organisation", "region", "email_frequency"]
        fields += ["listed_as_member"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        set_length_message(self.fields["name"], "your name")
        set_length_message(self.fields["role"], "your job title or role")
        self.fields["name"].error_messages["required"] = "Enter your full name"

    def clean_name(self):
        name = clean_text(self.cleaned_data.get("name", ""), single_line=True)
        if not name:
            raise forms.ValidationError("Enter your full name")
        return name

    def clean_role(self):
        return clean_text(self.cleaned_data.get("role", ""), single_line=True)


class DeleteAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label="I understand that my account and profile will be deleted and cannot be restored",
        error_messages={"required": "Confirm that you want to delete your account"},
    )


# A sign-in code as it may be typed or carried by the emailed link: letters, digits and the
# dash allauth puts in the middle, within a sane length. Anything else is refused before it is
# compared (and a link carrying it pre-fills nothing).
SIGN_IN_CODE = re.compile(r"[A-Za-z0-9 -]{4,32}")


def plausible_sign_in_code(value):
    """The code a sign-in link (or a person) gives, tidied, if it could be one; else None."""
    if not isinstance(value, str) or not SIGN_IN_CODE.fullmatch(value.strip()):
        return None
    return value.strip().upper()


class ConfirmLoginCodeForm(AllauthConfirmLoginCodeForm):
    """allauth's sign-in code box, worded for staff, refusing what cannot be a code with a
    clear message (a null byte, markup, a page of text) before allauth compares it."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        field = self.fields["code"]
        field.label = "Sign-in code"
        field.help_text = "It is in the email we sent you, for example BCDF-GHJK."
        field.error_messages["required"] = "Enter the sign-in code from the email"
        # The format check below covers null characters, with a message people understand.
        field.validators = [
            v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)
        ]
        field.widget.attrs.update(
            {"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "none"}
        )
        field.widget.attrs.pop("placeholder", None)

    def clean_code(self):
        if plausible_sign_in_code(self.cleaned_data.get("code")) is None:
            raise forms.ValidationError(
                "Enter the sign-in code exactly as it is in the email, for example BCDF-GHJK",
                code="code_format",
            )
        try:
            return super().clean_code()
        except forms.ValidationError as error:
            raise forms.ValidationError(
                "That sign-in code is not right. Check it against the latest email we sent you",
                code="incorrect_code",
            ) from error
