"""Moderation in the Wagtail admin: the queue, a submission's review page and its actions.

Viewing the queue (and exporting it) needs the "view" permission on idea submissions; every
action needs "change". The Moderators group holds both (migration 0002); editors hold neither.
"""

from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic import IndexView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.permissions import policy_registry

from kb.core.spreadsheets import spreadsheet_safe

from . import services
from .admin_forms import (
    AcceptForm,
    DeclineForm,
    MergeForm,
    PromoteForm,
    RequestInformationForm,
)
from .models import IdeaPage, IdeaSubmission, SubmissionStatus

SUBMISSIONS_NAMESPACE = "idea_submissions"
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).


def can_moderate(user):
    """True for users who may act on submissions (the Moderators group, superusers)."""
    policy = policy_registry.get_by_type(IdeaSubmission)
    return user.is_active and policy.user_has_permission(user, "change")


class SpreadsheetSafeIndexView(IndexView):
    """A listing whose CSV export a spreadsheet cannot turn into formulas.

    (Wagtail's XLSX export already stores a formula-like cell as text.)
    """

    def preprocess_field_value(self, field, value, export_format):
        value = super().preprocess_field_value(field, value, export_format)
        return spreadsheet_safe(value) if export_format == self.FORMAT_CSV else value


class SubmissionIndexView(SpreadsheetSafeIndexView):
    """The moderation queue; each row opens the submission's review page."""

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        for button in buttons:
            if button.url == self.get_inspect_url(instance):
                button.label = "Review"
        return buttons


class SubmissionObjectMixin:
    """Loads the submission after the permission check, and builds the admin breadcrumbs."""

    model = IdeaSubmission

    @cached_property
    def object(self):
        return get_object_or_404(IdeaSubmission, pk=self.kwargs["pk"])

    def review_url(self):
        return reverse(f"{SUBMISSIONS_NAMESPACE}:inspect", args=[quote(self.object.pk)])

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(f"{SUBMISSIONS_NAMESPACE}:index"), "label": "Idea submissions"},
            {"url": self.review_url(), "label": self.object.reference},
            {"url": "", "label": self.get_page_title()},
        ]


class ReviewView(SubmissionObjectMixin, PermissionCheckedMixin, WagtailAdminTemplateMixin,
                 TemplateView):  # fmt: skip
    """Everything about one submission: the text as sent, flags, the log and the actions."""

    any_permission_required = ["view", "change"]
    template_name = "ideas/admin/review.html"
    header_icon = "comment"

    def get_page_title(self):
        return "Review"

    def get_page_subtitle(self):
        return self.object.reference

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(f"{SUBMISSIONS_NAMESPACE}:index"), "label": "Idea submissions"},
            {"url": "", "label": self.object.reference},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        submission = self.object
        moderator = can_moderate(self.request.user)
        actions = []
        if moderator:
            for name, label, status in ACTIONS:
                if submission.can_move_to(status):
                    url = reverse(f"{SUBMISSIONS_NAMESPACE}:{name}", args=[submission.pk])
                    actions.append({"label": label, "url": url, "name": name})
        page = submission.idea_page
        context.update(
            submission=submission,
            changes=submission.changes.select_related("actor"),
            actions=actions,
            can_moderate=moderator,
            promote_url=(
                reverse("ideas_promote", args=[page.pk])
                if moderator and page is not None and page.live
                else ""
            ),
        )
        return context


ACTIONS = (
    ("accept", "Accept and publish", SubmissionStatus.ACCEPTED),
    ("request_information", "Ask for more information", SubmissionStatus.MORE_INFO_REQUESTED),
    ("decline", "Decline", SubmissionStatus.DECLINED),
    ("merge", "Merge into an existing idea", SubmissionStatus.MERGED),
)


class SubmissionActionView(SubmissionObjectMixin, PermissionCheckedMixin,
                           WagtailAdminTemplateMixin, FormView):  # fmt: skip
    """One moderation step: a form, a service call, a logged change and an email."""

    permission_required = "change"
    template_name = "ideas/admin/action.html"
    header_icon = "comment"
    target_status = None
    page_title = ""
    submit_label = ""
    intro = ""

    def dispatch(self, request, *args, **kwargs):
        if not can_moderate(request.user):
            raise PermissionDenied
        if not self.object.can_move_to(self.target_status):
            messages.error(
                request,
                f"{self.object.reference} is {self.object.get_status_display().lower()}: "
                "that step no longer applies.",
            )
            return redirect(self.review_url())
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.object.reference

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            submission=self.object,
            submit_label=self.submit_label,
            intro=self.intro,
            review_url=self.review_url(),
        )
        return context

    def form_valid(self, form):
        try:
            message = self.perform(form)
        except services.ModerationError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, message)
        return redirect(self.review_url())

    def perform(self, form):
        raise NotImplementedError


