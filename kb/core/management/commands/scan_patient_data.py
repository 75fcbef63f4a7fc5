"""python manage.py scan_patient_data [--redact]: find NHS numbers already stored, anywhere.

Lists every stored place (model, id, field) whose text holds a valid NHS number, across every
installed app: pages and their revisions, ideas, replies, endorsements, vocabularies, search
indexes. The number itself is never printed. With --redact each is replaced by
"[NHS number removed]" in place and logged; the search indexes are then rebuilt so no copy
survives there. Exits 1 when numbers were found and left in place, so a scheduled run can alert.
"""

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from kb.core.stored_text import scan


class Command(BaseCommand):
    help = "List (and with --redact, remove) valid NHS numbers stored in any model's free text."

    def add_arguments(self, parser):
        parser.add_argument(
            "--redact",
            action="store_true",
            help='Replace each NHS number found with "[NHS number removed]".',
        )

    def handle(self, *args, **options):
        redact = options["redact"]

        def report(finding):
            verb = "redacted" if redact else "found"
            self.stdout.write(f"{verb}: {finding}")

        findings = scan(apps, redact=redact, on_finding=report)
        if not findings:
            self.stdout.write(self.style.SUCCESS("No NHS numbers found in stored text."))
            return
        places = len(findings)
        if redact:
            self.stdout.write("Rebuilding the search index so no copy survives there…")
            call_command("kb_reindex", verbosity=0, stdout=self.stdout)
            self.stdout.write(
                self.style.SUCCESS(f"Removed NHS numbers from {places} stored places.")
            )
            return
        raise CommandError(
            f"NHS numbers found in {places} stored places. Run with --redact to remove them."
        )
