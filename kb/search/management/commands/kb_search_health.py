"""python manage.py kb_search_health: is search working, and on which backend?

The Elasticsearch circuit breaker is per process: this command reports (and feeds with its own
check) the breaker of the process it runs in. Run from a shell, that is a fresh process, so it
says what a web worker's breaker would make of Elasticsearch now, not what each worker holds.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kb.search.breaker import CLOSED, OPEN, elasticsearch_breaker
from kb.search.models import SearchDocument


def describe_circuit():
    """One line on the Elasticsearch circuit breaker (its state in this process only)."""
    breaker = elasticsearch_breaker
    state = breaker.state
    if state == CLOSED:
        return "Elasticsearch circuit (this process): closed, searches go to Elasticsearch"
    if state == OPEN:
        return (
            "Elasticsearch circuit (this process): OPEN, searches answer from the database "
            f"index for another {breaker.seconds_until_probe():.0f} s without asking "
            "Elasticsearch, then one search tries it again"
        )
    return (
        "Elasticsearch circuit (this process): half-open, the next search tries "
        "Elasticsearch again (the others answer from the database index meanwhile)"
    )


class Command(BaseCommand):
    help = (
        "Report the search backends' state: documents indexed, Elasticsearch reachable, and "
        "whether its circuit breaker is open (the breaker is per process)."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"Configured backend: {settings.KB_SEARCH_BACKEND}")
        self.stdout.write(f"Database index: {SearchDocument.objects.count()} documents")
        if settings.KB_SEARCH_BACKEND != "elasticsearch":
            return
        from kb.search.backends.elastic import ElasticsearchBackend

        backend = ElasticsearchBackend.from_settings()
        # The check always asks Elasticsearch, open circuit or not, and its answer counts as a
        # probe's would: success closes the circuit, failure opens it.
        before = elasticsearch_breaker.state
        try:
            health = backend.health()
        except Exception as error:
            elasticsearch_breaker.record_failure()
            raise CommandError(
                f"Elasticsearch at {settings.ELASTICSEARCH_URL} is not answering ({error}); "
                "searches fall back to the database index.\n" + describe_circuit()
            ) from None
        elasticsearch_breaker.record_success()
        self.stdout.write(
            f"Elasticsearch index {backend.index_name}: status {health['status']}, "
            f"{health['documents']} documents"
        )
        if before == CLOSED:
            self.stdout.write(describe_circuit())
        else:
            self.stdout.write(
                f"Elasticsearch circuit (this process): was {before}; this check reached "
                "Elasticsearch, so it is closed now"
            )
