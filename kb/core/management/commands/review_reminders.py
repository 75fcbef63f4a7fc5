"""python manage.py review_reminders: email owners whose pages are past or near their review date.

One email per owner lists their pages with links to edit them. Pages with no owner email are sent
to the moderators (the Moderators group) so nothing goes stale unnoticed. Run it daily or weekly
from a scheduler; --dry-run shows what would be sent.

The reminders go into the email outbox (kb.mail) together, in one transaction, so a run that
fails half way queues none, and running it again after the failure sends no one two copies.
They are then sent at once; any the mail server refuses stay in the outbox for `send_outbox`.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.template.loader import render_to_string

from kb.core.freshness import DEFAULT_WINDOW_DAYS, Reminder, pages_due_for_review, reminders
from kb.mail import outbox

MODERATORS_GROUP = "Moderators"


class Command(BaseCommand):
    help = "Email page owners about guidance and case studies that are due for review."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=DEFAULT_WINDOW_DAYS,
            help=f"Include pages due within this many days (default {DEFAULT_WINDOW_DAYS}).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Show, do not send.")

    def handle(self, *args, days, dry_run, **options):
        if days < 0 or days > 3650:
            self.stderr.write("--days must be between 0 and 3650")
            raise SystemExit(2)
        pages = pages_due_for_review(within_days=days)
        owned, unowned = reminders(pages)
        if unowned:
            moderators = sorted(
                get_user_model()
                .objects.filter(groups__name=MODERATORS_GROUP, is_active=True)
                .exclude(email="")
                .values_list("email", flat=True)
                .distinct()
            )
            owned += [Reminder(email, unowned) for email in moderators]
            if not moderators:
                self.stderr.write(
                    self.style.WARNING(
                        f"{len(unowned)} page(s) due for review have no owner email and no "
                        "moderator has an email address: "
                        + ", ".join(page.title for page in unowned)
                    )
                )
        if dry_run:
            for reminder in owned:
                self.stdout.write(f"Would email {reminder.email}: {subject_for(reminder)}")
            self.stdout.write(
                self.style.SUCCESS(
                    f"{len(pages)} page(s) due for review within {days} days; "
                    f"would send {len(owned)} reminder(s)."
                )
            )
            return
        with transaction.atomic():
            queued = [self.queue(reminder, days) for reminder in owned]
        # Committed: send them now rather than at the sender's next pass.
        result = outbox.deliver([email.pk for email in queued])
        waiting = len(queued) - result.sent
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(pages)} page(s) due for review within {days} days; "
                f"sent {result.sent} reminder(s)"
                + (f", {waiting} left in the outbox to retry." if waiting else ".")
            )
        )

    def queue(self, reminder, days):
        body = render_to_string(
            "core/email/review_reminder.txt",
            {"reminder": reminder, "base_url": settings.WAGTAILADMIN_BASE_URL, "days": days},
        )
        # Sent by deliver() below, all on one connection, not one attempt per commit callback.
        return outbox.queue_email(
            [reminder.email],
            subject_for(reminder),
            body,
            kind="core.review_reminder",
            deliver_now=False,
        )


def subject_for(reminder):
    count = len(reminder.pages)
    return f"{count} knowledge base page{'s' if count != 1 else ''} due for review"
