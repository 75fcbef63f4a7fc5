"""Emails to the person who sent an idea: the reference and status link, then each decision.

Sent once the change is committed; a mail server that is down is logged (by reference only,
never the address or the text) and does not undo the change.
"""

import logging
from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from .tokens import hash_token, status_token

logger = logging.getLogger(__name__)


def absolute_url(path):
    return urljoin(settings.WAGTAILADMIN_BASE_URL.rstrip("/") + "/", path.lstrip("/"))


def status_link(submission):
    """The private status link; re-derived, so later emails carry the same link as the first."""
    token = status_token(submission.status_token_nonce)
    if hash_token(token) != submission.status_token_hash:
        # The secret key changed since the submission: the old link is dead anyway, so store
        # the new one's hash and send a link that works.
        submission.status_token_hash = hash_token(token)
        submission.save(update_fields=["status_token_hash"])
    return absolute_url(reverse("ideas:status", args=[token]))


def send_after_commit(submission, template, subject, **context):
    """Email the submitter once the current transaction commits."""
    submission_id = submission.pk

    def send():
        from .models import IdeaSubmission

        current = IdeaSubmission.objects.select_related("idea_page", "merged_into").get(
            pk=submission_id
        )
        body = render_to_string(
            f"ideas/email/{template}.txt",
            {"submission": current, "status_url": status_link(current), **context},
        )
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [current.email])
        except Exception:
            logger.exception("Could not email the submitter of %s", current.reference)

    transaction.on_commit(send, robust=True)


def idea_received(submission):
    send_after_commit(submission, "received", f"Your idea {submission.reference} has been received")


def status_changed(submission, change):
    page = submission.idea_page or submission.merged_into
    send_after_commit(
        submission,
        "status_changed",
        f"Your idea {submission.reference}: {change.get_to_status_display().lower()}",
        change=change,
        page_url=absolute_url(page.url) if page is not None and page.url else "",
    )
