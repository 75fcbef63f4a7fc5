"""No email lost, none doubled, through a real SMTP conversation.

Twenty emails are queued while the mail server is down; it comes up refusing (451, "try again
later") for a while, then accepts. The outbox's own attempts at commit and the sender's passes
must get every email through exactly once. The server refuses by count, not by clock, and time
between passes is skipped by making the waiting emails due, so nothing rests on timing luck.
"""

import email
import socket
import threading
from io import StringIO

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.utils import timezone

from kb.mail.models import OutboxEmail
from kb.mail.outbox import queue_email

pytestmark = pytest.mark.django_db

EMAILS = 20
REFUSALS = 25  # all of the first pass, and some of the second


class RefusesThenAccepts:
    """An aiosmtpd handler: 451 to the first `refusals` messages, then 250, recording each."""

    def __init__(self, refusals):
        self.refusals = refusals
        self.refused = 0
        self.received = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refused < self.refusals:
                self.refused += 1
                return "451 4.3.0 Mailbox busy, try again later"
            message = email.message_from_bytes(envelope.content)
            self.received.append((message["Message-ID"], message["Subject"], envelope.rcpt_tos))
        return "250 OK"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    return settings


@pytest.fixture
def server(smtp_settings):
    """Start the server on the settings' port when the test says so; stop it afterwards."""
    handler = RefusesThenAccepts(REFUSALS)
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=smtp_settings.EMAIL_PORT,
        server_hostname="smtp.test",
        ready_timeout=5,
    )
    started = []

    def start():
        controller.start()
        started.append(controller)
        return handler

    yield start
    for running in started:
        running.stop()


def test_a_refusing_then_recovering_server_gets_every_email_exactly_once(
    server, django_capture_on_commit_callbacks
):
    # The server is down as the changes commit: each attempt at commit fails and is kept.
    with django_capture_on_commit_callbacks(execute=True):
        queued = [
            queue_email(
                f"person{number}@example.nhs.uk", f"Email {number}", f"Text {number}.", kind="test"
            )
            for number in range(EMAILS)
        ]
    assert set(OutboxEmail.objects.values_list("state", "attempts")) == {("pending", 1)}

    handler = server()
    outputs = []
    for _ in range(10):
        if not OutboxEmail.objects.exclude(state="sent").exists():
            break
        # Skip the wait: everything still waiting is due now.
        OutboxEmail.objects.filter(state="pending").update(next_attempt_at=timezone.now())
        out = StringIO()
        call_command("send_outbox", stdout=out)
        outputs.append(out.getvalue())

    # Refused 20, then 5 refused and 15 sent, then the last 5.
    assert outputs == [
        "Sent 0, will retry 20, gave up on 0; 20 waiting in the outbox.\n",
        "Sent 15, will retry 5, gave up on 0; 5 waiting in the outbox.\n",
        "Sent 5, will retry 0, gave up on 0; 0 waiting in the outbox.\n",
    ]
    assert handler.refused == REFUSALS
    received_ids = [message_id for message_id, _, _ in handler.received]
    assert len(received_ids) == len(set(received_ids)) == EMAILS
    # Each once, to its own recipient, with its own subject.
    assert sorted(handler.received) == sorted(
        (row.message_id, row.subject, row.to) for row in queued
    )
    assert set(OutboxEmail.objects.values_list("state", flat=True)) == {"sent"}
