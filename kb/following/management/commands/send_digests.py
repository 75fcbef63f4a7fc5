"""python manage.py send_digests --frequency weekly|daily: the digest emails, into the outbox.

Run it from cron: daily (say 07:00) with --frequency daily, weekly (Monday 07:00) with
--frequency weekly. Each member with notifications waiting for that digest gets one email; a
notification is in one digest only, so running it twice sends nothing twice. `send_outbox`
delivers the emails.
"""

import time

from django.core.management.base import BaseCommand

from kb.following.services import send_digests


class Command(BaseCommand):
    help = "Queue the daily or weekly digest email for every member with notifications waiting."

    def add_arguments(self, parser):
        parser.add_argument("--frequency", choices=["daily", "weekly"], required=True)

    def handle(self, *args, frequency, **options):
        started = time.monotonic()
        sent = send_digests(frequency)
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(f"{sent} {frequency} digest(s) queued in {elapsed:.1f} s.")
        )
