"""The search backend at scale: Elasticsearch through its DSL (elasticsearch.dsl).

The index definition lives here, apart from the page models: keyword fields for the facets,
an English analyser for indexing and, at search time, the same analyser with a synonym graph
built from the vocabularies and synonym groups. Facet counts use one filter aggregation per
facet that applies every other facet's filter, and the results use a post_filter, so counts are
exact multi-select counts, as in the database backend. Short timeouts and no retries: when
Elasticsearch is down or slow the service falls back to the database backend.

Versioned indexes behind an alias (docs/elasticsearch.md): the configured name
(KB_ELASTICSEARCH_INDEX) is an alias, and every read and incremental write goes through it. A
rebuild makes a new index, `<alias>-<UTC timestamp>`, loads and refreshes it, then moves the alias
to it in one atomic `POST _aliases` (remove the old index, add the new) and deletes the old index;
searches never see a half-built index. If the build fails, the alias is left as it was and the
new index is deleted.
"""

import contextlib
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

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

logger = logging.getLogger(__name__)

SEARCH_FIELDS = ["title^3", "summary^2", "body", "organisation^1.5", "measures"]
MAX_FACET_VALUES = 200
# Creating an index, loading it and deleting one take longer than a search may: the reindex
# and health requests get this timeout (seconds) instead of ELASTICSEARCH_TIMEOUT.
ADMIN_TIMEOUT = 120


class ReindexError(Exception):
    """A rebuild failed: the alias still points where it did and the new index was deleted."""


def versioned_index_name(alias, now=None):
    """The name of a new index behind the alias: `<alias>-<UTC date>-<time>-<microseconds>`."""
    now = now or datetime.now(UTC)
    return f"{alias}-{now:%Y%m%d-%H%M%S-%f}"


def is_versioned_index(alias, name):
    """Is this one of the alias's versioned indexes (and not, say, another alias's)?"""
    return re.fullmatch(re.escape(alias) + r"-\d{8}-\d{6}-\d{6}", name) is not None


@dataclass
class AliasState:
    """What the configured name is on the cluster.

    kind is "alias" (indexes: the indexes behind it), "index" (a concrete index by that name,
    made before versioned indexes; indexes: [that name]) or "missing" (nothing yet).
    """

    kind: str
    indexes: list = field(default_factory=list)


