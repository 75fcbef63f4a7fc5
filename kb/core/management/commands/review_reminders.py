"""python manage.py review_reminders: email owners whose pages are past or near their review date.

One email per owner lists their pages with links to edit them. Pages with no owner email are sent
to the moderators (the Moderators group) so nothing goes stale unnoticed. Run it daily or weekly
from a scheduler; --dry-run shows what would be sent.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.core.management.base import BaseCommand
from django.template.loader import render_to_string

from kb.core.freshness import DEFAULT_WINDOW_DAYS, Reminder, pages_due_for_review, reminders

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
        sent = 0
        for reminder in owned:
            subject = (
                f"{len(reminder.pages)} knowledge base page"
                f"{'s' if len(reminder.pages) != 1 else ''} due for review"
            )
            body = render_to_string(
                "core/email/review_reminder.txt",
                {"reminder": reminder, "base_url": settings.WAGTAILADMIN_BASE_URL, "days": days},
            )
            if dry_run:
                self.stdout.write(f"Would email {reminder.email}: {subject}")
                continue
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [reminder.email])
            sent += 1
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(pages)} page(s) due for review within {days} days; "
                f"{'would send' if dry_run else 'sent'} {len(owned) if dry_run else sent} "
                "reminder(s)."
            )
        )
