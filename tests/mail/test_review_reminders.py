"""Review reminders go through the outbox: a refused reminder is kept and sent later, and the
command says how many are still waiting."""

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from kb.mail.models import OutboxEmail
from tests.mail.backends import RefusingBackend

pytestmark = pytest.mark.django_db


@pytest.fixture
def refuse_once(settings):
    settings.EMAIL_BACKEND = "tests.mail.backends.RefusingBackend"
    RefusingBackend.refusals = 1
    yield
    RefusingBackend.refusals = 0


def run(command, *args):
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def test_a_refused_reminder_waits_in_the_outbox_and_is_sent_later(make_case_study, refuse_once):
    make_case_study(
        title="Overdue handover case",
        next_review=timezone.localdate() - datetime.timedelta(days=3),
        owner_email="owner.a@example.nhs.uk",
    )
    output = run("review_reminders")
    assert "sent 0 reminder(s), 1 left in the outbox to retry." in output
    assert mail.outbox == []
    assert OutboxEmail.objects.get().kind == "core.review_reminder"

    OutboxEmail.objects.update(next_attempt_at=timezone.now())
    assert "Sent 1" in run("send_outbox")
    [message] = mail.outbox
    assert message.to == ["owner.a@example.nhs.uk"]
    assert message.subject == "1 knowledge base page due for review"
    assert "Overdue handover case" in message.body
