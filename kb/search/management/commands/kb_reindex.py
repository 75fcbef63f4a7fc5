"""python manage.py kb_reindex: rebuild the search index from the published pages."""

import time

from django.core.management.base import BaseCommand

from kb.search.indexing import rebuild


class Command(BaseCommand):
    help = "Rebuild the search index (database, and Elasticsearch when configured)."

    def handle(self, *args, **options):
        started = time.monotonic()

        def progress(count):
            if options["verbosity"] >= 1:
                self.stdout.write(f"  {count} pages read…")

        count = rebuild(progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Indexed {count} published pages in {time.monotonic() - started:.1f} s."
            )
        )
