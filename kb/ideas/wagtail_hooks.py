"""Admin registration: the "Ideas" menu (submissions queue, endorsements) and promote buttons."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import DateColumn, StatusFlagColumn, StatusTagColumn
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from . import admin_views
from .models import Endorsement, IdeaPage, IdeaSubmission


def listing_urlpatterns(viewset):
    """A ModelViewSet's listing, delete, history and usage views: no form views."""
    return [
        path("", viewset.index_view, name="index"),
        path("results/", viewset.index_results_view, name="index_results"),
        path("delete/<int:pk>/", viewset.delete_view, name="delete"),
        path("history/<int:pk>/", viewset.history_view, name="history"),
        path("history-results/<int:pk>/", viewset.history_results_view, name="history_results"),
        path("usage/<int:pk>/", viewset.usage_view, name="usage"),
    ]


class IdeaSubmissionViewSet(ModelViewSet):
    """The moderation queue. Submissions come from the public form: no add, edit or copy."""

    model = IdeaSubmission
    name = admin_views.SUBMISSIONS_NAMESPACE
    url_prefix = "ideas/submissions"
    icon = "comment"
    menu_label = "Submissions"
    index_view_class = admin_views.SubmissionIndexView
    inspect_view_enabled = True
    inspect_view_class = admin_views.ReviewView
    copy_view_enabled = False
    add_to_reference_index = False
    ordering = ["-created_at"]
    list_per_page = 50
    list_display = [
        "__str__",
        StatusTagColumn(
            "get_status_display",
            label="Status",
            sort_key="status",
            primary=lambda submission: submission.is_open,
        ),
        "waste_type",
        "pathway",
        "region",
        StatusFlagColumn(
            "flagged", label="Possible patient data", true_label="Check", sort_key="flagged"
        ),
        DateColumn("created_at", label="Sent", sort_key="created_at"),
    ]
    list_filter = ["status", "waste_type", "pathway", "region", "flagged"]
    # Plain ORM search: submissions must never reach a search index the public can query.
    search_fields = ["reference", "title", "organisation", "role"]
    search_backend_name = None
    list_export = [
        "reference",
        "created_at",
        "get_status_display",
        "title",
        "problem",
        "proposal",
        "waste_type",
        "pathway",
        "organisation",
        "matched_organisation",
        "region",
        "role",
        "email",
        "consent_to_publish",
        "get_stage_display",
        "estimated_saving_hours",
        "estimated_saving_money",
        "flags_display",
        "published_url",
    ]
    export_headings = {
        "reference": "Reference",
        "created_at": "Sent",
        "get_status_display": "Status",
        "matched_organisation": "Known organisation",
        "get_stage_display": "Stage",
        "flags_display": "Possible patient data",
        "published_url": "Published idea",
    }
    export_filename = "idea-submissions"

    def get_common_view_kwargs(self, **kwargs):
        # No add, edit or copy views: titles link to the review page instead.
        return super().get_common_view_kwargs(
            add_url_name=None, edit_url_name=None, copy_url_name=None, **kwargs
        )

    def get_urlpatterns(self):
        return listing_urlpatterns(self) + [
            path("review/<int:pk>/", self.inspect_view, name="inspect"),
            path("accept/<int:pk>/", admin_views.AcceptView.as_view(), name="accept"),
            path(
                "request-information/<int:pk>/",
                admin_views.RequestInformationView.as_view(),
                name="request_information",
            ),
            path("decline/<int:pk>/", admin_views.DeclineView.as_view(), name="decline"),
            path("merge/<int:pk>/", admin_views.MergeView.as_view(), name="merge"),
        ]


class EndorsementViewSet(ModelViewSet):
    """Who backed or adopted which idea, for campaign leads; spam can be deleted."""

    model = Endorsement
    name = "idea_endorsements"
    url_prefix = "ideas/endorsements"
    icon = "thumbtack"
    menu_label = "Endorsements"
    index_view_class = admin_views.SpreadsheetSafeIndexView
    copy_view_enabled = False
    add_to_reference_index = False
    ordering = ["-created_at"]
    list_display = [
        "__str__",
        "organisation",
        "email",
        DateColumn("created_at", label="Sent", sort_key="created_at"),
    ]
    list_filter = ["kind"]
    search_fields = ["organisation", "email"]
    search_backend_name = None
    list_export = ["idea", "get_kind_display", "organisation", "email", "created_at"]
    export_headings = {"get_kind_display": "Endorsement"}
    export_filename = "idea-endorsements"

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            add_url_name=None, edit_url_name=None, copy_url_name=None, **kwargs
        )

    def get_urlpatterns(self):
        return listing_urlpatterns(self)


class IdeasGroup(ModelViewSetGroup):
    menu_label = "Ideas"
    menu_icon = "comment"
    menu_order = 250
    items = (IdeaSubmissionViewSet, EndorsementViewSet)


@hooks.register("register_admin_viewset")
def register_ideas_viewsets():
    return IdeasGroup()


@hooks.register("register_admin_urls")
def register_promote_url():
    return [
        path(
            "ideas/promote/<int:page_id>/",
            admin_views.PromoteView.as_view(),
            name="ideas_promote",
        )
    ]


class PromoteMenuItem(MenuItem):
    def __init__(self, page, priority):
        super().__init__(
            "Promote to case study",
            reverse("ideas_promote", args=[page.pk]),
            icon_name="doc-full",
            priority=priority,
        )

    def is_shown(self, user):
        return admin_views.can_promote(user)


def _promote_buttons(page, user, priority):
    if page.specific_class is IdeaPage and page.live:
        yield PromoteMenuItem(page, priority)


@hooks.register("register_page_header_buttons")
def promote_header_button(page, user, view_name=None, next_url=None):
    yield from _promote_buttons(page, user, 80)


@hooks.register("register_page_listing_more_buttons")
def promote_listing_button(page, user, next_url=None):
    yield from _promote_buttons(page, user, 80)
