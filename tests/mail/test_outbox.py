"""The outbox: an email is sent once its change commits, never for a change that rolls back, and
retried with growing waits until the server takes it or the outbox gives up.

Time is moved by passing `now` to the sender, never by sleeping.
"""

import signal
import socket
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import transaction

from kb.mail import outbox
from kb.mail.models import OutboxEmail
from kb.mail.outbox import LEASE, Result, deliver, queue_email, retry_delay, send_due
from tests.mail.backends import RefusingBackend

pytestmark = pytest.mark.django_db

ADDRESS = "sam.taylor@example.nhs.uk"


@pytest.fixture
def refusing(settings):
    """A mail server that refuses the next N messages with a 451, then takes them."""
    settings.EMAIL_BACKEND = "tests.mail.backends.RefusingBackend"

    def refuse(count):
        RefusingBackend.refusals = count

    yield refuse
    RefusingBackend.refusals = 0


def send_outbox(*args):
    out = StringIO()
    call_command("send_outbox", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_an_email_queued_in_a_change_that_rolls_back_is_never_sent(
    django_capture_on_commit_callbacks,
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        queue_email(ADDRESS, "Your idea", "Thank you.")
        raise RuntimeError("the change failed after the email was queued")
    assert not OutboxEmail.objects.exists()
    send_outbox()
    assert mail.outbox == []


def test_a_committed_email_is_sent_at_once_and_only_once(django_capture_on_commit_callbacks):
    unsubscribe = {
        "List-Unsubscribe": "<https://kb.example.nhs.uk/unsubscribe/abc/>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    with django_capture_on_commit_callbacks(execute=True):
        email = queue_email(
            [ADDRESS],
            "Your weekly digest",
            "Three pages changed.",
            html_body="<p>Three pages changed.</p>",
            headers=unsubscribe,
            kind="test.digest",
        )
    [message] = mail.outbox
    assert message.to == [ADDRESS]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert (message.subject, message.body) == ("Your weekly digest", "Three pages changed.")
    assert list(message.alternatives[0]) == ["<p>Three pages changed.</p>", "text/html"]
    sent = message.message()
    assert sent["List-Unsubscribe"] == unsubscribe["List-Unsubscribe"]
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sent["Message-ID"] == email.message_id

    email.refresh_from_db()
    assert (email.state, email.attempts, email.last_error) == ("sent", 1, "")
    assert email.sent_at is not None
    # Delivered: the outbox keeps the record, not the text.
    assert email.body == email.html_body == ""

    assert "Sent 0" in send_outbox()
    assert len(mail.outbox) == 1


def test_the_attempt_at_commit_and_a_sender_racing_it_send_one_email(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as at_commit:
        queue_email(ADDRESS, "Your idea", "Thank you.")
    # The sender's pass gets there between the commit and the attempt the commit set off.
    assert send_due().sent == 1
    for callback in at_commit:
        callback()
    assert len(mail.outbox) == 1


def test_a_row_listed_twice_is_sent_once():
    email = queue_email(ADDRESS, "Your idea", "Thank you.", deliver_now=False)
    result = deliver([email.pk, email.pk])
    assert (result.sent, result.skipped) == (1, 1)
    assert len(mail.outbox) == 1


def test_a_refused_email_is_retried_after_1_then_2_then_4_minutes(refusing):
    refusing(3)
    email = queue_email(ADDRESS, "Your idea", "The private text.", deliver_now=False)
    moment = email.next_attempt_at
    for attempt, wait in enumerate([1, 2, 4], start=1):
        assert send_due(now=moment) == Result(retrying=1)
        email.refresh_from_db()
        assert (email.state, email.attempts) == ("pending", attempt)
        assert email.next_attempt_at == moment + timedelta(minutes=wait)
        assert email.last_error.startswith("SMTPDataError 451")
        assert "private text" not in email.last_error
        # Not a moment before it is due.
        assert send_due(now=email.next_attempt_at - timedelta(seconds=1)) == Result()
        moment = email.next_attempt_at
    assert mail.outbox == []

    assert send_due(now=moment) == Result(sent=1)
    assert [message.subject for message in mail.outbox] == ["Your idea"]
    email.refresh_from_db()
    assert (email.state, email.attempts, email.last_error) == ("sent", 4, "")


def test_the_wait_doubles_up_to_six_hours():
    waits = [retry_delay(attempt) / timedelta(minutes=1) for attempt in range(1, 13)]
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 360, 360, 360]
    assert retry_delay(10_000) == timedelta(hours=6)


def test_it_gives_up_after_the_last_attempt_and_logs_no_personal_detail(
    refusing, monkeypatch, caplog
):
    monkeypatch.setattr(outbox, "MAX_ATTEMPTS", 3)
    refusing(1000)
    email = queue_email(
        "private.person@example.nhs.uk",
        "Your idea IDEA-7K3Q9A",
        "The secret body",
        kind="test.giving-up",
        deliver_now=False,
    )
    moment = email.next_attempt_at
    results = []
    for _ in range(3):
        results.append(send_due(now=moment))
        moment += timedelta(hours=7)
    assert results == [Result(retrying=1), Result(retrying=1), Result(failed=1)]
    email.refresh_from_db()
    assert (email.state, email.attempts) == ("failed", 3)
    assert send_due(now=moment + timedelta(days=30)) == Result()

    assert f"Gave up on email {email.pk} (test.giving-up) after 3 attempts" in caplog.text
    for private in ("private.person", "IDEA-7K3Q9A", "secret body"):
        assert private not in caplog.text

    # The server is mended: the operator sends the failures again.
    refusing(0)
    assert "1 failed email(s) will be tried again" in send_outbox("--retry-failed")
    assert [message.to for message in mail.outbox] == [["private.person@example.nhs.uk"]]


def test_a_claim_left_by_a_crashed_sender_is_taken_again_after_the_lease():
    email = queue_email(ADDRESS, "Your idea", "Thank you.", deliver_now=False)
    crashed_at = email.next_attempt_at
    # A sender claimed it, then died before sending.
    OutboxEmail.objects.filter(pk=email.pk).update(
        state="sending", claimed_at=crashed_at, attempts=1
    )
    assert send_due(now=crashed_at + LEASE - timedelta(seconds=1)) == Result()
    assert mail.outbox == []
    assert send_due(now=crashed_at + LEASE + timedelta(seconds=1)) == Result(sent=1)
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert (email.state, email.attempts) == ("sent", 2)


def test_a_server_that_cannot_be_reached_costs_one_attempt_not_one_per_email(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port
    for number in range(3):
        queue_email(ADDRESS, f"Email {number}", "Text.", deliver_now=False)

    output = send_outbox()
    assert "Sent 0, will retry 1, gave up on 0; 3 waiting in the outbox." in output
    assert "could not be reached" in output
    assert sorted(OutboxEmail.objects.values_list("attempts", flat=True)) == [0, 0, 1]
    assert OutboxEmail.objects.get(attempts=1).last_error.startswith("ConnectionRefusedError")


def test_the_sender_loop_stops_cleanly_on_sigterm(monkeypatch):
    queue_email(ADDRESS, "Your idea", "Thank you.", deliver_now=False)
    passes = []
    real_send_due = outbox.send_due

    def pass_then_terminate(**options):
        passes.append(real_send_due(**options))
        if len(passes) == 2:
            # As systemd or Kubernetes would stop it, between passes.
            signal.raise_signal(signal.SIGTERM)
        return passes[-1]

    monkeypatch.setattr(outbox, "send_due", pass_then_terminate)
    handler_before = signal.getsignal(signal.SIGTERM)

    output = send_outbox("--forever", "--interval", "0.01")

    assert passes == [Result(sent=1), Result()]
    assert len(mail.outbox) == 1
    assert output.strip().endswith("Stopped.")
    assert signal.getsignal(signal.SIGTERM) is handler_before


def test_an_email_that_could_never_be_sent_is_refused_when_queued():
    with pytest.raises(ValueError, match="recipient"):
        queue_email([], "Subject", "Body")
    with pytest.raises(ValueError, match="line break"):
        queue_email(ADDRESS, "Subject", "Body", headers={"X-Note": "one\r\nBcc: x@example.com"})
    # A line break in a subject is an accident, not a reason to lose the email.
    email = queue_email(ADDRESS, "Your idea\n has news", "Body", deliver_now=False)
    assert email.subject == "Your idea has news"
    assert not OutboxEmail.objects.exclude(pk=email.pk).exists()
