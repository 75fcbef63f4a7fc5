"""Queue an email with the change that causes it; send it once, retrying until the server takes it.

`queue_email` writes an `OutboxEmail` row in the caller's transaction: a change that rolls back
takes its email with it, and a change that commits cannot lose its email to a mail server that
is down. Once the transaction commits, one attempt is made at once (a person waiting for a
confirmation gets it promptly); whatever that attempt does not send, `python manage.py
send_outbox` sends later, with retries 1, 2, 4... minutes apart (at most 6 hours), giving up
after MAX_ATTEMPTS.

Exactly once: before sending, a process claims the row with one conditional UPDATE (pending and
due -> sending); only the process whose UPDATE changed the row sends it, so the attempt at
commit and any number of senders never send a row twice. A process that dies while sending
leaves its claim behind; after LEASE the row can be claimed again. (If the server had already
taken the email before the crash, that one email goes twice; it carries the same Message-ID both
times, so mail clients can tell.)

Logs name the row's id and kind, never an address, a subject or a body.
"""

import contextlib
import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.utils import DNS_NAME
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from kb.jobs import defer_until_committed

from .models import OutboxEmail

logger = logging.getLogger(__name__)

State = OutboxEmail.State

FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
# 1 + 2 + 4 + ... + 256 minutes, then 6 hours twice: the last try is about 20 hours after the
# first, long enough to outlast a mail server's bad day.
MAX_ATTEMPTS = 12
# Far longer than one message can take (EMAIL_TIMEOUT is 10 s a step), so a live claim is never
# taken over; short enough that a crashed sender's emails go out the same hour.
LEASE = timedelta(minutes=10)


def queue_email(
    to,
    subject,
    body,
    *,
    html_body=None,
    headers=None,
    from_email=None,
    kind="",
    deliver_now=True,
):
    """Put an email in the outbox, in the current transaction; return its row.

    `to` is an address or a list of them; `headers` extra headers such as List-Unsubscribe;
    `kind` a short label for logs ("ideas.received"). With `deliver_now` (the default) one
    attempt is made as soon as the transaction commits; bulk senders pass False and leave the
    sending to `send_outbox`, so a digest to thousands does not hold up its own transaction.
    """
    email = _outbox_row(to, subject, body, html_body, headers, from_email, kind)
    email.save()
    if deliver_now:
        # Tried once the change commits, in the request or by the worker (kb/jobs); whatever
        # goes wrong stays in the outbox for send_outbox, never reaching the request.
        defer_until_committed(deliver_emails, [email.pk])
    return email


def queue_emails(messages, *, kind=""):
    """Put many emails in the outbox at once, in the current transaction, for `send_outbox`
    (or the caller, once it commits) to deliver; return their ids. `messages` are dicts of
    queue_email's arguments (to, subject, body and optionally html_body, headers,
    from_email). Written in batches: a publish that emails thousands at once makes a few
    INSERTs, not one each."""
    rows = [
        _outbox_row(
            message["to"],
            message["subject"],
            message["body"],
            message.get("html_body"),
            message.get("headers"),
            message.get("from_email"),
            kind,
        )
        for message in messages
    ]
    return [row.pk for row in OutboxEmail.objects.bulk_create(rows, batch_size=500)]


def _outbox_row(to, subject, body, html_body, headers, from_email, kind):
    """An unsaved outbox row, checked: ValueError for no recipient or a header that breaks a
    line."""
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients or not all(address and address.strip() for address in recipients):
        raise ValueError("An email needs at least one recipient.")
    headers = dict(headers or {})
    for name, value in headers.items():
        if "\n" in f"{name}{value}" or "\r" in f"{name}{value}":
            raise ValueError(f"The {name!r} header has a line break in it.")
    return OutboxEmail(
        kind=kind,
        to=recipients,
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        # A line break in a subject would make every attempt fail; it is only ever an accident.
        subject=" ".join(subject.split()),
        body=body,
        html_body=html_body or "",
        headers=headers,
        message_id=make_msgid(domain=str(DNS_NAME)),
    )


