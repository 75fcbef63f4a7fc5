"""Write the open-data files: `python manage.py export_open_data [--output DIR]`.

With --output, the whole set (every dataset's CSV, JSON, schema and dictionary, the README,
the licence, the zip and the manifest) is written into DIR, for publishing elsewhere or
checking. Without it, the set the site serves at /open-data/ is brought up to date, as the
first request after a publish would: run it after a deployment or a bulk import so that no
reader waits for the generation.
"""

import time

from django.core.management.base import BaseCommand

from kb.opendata.files import export_all
from kb.opendata.store import current_generation


class Command(BaseCommand):
    help = "Write the open-data files (every dataset as CSV and JSON, and the zip)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            metavar="DIR",
            help="Write the files into this folder (created if missing) instead of bringing "
            "the set the site serves up to date.",
        )

    def handle(self, *args, output=None, **options):
        started = time.perf_counter()
        if output:
            manifest = export_all(output)
            directory = output
        else:
            generation = current_generation()
            manifest, directory = generation.manifest, generation.directory
        seconds = time.perf_counter() - started
        for slug, counts in manifest["datasets"].items():
            self.stdout.write(f"{slug}: {counts['records']} records")
        self.stdout.write(
            self.style.SUCCESS(
                f"Open data generated {manifest['generated']} in {directory} ({seconds:.1f} s)"
            )
        )
