"""The outbox: one row per email the site has promised to send.

A row is written in the same transaction as the change that causes the email, so an email is
never lost to a mail server that is down and never sent for a change that was rolled back.
kb/mail/outbox.py queues and sends them; the states a row goes through:

    pending --claimed--> sending --accepted by the server--> sent
       ^                    |
       +---- refused -------+---- refused too many times --> failed (for good)

A sent row keeps who, what kind and when, but its bodies are emptied: they can carry private
links (an idea's status link) that the database otherwise never holds.
"""

from django.db import models
from django.utils import timezone


class OutboxEmail(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed for good"

    kind = models.CharField(
        max_length=60, blank=True, help_text="What sent it, for logs and counts: ideas.received."
    )
    to = models.JSONField(help_text="The recipients' addresses, a list.")
    from_email = models.CharField(max_length=254)
    subject = models.TextField()
    body = models.TextField(blank=True)
    html_body = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True, help_text="Extra headers, by name.")
    # Chosen once, so every retry is the same message to the receiving end.
    message_id = models.CharField(max_length=255, unique=True)

    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "outbox email"
        indexes = [
            # The sender's two questions: what is due, and whose claim has lapsed.
            models.Index(fields=["state", "next_attempt_at"], name="kbmail_due"),
            models.Index(fields=["state", "claimed_at"], name="kbmail_claimed"),
        ]

    def __str__(self):
        # Never the address or the text: this ends up in logs and admin screens.
        return f"Email {self.pk} ({self.kind or 'no kind'}, {self.state})"
