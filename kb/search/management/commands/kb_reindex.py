"""python manage.py kb_reindex: rebuild the search index from the published pages.

With Elasticsearch configured, its index is rebuilt beside the one in use: a new versioned index
is built and the alias switched to it atomically, then the old index is deleted, so searches
never answer from a half-built index (docs/elasticsearch.md). If that fails, the alias is left
as it was and the command exits non-zero.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kb.search.indexing import rebuild


class Command(BaseCommand):
    help = "Rebuild the search index (database, and Elasticsearch when configured)."

    def handle(self, *args, **options):
        from kb.search.backends.elastic import ReindexError

        started = time.monotonic()

        def progress(count):
            if options["verbosity"] >= 1:
                self.stdout.write(f"  {count} pages read…")

        try:
            count = rebuild(progress=progress)
        except ReindexError as error:
            raise CommandError(
                "The database index was rebuilt, but the Elasticsearch index was not: "
                f"{error}\nSearches keep answering from the index the alias already pointed to "
                "(see `python manage.py kb_search_health`)."
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Indexed {count} published pages in {time.monotonic() - started:.1f} s."
            )
        )
        if settings.KB_SEARCH_BACKEND == "elasticsearch" and options["verbosity"] >= 1:
            self.describe_alias()

    def describe_alias(self):
        """Where the alias points now, and any index the rebuild left behind."""
        from kb.search.backends.elastic import ElasticsearchBackend

        backend = ElasticsearchBackend.from_settings()
        try:
            health = backend.health()
        except Exception as error:
            self.stdout.write(f"Could not read back the Elasticsearch alias: {error}")
            return
        self.stdout.write(
            f"Elasticsearch alias {health['alias']} -> {', '.join(health['indexes'])}: "
            f"{health['documents']} documents"
        )
        if health["strays"]:
            self.stdout.write(
                self.style.WARNING(
                    "Indexes not behind the alias (a rebuild running now, or one that could "
                    f"not clean up): {', '.join(health['strays'])}"
                )
            )
