"""Admin views: the report of pages past or near their review date."""

import csv

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from wagtail.permission_policies.pages import PagePermissionPolicy

from .freshness import DEFAULT_WINDOW_DAYS, pages_due_for_review
from .spreadsheets import spreadsheet_safe

WINDOWS = (0, 30, 60, 90)


def can_see_review_report(user):
    """Anyone who can edit pages: editors and moderators."""
    return user.is_active and PagePermissionPolicy().user_has_any_permission(
        user, ["change", "publish"]
    )


def review_report(request):
    if not can_see_review_report(request.user):
        raise PermissionDenied
    try:
        days = int(request.GET.get("days", DEFAULT_WINDOW_DAYS))
    except ValueError:
        days = DEFAULT_WINDOW_DAYS
    if days not in WINDOWS:
        days = DEFAULT_WINDOW_DAYS
    pages = pages_due_for_review(within_days=days)
    if request.GET.get("export") == "csv":
        return _csv(pages)
    return render(
        request,
        "core/admin/review_report.html",
        {"pages": pages, "days": days, "windows": WINDOWS},
    )


def _csv(pages):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="review-dates.csv"'
    writer = csv.writer(response)
    writer.writerow(["Title", "Type", "Owner", "Owner email", "Next review", "Status", "Live"])
    for page in pages:
        writer.writerow(
            [
                spreadsheet_safe(page.title),
                page.specific_class.get_verbose_name(),
                spreadsheet_safe(page.content_owner),
                spreadsheet_safe(page.owner_email),
                page.next_review.isoformat(),
                page.review_status,
                "yes" if page.live else "no",
            ]
        )
    return response
