"""The idea emails go through the outbox: a mail server that is down when someone sends an idea
delays their confirmation instead of losing it, and the private link does not stay behind."""

import re
from io import StringIO

import pytest
from django.core import mail
from django.core.cache import caches
from django.core.management import call_command
from django.utils import timezone

from kb.ideas.models import IdeaSubmission
from kb.mail.models import OutboxEmail
from tests.mail.backends import RefusingBackend

pytestmark = pytest.mark.django_db


@pytest.fixture
def server_down_once(settings):
    settings.EMAIL_BACKEND = "tests.mail.backends.RefusingBackend"
    RefusingBackend.refusals = 1
    yield
    RefusingBackend.refusals = 0


def idea_form(client):
    page = client.get("/ideas/submit/")
    return {
        "title": "Pre-packed theatre trays for hernia repairs",
        "problem": "We open a full set for every day case and reprocess what we never used.",
        "proposal": "A small tray with only the instruments the procedure needs.",
        "waste_type": "overprocessing",
        "organisation": "Example NHS Trust",
        "role": "Theatre practitioner",
        "email": "Sam.Taylor@example.nhs.uk",
        "consent_to_publish": "yes",
        "form_token": page.context["form"]["form_token"].value(),
        "website": "",
    }


def test_an_idea_sent_while_the_mail_server_refuses_still_gets_its_confirmation(
    client, site_tree, server_down_once, django_capture_on_commit_callbacks
):
    caches["ratelimit"].clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/ideas/submit/", idea_form(client))
    assert response.status_code == 302
    submission = IdeaSubmission.objects.get()
    # The idea is stored and its email waits in the outbox; the person saw no error.
    assert mail.outbox == []
    waiting = OutboxEmail.objects.get()
    assert (waiting.kind, waiting.state, waiting.attempts) == ("ideas.received", "pending", 1)

    # A minute later the sender's next pass finds the server back.
    OutboxEmail.objects.update(next_attempt_at=timezone.now())
    call_command("send_outbox", stdout=StringIO())
    [message] = mail.outbox
    assert message.to == ["Sam.Taylor@example.nhs.uk"]
    assert submission.reference in message.subject
    token = re.search(r"/ideas/status/([\w-]+)/", message.body).group(1)
    assert client.get(f"/ideas/status/{token}/").status_code == 200
    # Sent: the database no longer holds the private link, as before the outbox.
    assert token not in str(list(OutboxEmail.objects.values()))

    call_command("send_outbox", stdout=StringIO())
    assert len(mail.outbox) == 1