def switch_actions(alias, new_index, state):
    """The actions of the one `POST _aliases` that points the alias at the new index.

    All of them apply together or none does. A concrete index by the alias's name (from before
    versioned indexes) goes by `remove_index` in the same call, so the name is never missing.
    """
    if state.kind == "index":
        actions = [{"remove_index": {"index": alias}}]
    else:
        actions = [
            {"remove": {"index": name, "alias": alias}}
            for name in state.indexes
            if name != new_index
        ]
    actions.append({"add": {"index": new_index, "alias": alias}})
    return actions


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
    """Searches and writes go through index_name, an alias; rebuild() moves the alias."""

    name = "elasticsearch"

    def __init__(self, url, index_name, timeout, shards=1, replicas=0):
        self.url = url
        self.index_name = index_name  # the alias
        self.timeout = timeout
        self.shards = shards
        self.replicas = replicas
        self._client = None

    @classmethod
    def from_settings(cls):
        return cls(
            settings.ELASTICSEARCH_URL,
            getattr(settings, "KB_ELASTICSEARCH_INDEX", "kb-content"),
            settings.ELASTICSEARCH_TIMEOUT,
            shards=getattr(settings, "KB_ELASTICSEARCH_SHARDS", 1),
            replicas=getattr(settings, "KB_ELASTICSEARCH_REPLICAS", 0),
        )

    @property
    def alias(self):
        return self.index_name

    @property
    def client(self):
        if self._client is None:
            from elasticsearch import Elasticsearch

            self._client = Elasticsearch(
                self.url, request_timeout=self.timeout, max_retries=0, retry_on_timeout=False
            )
        return self._client

    @property
    def admin(self):
        """The client with the longer timeout for building, switching and checking indexes."""
        return self.client.options(request_timeout=max(self.timeout, ADMIN_TIMEOUT))

    def document_class(self, groups=None):
        return document_class(self.index_name, synonym_groups() if groups is None else groups)

    def index_definition(self, groups=None):
        """The settings and mappings the index is created with (what tests check)."""
        index = Index(self.index_name)
        index.settings(number_of_shards=self.shards, number_of_replicas=self.replicas)
        index.document(self.document_class(groups))
        return index.to_dict()

    def search(self, request, raw_query=""):
        response = build_search(request, raw_query, self.index_name, using=self.client).execute()
        return parse_response(response, request)

    def index(self, page, fields):
        # Through the alias, into whichever index it points at. require_alias: with no alias
        # yet (never reindexed) this fails, to be logged, rather than auto-creating a concrete
        # index with guessed mappings under the alias's name.
        self.client.index(
            index=self.alias,
            id=str(page.pk),
            document=as_source(page.pk, fields),
            require_alias=True,
        )

    def delete(self, page_id):
        from elasticsearch import NotFoundError

        with contextlib.suppress(NotFoundError):  # already gone, or no index yet, is fine
            self.client.delete(index=self.alias, id=str(page_id))

    def alias_state(self, client=None):
        """What the alias's name is on the cluster now (an AliasState)."""
        from elasticsearch import NotFoundError

        client = client or self.admin
        try:
            answer = client.indices.get_alias(name=self.alias)
        except NotFoundError:
            # No alias by that name: a concrete index from an older deployment, or nothing.
            if client.indices.exists(index=self.alias):
                return AliasState("index", [self.alias])
            return AliasState("missing")
        return AliasState("alias", sorted(answer.body))

    def rebuild(self, documents, groups=None):
        """Build a new versioned index, switch the alias to it atomically, delete the old one.

        Searches keep answering from the old index until the switch. If anything fails before
        the switch has happened, the alias is untouched, the new index is deleted and
        ReindexError is raised. Returns (new index, old indexes deleted).
        """
        from elasticsearch.helpers import bulk

        admin = self.admin
        body = self.index_definition(groups)
        new_index = versioned_index_name(self.alias)
        switching = False
        try:
            admin.indices.create(index=new_index, **body)
            actions = (
                {"_index": new_index, "_id": str(page.pk), "_source": as_source(page.pk, f)}
                for page, f in documents
            )
            bulk(admin, actions)  # raises on the first failed document
            admin.indices.refresh(index=new_index)  # every document searchable before the switch
            # Read just before the switch: if another rebuild moved the alias meanwhile, the
            # remove action names an index no longer behind it and the whole call fails.
            state = self.alias_state(admin)
            switching = True
            admin.indices.update_aliases(actions=switch_actions(self.alias, new_index, state))
        except Exception as error:
            moved = self._points_to(admin, new_index) if switching else False
            if moved is False:
                self._discard(admin, new_index)
                raise ReindexError(
                    f"building {new_index} failed, so {self.alias} still points where it did "
                    f"and {new_index} was deleted: {error}"
                ) from error
            if moved is None:  # the switch's answer was lost and the alias cannot be read
                raise ReindexError(
                    f"the switch of {self.alias} to {new_index} did not answer ({error}) and "
                    "the alias cannot be read: check `kb_search_health` before deleting "
                    f"{new_index} or reindexing"
                ) from error
            # The answer was an error (a timeout) but the switch took effect: carry on.
            logger.warning("The switch of %s reported %s but took effect", self.alias, error)
        old = [name for name in state.indexes if name != new_index and state.kind == "alias"]
        for name in old:
            try:
                admin.indices.delete(index=name)
            except Exception as error:  # the switch is done; the old index only takes space
                logger.warning("Could not delete the old search index %s: %s", name, error)
        logger.info(
            "Search alias %s now points to %s (was %s)", self.alias, new_index, state.indexes
        )
        return new_index, old

    def _points_to(self, admin, index):
        """Does the alias point at index now? None when that cannot be read."""
        try:
            state = self.alias_state(admin)
        except Exception:
            return None
        return state.kind == "alias" and index in state.indexes

    def _discard(self, admin, name):
        try:
            admin.indices.delete(index=name, ignore_unavailable=True)
        except Exception as error:
            logger.warning(
                "Could not delete the half-built search index %s (delete it by hand): %s",
                name,
                error,
            )

    def health(self):
        """Cluster status, the alias and what it points to, its documents and stray indexes.

        status is the health of the index behind the alias (None when there is none) and
        cluster_status that of the whole cluster; strays are versioned indexes not behind the
        alias (a failed clean-up, or a rebuild running now).
        """
        admin = self.admin
        cluster = admin.cluster.health().body
        state = self.alias_state(admin)
        report = {
            "cluster_name": cluster.get("cluster_name"),
            "cluster_status": cluster["status"],
            "nodes": cluster.get("number_of_nodes"),
            "unassigned_shards": cluster.get("unassigned_shards"),
            "alias": self.alias,
            "kind": state.kind,
            "indexes": state.indexes,
            "status": None,
            "documents": None,
        }
        if state.kind != "missing":
            report["status"] = admin.cluster.health(index=self.alias)["status"]
            report["documents"] = admin.count(index=self.alias)["count"]
        versioned = admin.indices.get_alias(index=f"{self.alias}-*")
        report["strays"] = sorted(
            name
            for name in versioned.body
            if is_versioned_index(self.alias, name) and name not in state.indexes
        )
        return report
