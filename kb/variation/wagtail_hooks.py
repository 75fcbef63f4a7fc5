"""Admin: metrics as snippets, and the upload of their data, under one "Variation data" menu."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .admin_views import UploadView, can_upload
from .models import Metric


class MetricViewSet(SnippetViewSet):
    model = Metric
    icon = "table"
    menu_label = "Metrics"
    add_to_admin_menu = False
    list_display = ["name", "slug", "data_type", "direction", "period_kind"]
    search_fields = ["name"]


register_snippet(MetricViewSet)


class UploadMenuItem(MenuItem):
    def is_shown(self, request):
        return can_upload(request.user)


class MetricsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("variation.view_metric") or request.user.has_perm(
            "variation.change_metric"
        )


@hooks.register("register_admin_urls")
def register_upload_url():
    return [path("variation/upload/", UploadView.as_view(), name="variation_upload")]


@hooks.register("register_admin_menu_item")
def register_variation_menu():
    submenu = Menu(
        items=[
            MetricsMenuItem(
                "Metrics", reverse("wagtailsnippets_variation_metric:list"), icon_name="table"
            ),
            UploadMenuItem("Upload metric data", reverse("variation_upload"), icon_name="upload"),
        ]
    )
    return SubmenuMenuItem("Variation data", submenu, icon_name="table", order=310)