@dataclass
class Result:
    """What one pass did, for the sender's summary."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    # Due, but another process claimed it first, or the pass stopped before it.
    skipped: int = 0
    server_down: bool = False

    def __add__(self, other):
        return Result(
            self.sent + other.sent,
            self.retrying + other.retrying,
            self.failed + other.failed,
            self.skipped + other.skipped,
            self.server_down or other.server_down,
        )


def send_due(*, limit=100, now=None):
    """Send up to `limit` emails that are due, oldest first.

    `now` is for tests; left out, each claim is stamped with the clock as it is made, so a slow
    pass does not make its later claims look older than they are.
    """
    ids = list(
        OutboxEmail.objects.filter(_claimable(now or timezone.now()))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return deliver(ids, now=now)


@task()
def deliver_emails(ids):
    """The job form of `deliver`: one attempt at these rows (ids, so the job is plain JSON)."""
    deliver(ids)


def deliver(ids, *, now=None):
    """Try to send these rows now, each only if this process can claim it.

    Call it outside a transaction (after a commit, from a command): a claim must be seen by
    other processes before the email goes out. One connection to the mail server serves them
    all; if the server cannot be reached at all, the rest are left for the next pass rather
    than each spending an attempt on the same outage.
    """
    result = Result()
    connection = None
    try:
        for position, pk in enumerate(ids):
            moment = now or timezone.now()
            email = _claim(pk, moment)
            if email is None:
                result.skipped += 1
                continue
            try:
                if connection is None:
                    connection = get_connection()
                    connection.open()
                _send(email, connection)
            except Exception as error:  # any failure is retried, never raised
                connection = _close(connection)
                result += _record_failure(email, error, moment)
                if _server_unreachable(error):
                    result.server_down = True
                    result.skipped += len(ids) - position - 1
                    break
            else:
                _record_sent(email, moment)
                result.sent += 1
    finally:
        _close(connection)
    return result


def retry_failed():
    """Give emails that failed for good a fresh set of attempts (after fixing the server)."""
    return OutboxEmail.objects.filter(state=State.FAILED).update(
        state=State.PENDING, attempts=0, next_attempt_at=timezone.now(), claimed_at=None
    )


def retry_delay(attempts):
    """How long to wait after the `attempts`-th failed try: 1 minute, doubling, at most 6 hours."""
    return min(FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 16), LONGEST_RETRY)


def _claimable(now):
    return Q(state=State.PENDING, next_attempt_at__lte=now) | Q(
        state=State.SENDING, claimed_at__lt=now - LEASE
    )


def _claim(pk, now):
    """The row, if this process just claimed it; None if it is not due or someone else has it.

    The UPDATE's WHERE is the whole test: two processes racing for a row both run it, and the
    database lets only one of them change it (SQLite has one writer at a time; PostgreSQL
    re-checks the WHERE on the row the winner left).
    """
    claimed = (
        OutboxEmail.objects.filter(_claimable(now))
        .filter(pk=pk)
        .update(state=State.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    return OutboxEmail.objects.get(pk=pk) if claimed else None


def _send(email, connection):
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body,
        from_email=email.from_email,
        to=email.to,
        headers={**email.headers, "Message-ID": email.message_id},
        connection=connection,
    )
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    if message.send() != 1:
        raise NotSent("the mail backend sent nothing")


class NotSent(Exception):
    """The backend returned without sending and without saying why."""


def _still_ours(email):
    # Only the claim this process made: if it lapsed and another process took the row over,
    # that process records the outcome.
    return OutboxEmail.objects.filter(pk=email.pk, state=State.SENDING, claimed_at=email.claimed_at)


def _record_sent(email, now):
    updated = _still_ours(email).update(
        state=State.SENT, sent_at=now, claimed_at=None, last_error="", body="", html_body=""
    )
    if not updated:
        logger.warning("Email %s (%s) was sent after its claim lapsed", email.pk, email.kind)


def _record_failure(email, error, now):
    """Schedule the next try, or give up; say which in the result."""
    gave_up = email.attempts >= MAX_ATTEMPTS
    changes = {"claimed_at": None, "last_error": describe(error)}
    if gave_up:
        changes["state"] = State.FAILED
        logger.error(
            "Gave up on email %s (%s) after %s attempts: %s",
            email.pk, email.kind, email.attempts, _error_kind(error),
        )  # fmt: skip
    else:
        changes["state"] = State.PENDING
        changes["next_attempt_at"] = now + retry_delay(email.attempts)
        logger.warning(
            "Email %s (%s) not sent on attempt %s, will retry at %s: %s",
            email.pk, email.kind, email.attempts, changes["next_attempt_at"], _error_kind(error),
        )  # fmt: skip
    _still_ours(email).update(**changes)
    return Result(failed=1) if gave_up else Result(retrying=1)


def describe(error):
    """A short description of a failure for the row: never the body.

    An SMTP server's reply is kept (it says why), which may name the recipient, as the row does
    anyway; other exceptions are reduced to their type, since their text could quote anything.
    """
    if isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error
        if isinstance(reply, bytes):
            reply = reply.decode("utf-8", "replace")
        return f"{type(error).__name__} {error.smtp_code} {reply}"[:300]
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in error.recipients.values()})
        return f"SMTPRecipientsRefused {codes}"
    if isinstance(error, OSError) and error.strerror:
        return f"{type(error).__name__}: {error.strerror}"[:300]
    return type(error).__name__


def _error_kind(error):
    # For logs: the type and the SMTP code only, since a server's reply may name the recipient.
    code = getattr(error, "smtp_code", None)
    return f"{type(error).__name__} {code}" if code else type(error).__name__


def _server_unreachable(error):
    """True when no email could have got through: the fault is the server, not this email."""
    if isinstance(
        error,
        smtplib.SMTPConnectError | smtplib.SMTPServerDisconnected | smtplib.SMTPAuthenticationError,
    ):
        return True
    # smtplib's own errors are OSErrors too; the rest (refused, timed out, no route) are the
    # network's.
    return isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException)


def _close(connection):
    if connection is not None:
        # A connection broken by the failure it is being closed for closes as best it can.
        with contextlib.suppress(Exception):
            connection.close()
    return None
