"""Emails to the person who sent an idea: the reference and status link, then each decision.

Each email goes into the outbox (kb.mail) in the same transaction as the change it reports, so
a change that rolls back emails no one, and one that commits cannot lose its email to a mail
server that is down: the outbox sends it as soon as the change commits, and retries until the
server takes it. Failures are logged by outbox row and kind only, never the address or the text.
"""

from urllib.parse import urljoin

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from kb.mail.outbox import queue_email

from .tokens import hash_token, status_token


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


def queue_for_submitter(submission, template, subject, **context):
    """Queue an email to the submitter in the current transaction.

    Written now, from the submission as this transaction leaves it: the same text that reading
    it back after the commit would give, since the change that causes the email is already made.
    """
    body = render_to_string(
        f"ideas/email/{template}.txt",
        {"submission": submission, "status_url": status_link(submission), **context},
    )
    queue_email([submission.email], subject, body, kind=f"ideas.{template}")


def idea_received(submission):
    queue_for_submitter(
        submission, "received", f"Your idea {submission.reference} has been received"
    )


def status_changed(submission, change):
    page = submission.idea_page or submission.merged_into
    queue_for_submitter(
        submission,
        "status_changed",
        f"Your idea {submission.reference}: {change.get_to_status_display().lower()}",
        change=change,
        page_url=absolute_url(page.url) if page is not None and page.url else "",
    )
