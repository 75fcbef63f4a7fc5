"""Test mail backends: Django's in-memory one (mail.outbox), made to refuse or to wait."""

import smtplib
import time

from django.core.mail.backends import locmem


class RefusingBackend(locmem.EmailBackend):
    """Refuses the next `refusals` messages as a busy server would (451), then takes them."""

    refusals = 0

    def send_messages(self, messages):
        if RefusingBackend.refusals > 0:
            RefusingBackend.refusals -= 1
            raise smtplib.SMTPDataError(451, b"4.3.0 Mailbox busy, try again later")
        return super().send_messages(messages)


class RendezvousBackend(locmem.EmailBackend):
    """For two senders at once: each one's first message waits until the other is sending
    too, so their passes overlap for certain; then a few milliseconds a message."""

    rendezvous = None

    def send_messages(self, messages):
        if not getattr(self, "_met", False):
            self._met = True
            RendezvousBackend.rendezvous.wait(timeout=10)
        time.sleep(0.003)
        return super().send_messages(messages)
