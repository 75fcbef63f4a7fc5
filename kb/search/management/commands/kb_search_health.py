"""python manage.py kb_search_health: is search working, and on which backend?"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kb.search.models import SearchDocument


class Command(BaseCommand):
    help = "Report the search backends' state: documents indexed, Elasticsearch reachable."

    def handle(self, *args, **options):
        self.stdout.write(f"Configured backend: {settings.KB_SEARCH_BACKEND}")
        self.stdout.write(f"Database index: {SearchDocument.objects.count()} documents")
        if settings.KB_SEARCH_BACKEND != "elasticsearch":
            return
        from kb.search.backends.elastic import ElasticsearchBackend

        backend = ElasticsearchBackend.from_settings()
        try:
            health = backend.health()
        except Exception as error:
            raise CommandError(
                f"Elasticsearch at {settings.ELASTICSEARCH_URL} is not answering ({error}); "
                "searches fall back to the database index."
            ) from None
        self.stdout.write(
            f"Elasticsearch index {backend.index_name}: status {health['status']}, "
            f"{health['documents']} documents"
        )
