"""python manage.py send_outbox [--forever] [--interval 5] [--limit 100] [--retry-failed]

Sends the emails in the outbox that are due (kb/mail/outbox.py), then prints what it did. Run it
every minute from cron, or once with --forever as a long-running process beside the web server:
it then sends a pass every --interval seconds and stops cleanly on SIGTERM or Ctrl-C, after the
email it is sending. Several may run at once; no email is sent twice.
"""

import signal
import threading

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections, connection

from kb.mail import outbox
from kb.mail.models import OutboxEmail


class Command(BaseCommand):
    help = "Send the emails in the outbox that are due, retrying those the server refused."

    def add_arguments(self, parser):
        parser.add_argument(
            "--forever", action="store_true", help="Keep sending until stopped (SIGTERM, Ctrl-C)."
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=5.0,
            help="With --forever, seconds between passes (default 5).",
        )
        parser.add_argument(
            "--limit", type=int, default=100, help="At most this many emails a pass (default 100)."
        )
        parser.add_argument(
            "--retry-failed",
            action="store_true",
            help="First give emails that failed for good a fresh set of attempts.",
        )

    def handle(self, *args, forever, interval, limit, retry_failed, **options):
        if limit < 1:
            raise CommandError("--limit must be at least 1.")
        if interval <= 0:
            raise CommandError("--interval must be more than 0 seconds.")
        if retry_failed:
            self.stdout.write(f"{outbox.retry_failed()} failed email(s) will be tried again.")
        if not forever:
            self.report(outbox.send_due(limit=limit), always=True)
            return
        stop = threading.Event()
        restore = self.stop_on_signals(stop)
        try:
            self.run_forever(stop, interval, limit)
        finally:
            restore()
        self.stdout.write("Stopped.")

    def run_forever(self, stop, interval, limit):
        while not stop.is_set():
            # A long-running process: drop connections that have aged or broken since, as a
            # request would; never under an open transaction (a caller's, or a test's).
            if not connection.in_atomic_block:
                close_old_connections()
            try:
                result = outbox.send_due(limit=limit)
            except DatabaseError as error:
                # The database restarting is no reason to stop sending: try again next pass.
                self.stderr.write(f"Could not read the outbox ({type(error).__name__}).")
                stop.wait(interval)
                continue
            self.report(result)
            # A full pass means more are probably due: go again without waiting.
            busy = result.sent + result.retrying + result.failed >= limit
            if not busy or result.server_down:
                stop.wait(interval)

    def stop_on_signals(self, stop):
        """Let SIGTERM and Ctrl-C finish the email being sent, then stop; return an undo."""
        if threading.current_thread() is not threading.main_thread():
            return lambda: None
        previous = {
            number: signal.signal(number, lambda *_: stop.set())
            for number in (signal.SIGTERM, signal.SIGINT)
        }

        def restore():
            for number, handler in previous.items():
                signal.signal(number, handler)

        return restore

    def report(self, result, always=False):
        if not always and not (result.sent or result.retrying or result.failed):
            return  # a quiet pass in a loop: nothing to say every few seconds
        waiting = OutboxEmail.objects.filter(
            state__in=[OutboxEmail.State.PENDING, OutboxEmail.State.SENDING]
        ).count()
        line = (
            f"Sent {result.sent}, will retry {result.retrying}, gave up on {result.failed}; "
            f"{waiting} waiting in the outbox."
        )
        if result.server_down:
            line += " The mail server could not be reached; trying again later."
        style = self.style.WARNING if result.failed or result.server_down else self.style.SUCCESS
        self.stdout.write(style(line))
