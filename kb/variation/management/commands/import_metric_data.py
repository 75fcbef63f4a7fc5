"""`python manage.py import_metric_data FILE.csv [FILE.csv ...] [--new-organisation-type TYPE]`

Loads variation data (format: docs/variation.md, "Loading data"). Each file loads whole or not
at all; its errors are printed as `FILE:LINE: ...` and the command fails (exit status 1) if any
file was refused, after trying every file.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kb.taxonomy.models import Organisation
from kb.variation.importer import ImportRefused, import_file


class Command(BaseCommand):
    help = "Load metric data (numerators and denominators per organisation and period) from CSV."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE.csv")
        parser.add_argument(
            "--new-organisation-type",
            default=Organisation.Kind.OTHER,
            choices=Organisation.Kind.values,
            help="type given to organisations the file creates (default: other; set types and "
            "regions in Vocabularies > Organisations)",
        )

    def handle(self, *args, **options):
        refused = 0
        for name in options["files"]:
            path = Path(name)
            if not path.is_file():
                self.stderr.write(f"{name}: no such file")
                refused += 1
                continue
            try:
                result = import_file(path, new_kind=options["new_organisation_type"])
            except ImportRefused as refusal:
                refused += 1
                for message in refusal.errors:
                    self.stderr.write(message)
                more = " (more errors not shown: fix these first)" if refusal.truncated else ""
                self.stderr.write(f"{name}: not loaded, nothing changed{more}")
                continue
            self.stdout.write(f"{name}: {result.summary()}")
        if refused:
            raise CommandError(f"{refused} file(s) not loaded")
