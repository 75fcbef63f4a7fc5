"""search_documents(): the one entry point the HTML page and the JSON API share.

Reads the request parameters, expands the query with synonyms, asks the configured backend,
and falls back to the database backend (with a notice) when Elasticsearch is down or slow; after
a failure, a circuit breaker (breaker.py) keeps searches off Elasticsearch for a cool-off.
"""

import logging
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import CharField, Value

from .breaker import elasticsearch_breaker
from .facets import facet_names, facets
from .query import clean_text, parse_query
from .results import PAGE_SIZE, SORTS, SearchRequest
from .synonyms import forget_synonyms, synonym_index

__all__ = ["forget_synonyms", "search_documents"]

logger = logging.getLogger(__name__)

MAX_PAGE = 1000
# ASCII digits only: str.isdigit() also accepts "²", "①" and "٣", which int() refuses or reads.
_PAGE_NUMBER = re.compile(r"[0-9]{1,9}")
MAX_VALUES_PER_FACET = 20


class BadSearchRequest(ValueError):
    """Parameters no reader could have meant (a page number of -3): a 400, never a 500."""


@dataclass
class SearchParams:
    """The validated state of a search, as in the URL."""

    q: str = ""
    filters: dict = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    ignored: list = field(default_factory=list)  # filter values that are not known slugs
    match_any: bool = False  # any word may match (suggestions), not every word (search)

    def querystring(self, **changes):
        from django.http import QueryDict

        query = QueryDict(mutable=True)
        values = {"q": self.q, "sort": self.sort, **changes}
        if values.get("q"):
            query["q"] = values["q"]
        for facet in facet_names():
            selected = changes.get(facet, self.filters.get(facet, set()))
            for value in sorted(selected):
                query.appendlist(facet, value)
        if values.get("sort") and values["sort"] != "relevance":
            query["sort"] = values["sort"]
        if changes.get("page", 1) != 1:
            query["page"] = str(changes["page"])
        return query.urlencode()


def known_values():
    """facet -> {slug: name} for every facet, from its vocabulary: one statement for them all
    (every search reads them, and on a database server each statement is a round trip)."""
    values = {facet.name: {} for facet in facets()}
    queries = [
        facet.vocabulary_model()
        .objects.order_by()
        .annotate(facet=Value(facet.name, output_field=CharField()))
        .values_list("slug", "name", "facet")
        for facet in facets()
    ]
    if queries:
        for slug, name, facet in queries[0].union(*queries[1:], all=True):
            values[facet][slug] = name
    return values


def read_params(query_dict, vocabulary=None):
    """Validate GET parameters. Unknown filter values are ignored (and reported back)."""
    vocabulary = vocabulary or known_values()
    params = SearchParams(q=(query_dict.get("q") or "")[:2000])
    for facet in facet_names():
        values = set()
        for value in query_dict.getlist(facet)[:MAX_VALUES_PER_FACET]:
            value = value.strip()
            if value in vocabulary[facet]:
                values.add(value)
            elif clean_text(value):  # reported back cleaned: no control or bidi characters
                params.ignored.append((facet, clean_text(value)[:80]))
        if values:
            params.filters[facet] = values
    sort = (query_dict.get("sort") or "").strip() or "relevance"
    if sort not in SORTS:
        raise BadSearchRequest(f"sort must be one of: {', '.join(SORTS)}")
    params.sort = sort
    params.page = read_page(query_dict.get("page"))
    return params


def read_page(raw):
    """The page number: 1 when absent or blank, else 1 to MAX_PAGE in ASCII digits, else 400."""
    raw = (raw or "").strip()
    if not raw:
        return 1
    if not _PAGE_NUMBER.fullmatch(raw) or not 1 <= int(raw) <= MAX_PAGE:
        raise BadSearchRequest(f"page must be a whole number from 1 to {MAX_PAGE}")
    return int(raw)


REDUCED_MODE_NOTICE = (
    "Search is running in a reduced mode at the moment. Results are complete but "
    "may be ordered a little differently."
)


def _search_elasticsearch(backend, request, parsed):
    """Elasticsearch's result, or None to answer from the database index.

    Behind the circuit breaker: after a failure or timeout, searches skip Elasticsearch for the
    cool-off instead of each waiting out the timeout; then one probe tries it again.
    """
    if not elasticsearch_breaker.allow():
        logger.debug("Elasticsearch circuit open: answering from the database index")
        return None
    try:
        result = backend.search(request, raw_query=parsed.text)
    except Exception as error:  # any failure to reach or parse Elasticsearch
        elasticsearch_breaker.record_failure()
        logger.warning(
            "Elasticsearch search failed, using the database backend for %g s: %s",
            elasticsearch_breaker.cooloff,
            error,
        )
        return None
    elasticsearch_breaker.record_success()
    return result


def search_documents(params, page_size=PAGE_SIZE):
    """Run a search; returns (SearchResult, ParsedQuery)."""
    from .backends.database import DatabaseBackend
    from .indexing import external_backend

    parsed = parse_query(params.q, synonym_index())
    parsed.match_any = params.match_any
    request = SearchRequest(
        query=parsed, filters=params.filters, sort=params.sort, page=params.page,
        page_size=page_size,
    )  # fmt: skip
    notices = []
    if parsed.truncated:
        notices.append("Your search was very long, so only its first 200 characters were used.")
    if params.ignored:
        names = ", ".join(value for _, value in params.ignored)
        notices.append(f"Some filters were not recognised and were ignored: {names}.")
    result = None
    backend = external_backend()
    if backend is not None:
        result = _search_elasticsearch(backend, request, parsed)
        if result is None:
            notices.append(REDUCED_MODE_NOTICE)
    if result is None:
        result = DatabaseBackend().search(request)
    result.notices = notices + result.notices
    return result, parsed


def is_elasticsearch_configured():
    return settings.KB_SEARCH_BACKEND == "elasticsearch"