class AcceptView(SubmissionActionView):
    form_class = AcceptForm
    target_status = SubmissionStatus.ACCEPTED
    page_title = "Accept and publish"
    submit_label = "Publish this idea"
    intro = (
        "This publishes the idea on the website now. Check the text, remove anything that could "
        "identify a patient or a member of staff, and write a summary."
    )

    def get_initial(self):
        return AcceptForm.initial_for(self.object)

    def dispatch(self, request, *args, **kwargs):
        if can_moderate(request.user) and not self.object.consent_to_publish:
            messages.error(request, "The person who sent this did not agree to publication.")
            return redirect(self.review_url())
        return super().dispatch(request, *args, **kwargs)

    def perform(self, form):
        page = services.accept_idea(
            self.object,
            self.request.user,
            page_fields=form.page_data(),
            pathways=form.cleaned_data["pathways"],
            message=form.cleaned_data["message"],
        )
        return f"{self.object.reference} is published as “{page.title}”."


class RequestInformationView(SubmissionActionView):
    form_class = RequestInformationForm
    target_status = SubmissionStatus.MORE_INFO_REQUESTED
    page_title = "Ask for more information"
    submit_label = "Send the request"

    def perform(self, form):
        services.request_more_information(
            self.object, self.request.user, form.cleaned_data["message"]
        )
        return f"We have asked the person who sent {self.object.reference} for more information."


class DeclineView(SubmissionActionView):
    form_class = DeclineForm
    target_status = SubmissionStatus.DECLINED
    page_title = "Decline"
    submit_label = "Decline this idea"

    def perform(self, form):
        services.decline_idea(self.object, self.request.user, form.cleaned_data["message"])
        return f"{self.object.reference} is declined; the person who sent it has been told."


class MergeView(SubmissionActionView):
    form_class = MergeForm
    target_status = SubmissionStatus.MERGED
    page_title = "Merge into an existing idea"
    submit_label = "Merge"
    intro = (
        "Use this when a published idea already says the same thing. Only ideas anyone can "
        "read are offered: the person who sent this one is emailed a link to it."
    )

    def get_form(self, form_class=None):
        # Only published ideas with no view restriction (services.mergeable_ideas); a private
        # or unpublished one posted anyway is refused with the reason, not "not a valid choice".
        form = super().get_form(form_class)
        field = form.fields["into"]
        field.queryset = services.mergeable_ideas().order_by("title")
        chosen = form.data.get(form.add_prefix("into"), "") if form.is_bound else ""
        page = (
            IdeaPage.objects.filter(pk=int(chosen)).first()
            if str(chosen).isascii() and str(chosen).isdigit()
            else None
        )
        refusal = services.merge_target_refusal(page) if page is not None else ""
        field.error_messages["invalid_choice"] = refusal or (
            "Choose a published idea that anyone can read from the list."
        )
        return form

    def perform(self, form):
        into = form.cleaned_data["into"]
        services.merge_idea(self.object, self.request.user, into, form.cleaned_data["message"])
        return f"{self.object.reference} is merged into “{into.title}”."


class PromoteView(PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView):
    """Promote a published idea into a draft case study, then open the draft in the editor."""

    template_name = "ideas/admin/promote.html"
    form_class = PromoteForm
    header_icon = "doc-full"
    page_title = "Promote to a case study"

    def dispatch(self, request, *args, **kwargs):
        if not can_promote(request.user):
            raise PermissionDenied
        existing = getattr(self.idea, "promotion", None)
        if existing is not None and existing.case_study is not None:
            messages.warning(request, "This idea has already been promoted.")
            return redirect("wagtailadmin_pages:edit", existing.case_study.pk)
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def idea(self):
        return get_object_or_404(IdeaPage.objects.live(), pk=self.kwargs["page_id"])

    def get_page_subtitle(self):
        return self.idea.title

    def get_initial(self):
        return {"organisation": self.idea.organisation_id, "region": self.idea.region_id}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["idea"] = self.idea
        return context

    def form_valid(self, form):
        try:
            case = services.promote_to_case_study(
                self.idea,
                self.request.user,
                organisation=form.cleaned_data["organisation"],
                region=form.cleaned_data["region"],
            )
        except services.ModerationError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(
            self.request,
            "A draft case study has been created from this idea. Add the measured results "
            "before you publish it.",
        )
        return redirect("wagtailadmin_pages:edit", case.pk)


def can_promote(user):
    """Moderators who may also add pages to the case study library."""
    from kb.cases.models import CaseStudyIndexPage

    index = CaseStudyIndexPage.objects.first()
    return (
        can_moderate(user)
        and index is not None
        and index.permissions_for_user(user).can_add_subpage()
    )
