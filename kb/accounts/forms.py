"""Forms a staff member fills in: sign-up (django-allauth's, with their name) and their profile.

Both go through the patient data guard: a name or a role is free text that will be stored.
"""

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms

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
