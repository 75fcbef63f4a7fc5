"""A form widget for a many-to-many field of staff accounts (a network's leads) in the Wagtail
admin, instead of a select box of every account.

It shows the chosen accounts, by name and email, as ticked checkboxes (untick to remove) and a
"Choose staff" button that opens the staff chooser (kb.accounts.choosers: a searchable modal of
active accounts) to add more, several at once. Only the chosen accounts are read from the
database when the form is shown. Wagtail's own chooser widgets are for a single foreign key; this
is the same modal, for a list. Light imports: model modules use it in their panels.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse

from .models import FORMER_MEMBER


def staff_name(user):
    """The name colleagues know an account by: the profile's, else the account's own."""
    profile = getattr(user, "staff_profile", None)
    name = (profile.name if profile else "") or user.get_full_name()
    return name.strip() or user.email or user.get_username() or FORMER_MEMBER


class StaffChooser(forms.Widget):
    """A many-to-many field of accounts as the chosen accounts (ticked checkboxes, named and with
    their email) and a button opening the staff chooser to add more. An account no longer active
    stays listed (marked) until an editor unticks it."""

    template_name = "accounts/widgets/staff_chooser.html"
    allow_multiple_selected = True

    class Media:
        js = [
            "wagtailadmin/js/modal-workflow.js",
            "wagtailadmin/js/chooser-modal.js",
            "accounts/js/staff-chooser.js",
        ]

    def __init__(
        self,
        attrs=None,
        label="Staff",
        choose_label="Choose staff",
        empty_label="None chosen yet.",
    ):
        super().__init__(attrs)
        self.label = label
        self.choose_label = choose_label
        self.empty_label = empty_label

    def value_from_datadict(self, data, files, name):
        getter = getattr(data, "getlist", None)
        return getter(name) if getter else data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return False  # nothing ticked sends nothing: that is a choice, not an omission

    def format_value(self, value):
        if value is None:
            return []
        if not isinstance(value, (list, tuple)):
            value = [value]
        ids = []
        for item in value:
            pk = str(getattr(item, "pk", item))
            if pk.isdigit() and pk not in ids:
                ids.append(pk)
        return ids

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        ids = context["widget"]["value"]
        users = {
            str(user.pk): user
            for user in get_user_model().objects.filter(pk__in=ids).select_related("staff_profile")
        }
        context["widget"]["chosen"] = [
            {
                "id": pk,
                "name": staff_name(users[pk]),
                "email": users[pk].email,
                "active": users[pk].is_active,
            }
            for pk in ids
            if pk in users
        ]
        context["widget"]["chooser_url"] = reverse("staff_chooser:choose")
        context["widget"]["label"] = self.label
        context["widget"]["choose_label"] = self.choose_label
        context["widget"]["empty_label"] = self.empty_label
        return context

    def id_for_label(self, id_):
        # The field's label names the group (below), not the button: a label "for" the button
        # would rename it "Leads" when it reads "Choose leads".
        return None
