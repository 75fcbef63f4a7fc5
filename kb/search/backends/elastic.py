"""The search backend at scale: Elasticsearch through its DSL (elasticsearch.dsl).

The index definition lives here, apart from the page models: keyword fields for the facets,
an English analyser for indexing and, at search time, the same analyser with a synonym graph
built from the vocabularies and synonym groups. Facet counts use one filter aggregation per
facet that applies every other facet's filter, and the results use a post_filter, so counts are
exact multi-select counts, as in the database backend. Short timeouts and no retries: when
Elasticsearch is down or slow the service falls back to the database backend.
"""

import contextlib

from django.conf import settings
from elasticsearch.dsl import (
    Date,
    Document,
    Index,
    Integer,
    Keyword,
    Object,
    Q,
    Search,
    Text,
    analyzer,
    token_filter,
)

from ..facets import facet_names
from ..results import MARK_END, MARK_START, Hit, SearchResult, marked_to_html
from ..synonyms import synonym_groups

SEARCH_FIELDS = ["title^3", "summary^2", "body", "organisation^1.5", "measures"]
MAX_FACET_VALUES = 200


def solr_synonyms(groups):
    """Synonym groups as Solr-format rules ("a&e, ed, emergency department")."""
    rules = []
    for group in groups:
        cleaned = [term.replace(",", " ").replace("=>", " ").strip() for term in group]
        cleaned = [term for term in dict.fromkeys(cleaned) if term]
        if len(cleaned) > 1:
            rules.append(", ".join(cleaned))
    return rules


def analysers(groups):
    """(index analyser, search analyser): English stemming, plus synonyms when searching."""
    possessive = token_filter("kb_possessive", type="stemmer", language="possessive_english")
    stemmer = token_filter("kb_stemmer", type="stemmer", language="english")
    synonyms = token_filter(
        "kb_synonyms", type="synonym_graph", synonyms=solr_synonyms(groups), lenient=True
    )
    index_analyser = analyzer(
        "kb_english",
        tokenizer="standard",
        filter=[possessive, "lowercase", "asciifolding", stemmer],
    )
    search_analyser = analyzer(
        "kb_english_synonyms",
        tokenizer="standard",
        filter=[possessive, "lowercase", "asciifolding", synonyms, stemmer],
    )
    return index_analyser, search_analyser


def document_class(index_name, groups):
    """The index's Document class, built for the synonym groups in force."""
    index_analyser, search_analyser = analysers(groups)

    def text():
        return Text(analyzer=index_analyser, search_analyzer=search_analyser)

    class KnowledgeDocument(Document):
        page_id = Integer()
        kind = Keyword()
        slug = Keyword()
        url = Keyword(index=False)
        title = text()
        summary = text()
        body = text()
        organisation = text()
        measures = text()
        publication_date = Date()
        # One keyword field a facet, from the facet registry in force when the index is made.
        facets = Object(properties={name: Keyword() for name in facet_names()})
        signal = Keyword()

        class Index:
            name = index_name

    return KnowledgeDocument


def as_source(page_id, fields):
    """A SearchDocument's fields in the shape of the Elasticsearch document."""
    return {
        "page_id": page_id,
        "kind": fields["kind"],
        "slug": fields["slug"],
        "url": fields["url"],
        "title": fields["title"],
        "summary": fields["summary"],
        "body": fields["body"],
        "organisation": fields["organisation"],
        "measures": fields["measures"],
        "publication_date": fields["publication_date"],
        "facets": {name: list(fields["facets"].get(name, [])) for name in facet_names()},
        "signal": fields.get("signal", ""),
    }


def facet_field(facet):
    return f"facets.{facet}"


def _facet_filter(facet, values):
    return Q("terms", **{facet_field(facet): sorted(values)})


def build_search(request, raw_query, index_name, using=None):
    """The Search (query, post_filter, aggregations, highlight, sort, paging) for a request."""
    search = Search(index=index_name, using=using) if using else Search(index=index_name)
    text = " ".join(raw_query.replace('"', " ").split())
    if request.query.is_empty or not text:
        search = search.query("match_all")
    else:
        search = search.query(
            "multi_match",
            query=text,
            fields=SEARCH_FIELDS,
            type="cross_fields",
            operator="or" if request.query.match_any else "and",
        )
    active = {facet: values for facet, values in request.filters.items() if values}
    if active:
        search = search.post_filter(
            Q("bool", filter=[_facet_filter(f, v) for f, v in sorted(active.items())])
        )
    for facet in facet_names():
        others = [_facet_filter(f, v) for f, v in sorted(active.items()) if f != facet]
        bucket = search.aggs.bucket(f"{facet}_filtered", "filter", filter=Q("bool", filter=others))
        bucket.bucket(facet, "terms", field=facet_field(facet), size=MAX_FACET_VALUES)
    if request.sort == "date" or request.query.is_empty:
        search = search.sort({"publication_date": {"order": "desc"}}, "page_id")
    else:
        search = search.sort("_score", {"publication_date": {"order": "desc"}})
    search = (
        search.highlight_options(
            pre_tags=[MARK_START], post_tags=[MARK_END], number_of_fragments=1, fragment_size=180
        )
        .highlight("summary", no_match_size=240)
        .highlight("body")
    )
    start = (request.page - 1) * request.page_size
    search = search.extra(track_total_hits=True, from_=start, size=request.page_size)
    return search


