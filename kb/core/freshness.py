"""Content freshness: which guidance and case studies are past or near their review date."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone

from .models import knowledge_page_models

__all__ = ["knowledge_page_models", "pages_due_for_review", "reminders"]

DEFAULT_WINDOW_DAYS = 30


def pages_due_for_review(within_days=DEFAULT_WINDOW_DAYS, today=None, live_only=False):
    """Knowledge pages whose next review date is past or within `within_days`, soonest first."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=within_days)
    pages = []
    for model in knowledge_page_models():
        if not model.review_dates:
            continue
        queryset = model.objects.filter(next_review__lte=horizon)
        if live_only:
            queryset = queryset.live()
        pages.extend(queryset)
    return sorted(pages, key=lambda page: (page.next_review, page.title))


@dataclass
class Reminder:
    """One email's worth: an owner and the pages of theirs that need review."""

    email: str
    pages: list

    @property
    def overdue(self):
        return [page for page in self.pages if page.review_status == "overdue"]


def reminders(pages):
    """Group pages by owner email; pages with no owner email are returned apart."""
    by_owner = defaultdict(list)
    unowned = []
    for page in pages:
        if page.owner_email:
            by_owner[page.owner_email.strip().lower()].append(page)
        else:
            unowned.append(page)
    return [Reminder(email, items) for email, items in sorted(by_owner.items())], unowned
