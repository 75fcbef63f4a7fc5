"""python manage.py kb_search_health: is search working, and on which backend?

The Elasticsearch circuit breaker is per process: this command reports (and feeds with its own
check) the breaker of the process it runs in. Run from a shell, that is a fresh process, so it
says what a web worker's breaker would make of Elasticsearch now, not what each worker holds.

It exits non-zero (for monitoring) when Elasticsearch is configured and does not answer, has no
index behind the alias yet, or reports status red for the cluster or the index.
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
        "Report the search backends' state: documents indexed, Elasticsearch reachable, its "
        "cluster status, the alias and the index behind it, and whether its circuit breaker is "
        "open (the breaker is per process). Exits non-zero when Elasticsearch is configured and "
        "unreachable, has no index, or is red."
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
        if health.get("kind") == "missing":
            # Reachable, but a search would fail as surely as if it were not.
            elasticsearch_breaker.record_failure()
            raise CommandError(
                f"Elasticsearch at {settings.ELASTICSEARCH_URL} answers, but has no index or "
                f"alias {backend.index_name}: run `python manage.py kb_reindex`. Searches fall "
                "back to the database index meanwhile.\n" + describe_circuit()
            )
        elasticsearch_breaker.record_success()
        self.report(backend, health)
        if before == CLOSED:
            self.stdout.write(describe_circuit())
        else:
            self.stdout.write(
                f"Elasticsearch circuit (this process): was {before}; this check reached "
                "Elasticsearch, so it is closed now"
            )
        red = [
            what
            for what, status in (
                ("cluster", health.get("cluster_status")),
                (f"index {backend.index_name}", health.get("status")),
            )
            if status == "red"
        ]
        if red:
            raise CommandError(
                f"Elasticsearch {' and '.join(red)} status red: some primary shards are not "
                "allocated, so searches may fail or miss documents (they fall back to the "
                "database index when they fail)."
            )

    def report(self, backend, health):
        if "cluster_status" in health:
            self.stdout.write(
                f"Elasticsearch cluster {health.get('cluster_name') or '?'}: status "
                f"{health['cluster_status']}, {health.get('nodes')} nodes, "
                f"{health.get('unassigned_shards')} unassigned shards"
            )
        where = ""
        if health.get("kind") == "alias":
            where = f" (alias of {', '.join(health['indexes'])})"
        elif health.get("kind") == "index":
            where = " (a concrete index, not an alias)"
        self.stdout.write(
            f"Elasticsearch index {backend.index_name}{where}: status {health['status']}, "
            f"{health['documents']} documents"
        )
        if health.get("kind") == "index":
            self.stdout.write(
                self.style.WARNING(
                    f"{backend.index_name} was made before versioned indexes: the next "
                    "`kb_reindex` replaces it with an alias of the same name"
                )
            )
        if health.get("strays"):
            self.stdout.write(
                self.style.WARNING(
                    "Indexes not behind the alias (a reindex running now, or one that could not "
                    f"clean up; delete them when none runs): {', '.join(health['strays'])}"
                )
            )
