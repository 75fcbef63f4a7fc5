"""python manage.py load_demo_content: fill an empty site with realistic demonstration content.

The content lives as Markdown files in kb/publishing/demo_content/ and goes through the same
import as editors' files. Running it again changes nothing: unchanged files are skipped.
"""

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from kb.networks.demo import load_demo_networks
from kb.publishing.markdown_import import import_paths
from kb.publishing.site_structure import ensure_site_structure

DEMO_CONTENT = Path(__file__).resolve().parents[2] / "demo_content"


class Command(BaseCommand):
    help = "Load the demonstration guides, GIRFT standards, blueprints and case studies."

    def handle(self, *args, **options):
        ensure_site_structure()
        result = import_paths([DEMO_CONTENT], publish=True)
        for failure in result.failed:
            self.stderr.write(self.style.ERROR(str(failure)))
        if result.failed:
            raise CommandError(f"{len(result.failed)} demo files failed to import")
        # The networks are not Markdown files: they are made in Python (kb/networks/demo.py).
        networks = load_demo_networks()
        if result.created or result.updated or networks:
            call_command("update_index", verbosity=0)
            if connection.vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA optimize")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo content: {len(result.created)} created, {len(result.updated)} updated, "
                f"{len(result.unchanged)} unchanged; {networks} networks created."
            )
        )