def _hit_facet(hit, name):
    values = getattr(getattr(hit, "facets", None), name, None) or []
    return [values] if isinstance(values, str) else list(values)


def parse_response(response, request):
    hits = []
    for hit in response.hits:
        fragments = getattr(hit.meta, "highlight", None)
        summary_marks = list(getattr(fragments, "summary", []) or []) if fragments else []
        body_marks = list(getattr(fragments, "body", []) or []) if fragments else []
        chosen = next((f for f in summary_marks if MARK_START in f), None)
        chosen = chosen or (body_marks[0] if body_marks else None)
        chosen = chosen or (summary_marks[0] if summary_marks else hit.summary)
        date = getattr(hit, "publication_date", None)
        hits.append(
            Hit(
                id=hit.page_id,
                slug=hit.slug,
                title=hit.title,
                url=hit.url,
                type=hit.kind,
                summary=hit.summary,
                pathways=_hit_facet(hit, "pathway"),
                methods=_hit_facet(hit, "method"),
                highlight=marked_to_html(chosen),
                publication_date=date.date() if hasattr(date, "date") else date,
                signal=getattr(hit, "signal", "") or "",
            )
        )
    facets = {}
    for facet in facet_names():
        buckets = response.aggregations[f"{facet}_filtered"][facet].buckets
        facets[facet] = {bucket.key: bucket.doc_count for bucket in buckets}
    return SearchResult(
        count=response.hits.total.value,
        hits=hits,
        facets=facets,
        page=request.page,
        page_size=request.page_size,
        backend="elasticsearch",
    )


class ElasticsearchBackend:
    name = "elasticsearch"

    def __init__(self, url, index_name, timeout):
        self.url = url
        self.index_name = index_name
        self.timeout = timeout
        self._client = None

    @classmethod
    def from_settings(cls):
        return cls(
            settings.ELASTICSEARCH_URL,
            getattr(settings, "KB_ELASTICSEARCH_INDEX", "kb-content"),
            settings.ELASTICSEARCH_TIMEOUT,
        )

    @property
    def client(self):
        if self._client is None:
            from elasticsearch import Elasticsearch

            self._client = Elasticsearch(
                self.url, request_timeout=self.timeout, max_retries=0, retry_on_timeout=False
            )
        return self._client

    def document_class(self, groups=None):
        return document_class(self.index_name, synonym_groups() if groups is None else groups)

    def index_definition(self, groups=None):
        """The settings and mappings the index is created with (what tests check)."""
        index = Index(self.index_name)
        index.settings(number_of_shards=1, number_of_replicas=0)
        index.document(self.document_class(groups))
        return index.to_dict()

    def search(self, request, raw_query=""):
        response = build_search(request, raw_query, self.index_name, using=self.client).execute()
        return parse_response(response, request)

    def index(self, page, fields):
        self.client.index(
            index=self.index_name, id=str(page.pk), document=as_source(page.pk, fields)
        )

    def delete(self, page_id):
        from elasticsearch import NotFoundError

        with contextlib.suppress(NotFoundError):  # already gone is fine
            self.client.delete(index=self.index_name, id=str(page_id))

    def rebuild(self, documents, groups=None):
        """Recreate the index (new synonyms take effect) and load every document."""
        from elasticsearch.helpers import bulk

        body = self.index_definition(groups)
        self.client.indices.delete(index=self.index_name, ignore_unavailable=True)
        self.client.indices.create(index=self.index_name, **body)
        actions = (
            {"_index": self.index_name, "_id": str(page.pk), "_source": as_source(page.pk, f)}
            for page, f in documents
        )
        bulk(self.client, actions, refresh=True)

    def health(self):
        info = self.client.cluster.health(index=self.index_name)
        count = self.client.count(index=self.index_name)["count"]
        return {"status": info["status"], "documents": count}
