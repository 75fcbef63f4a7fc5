"""The staff chooser in the Wagtail admin: a modal (Wagtail 8's `ChooserViewSet`) listing active
accounts by name and email, searching both, paged, choosing one or several at once. The form
widget that opens it for a list of accounts (a network's leads) is kb.accounts.widgets."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import CharField, F, Q, Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.urls import reverse
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic.chooser import (
    ChooseResultsView,
    ChooseView,
    ChosenMultipleView,
    ChosenView,
)
from wagtail.admin.viewsets.chooser import ChooserViewSet

from .widgets import staff_name


def active_staff():
    """The accounts that may be chosen: active ones, by name (then email)."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .select_related("staff_profile")
        .annotate(
            sort_name=Lower(
                Coalesce(
                    NullIf(F("staff_profile__name"), Value("")),
                    NullIf(F("first_name"), Value("")),
                    F("email"),
                    output_field=CharField(),
                )
            )
        )
        .order_by("sort_name", "email", "pk")
    )


class StaffSearchForm(BaseFilterForm):
    """The modal's search: words of a name or part of an email address."""

    q = forms.CharField(
        label="Search by name or email",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "Name or email"}),
    )

    def filter(self, objects):
        query = " ".join(self.cleaned_data.get("q", "").replace("\x00", "").split())
        if not query:
            return objects
        self.is_searching = True
        self.search_query = query
        for word in query.split()[:8]:
            objects = objects.filter(
                Q(staff_profile__name__icontains=word)
                | Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
            )
        return objects


class StaffColumnsMixin:
    filter_form_class = StaffSearchForm
    ordering = None  # active_staff() orders them

    def get_object_list(self):
        return active_staff()

    @property
    def title_column(self):
        if self.is_multiple_choice:
            return TitleColumn(
                "name", label="Name", accessor=staff_name, label_prefix="chooser-modal-select"
            )
        return TitleColumn(
            "name",
            label="Name",
            accessor=staff_name,
            get_url=lambda user: self.append_preserved_url_parameters(
                reverse(self.chosen_url_name, args=(user.pk,))
            ),
            link_attrs={"data-chooser-modal-choice": True},
        )

    @property
    def columns(self):
        return [self.title_column, Column("email", label="Email", accessor="email")]


class StaffChooseView(StaffColumnsMixin, ChooseView):
    pass


class StaffChooseResultsView(StaffColumnsMixin, ChooseResultsView):
    pass


class StaffChosenMixin:
    """What the modal hands back: the account's id, name and email (active accounts only)."""

    def get_display_title(self, instance):
        return staff_name(instance)

    def get_chosen_response_data(self, item):
        return super().get_chosen_response_data(item) | {"email": item.email}


class StaffChosenView(StaffChosenMixin, ChosenView):
    def get_object(self, pk):
        return active_staff().get(pk=pk)


class StaffChosenMultipleView(StaffChosenMixin, ChosenMultipleView):
    def get_objects(self, pks):
        return active_staff().filter(pk__in=[pk for pk in pks if str(pk).isdigit()])


class StaffChooserViewSet(ChooserViewSet):
    """/admin/staff-chooser/, registered (with the user model) in kb/accounts/wagtail_hooks.py.
    Not the default widget for foreign keys to accounts (register_widget = False): a form opts
    in with kb.accounts.widgets.StaffChooser."""

    icon = "user"
    choose_one_text = "Choose staff"
    choose_another_text = "Choose other staff"
    page_title = "Choose staff"
    per_page = 20
    register_widget = False
    choose_view_class = StaffChooseView
    choose_results_view_class = StaffChooseResultsView
    chosen_view_class = StaffChosenView
    chosen_multiple_view_class = StaffChosenMultipleView
