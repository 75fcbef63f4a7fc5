"""Admin additions: the content freshness report."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import admin_views


@hooks.register("register_admin_urls")
def register_freshness_url():
    return [path("reports/review-dates/", admin_views.review_report, name="kb_review_report")]


class ReviewReportMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.can_see_review_report(request.user)


@hooks.register("register_reports_menu_item")
def register_freshness_menu_item():
    return ReviewReportMenuItem(
        "Review dates", reverse("kb_review_report"), icon_name="date", order=100
    )
