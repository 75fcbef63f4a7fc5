"""The embedded search backend: SQLite FTS5 (PostgreSQL full-text in production).

FTS5 runs once per search, alone, with bm25 scoring in the same pass (Wagtail's database backend
re-runs MATCH per candidate row and per facet: see shared FACTS.md). Facets are then counted in
Python over the matched rows' facet values, which makes every count exact.
"""

from django.db import connection, transaction

from ..query import fts5_match
from ..results import (
    FACETS,
    MARK_END,
    MARK_START,
    Hit,
    SearchResult,
    count_and_filter,
    marked_to_html,
    order_rows,
)

# bm25 column weights: title, summary, body.
BM25_WEIGHTS = (10.0, 4.0, 1.0)
SNIPPET_TOKENS = 24
DOC = "kbsearch_searchdocument"
COLUMNS = "d.id, d.publication_date, d.kind, d.pathways, d.methods, d.specialties, d.region"


def _facets(row):
    return {
        "type": [row[2]],
        "pathway": row[3].split(),
        "method": row[4].split(),
        "specialty": row[5].split(),
        "region": [row[6]] if row[6] else [],
    }


def _tsquery(parsed):
    """A PostgreSQL tsquery: clauses ANDed, each an OR of phrases, all parameterised."""
    sql_clauses, params = [], []
    for clause in parsed.clauses:
        phrases = clause.phrases()
        sql_clauses.append(
            "(" + " || ".join(["phraseto_tsquery('english', %s)"] * len(phrases)) + ")"
        )
        params.extend(phrases)
    return " && ".join(sql_clauses), params


class DatabaseBackend:
    name = "database"

    @property
    def vendor(self):
        return connection.vendor

    # -- searching -------------------------------------------------------------------------
    def candidates(self, parsed):
        """(id, score, date, facets) for every document matching the query (all if none)."""
        with connection.cursor() as cursor:
            if parsed.is_empty:
                cursor.execute(f"SELECT {COLUMNS}, 0 FROM {DOC} d")  # noqa: S608
            elif self.vendor == "sqlite":
                weights = ", ".join(str(w) for w in BM25_WEIGHTS)
                # CROSS JOIN keeps FTS5 as the outer loop: one MATCH, then look-ups by id.
                cursor.execute(
                    f"SELECT {COLUMNS}, bm25(kbsearch_fts, {weights}) "  # noqa: S608
                    f"FROM kbsearch_fts CROSS JOIN {DOC} d ON d.id = kbsearch_fts.rowid "
                    "WHERE kbsearch_fts MATCH %s",
                    [fts5_match(parsed)],
                )
            elif self.vendor == "postgresql":
                tsquery, params = _tsquery(parsed)
                cursor.execute(
                    f"SELECT {COLUMNS}, -ts_rank_cd(d.search_vector, q.query) "  # noqa: S608
                    f"FROM {DOC} d, (SELECT {tsquery} AS query) q "
                    "WHERE d.search_vector @@ q.query",
                    params,
                )
            else:
                raise NotImplementedError(f"no full-text search for {self.vendor}")
            return [(row[0], row[7], row[1], _facets(row)) for row in cursor.fetchall()]

    def search(self, request):
        parsed = request.query
        rows = self.candidates(parsed)
        matching, counts = count_and_filter(rows, request.filters)
        ordered = order_rows(matching, request.sort, not parsed.is_empty)
        start = (request.page - 1) * request.page_size
        page_ids = [row[0] for row in ordered[start : start + request.page_size]]
        hits = self.hits(page_ids, parsed)
        return SearchResult(
            count=len(matching),
            hits=hits,
            facets={facet: counts[facet] for facet in FACETS},
            page=request.page,
            page_size=request.page_size,
            backend=self.name,
        )

    def hits(self, ids, parsed):
        if not ids:
            return []
        from ..models import SearchDocument

        documents = SearchDocument.objects.in_bulk(ids)
        snippets = self.snippets(ids, parsed) if not parsed.is_empty else {}
        hits = []
        for doc_id in ids:
            doc = documents[doc_id]
            highlight = snippets.get(doc_id) or marked_to_html(_shorten(doc.summary))
            hits.append(
                Hit(
                    id=doc.page_id,
                    slug=doc.slug,
                    title=doc.title,
                    url=doc.url,
                    type=doc.kind,
                    summary=doc.summary,
                    pathways=doc.pathways.split(),
                    methods=doc.methods.split(),
                    highlight=highlight,
                    publication_date=doc.publication_date,
                )
            )
        return hits

    def snippets(self, ids, parsed):
        """Safe HTML snippets with the matching words marked, summary first, then body."""
        placeholders = ", ".join(["%s"] * len(ids))
        with connection.cursor() as cursor:
            if self.vendor == "sqlite":
                cursor.execute(
                    f"SELECT rowid, snippet(kbsearch_fts, 1, %s, %s, '…', {SNIPPET_TOKENS}), "  # noqa: S608
                    f"snippet(kbsearch_fts, 2, %s, %s, '…', {SNIPPET_TOKENS}) "
                    f"FROM kbsearch_fts WHERE kbsearch_fts MATCH %s "
                    f"AND rowid IN ({placeholders})",
                    [MARK_START, MARK_END, MARK_START, MARK_END, fts5_match(parsed), *ids],
                )
            else:
                tsquery, params = _tsquery(parsed)
                options = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=35, MinWords=15"
                cursor.execute(
                    f"SELECT d.id, ts_headline('english', d.summary, q.query, %s), "  # noqa: S608
                    f"ts_headline('english', d.body, q.query, %s) "
                    f"FROM {DOC} d, (SELECT {tsquery} AS query) q WHERE d.id IN ({placeholders})",
                    [options, options, *params, *ids],
                )
            rows = cursor.fetchall()
        snippets = {}
        for doc_id, summary, body in rows:
            chosen = summary if MARK_START in (summary or "") else body
            if MARK_START not in (chosen or ""):
                chosen = summary
            snippets[doc_id] = marked_to_html(chosen)
        return snippets

    # -- indexing --------------------------------------------------------------------------
    def index(self, page, fields):
        """Create or replace the page's document and its full-text row."""
        from ..models import SearchDocument

        with transaction.atomic():
            document, _ = SearchDocument.objects.update_or_create(page=page, defaults=fields)
            self._write_fulltext(document)
        return document

    def _write_fulltext(self, document):
        body = _fulltext_body(document)
        with connection.cursor() as cursor:
            if self.vendor == "sqlite":
                cursor.execute("DELETE FROM kbsearch_fts WHERE rowid = %s", [document.id])
                cursor.execute(
                    "INSERT INTO kbsearch_fts (rowid, title, summary, body) "
                    "VALUES (%s, %s, %s, %s)",
                    [document.id, document.title, document.summary, body],
                )
            elif self.vendor == "postgresql":
                cursor.execute(
                    f"UPDATE {DOC} SET search_vector = "  # noqa: S608
                    "setweight(to_tsvector('english', %s), 'A') || "
                    "setweight(to_tsvector('english', %s), 'B') || "
                    "setweight(to_tsvector('english', %s), 'C') WHERE id = %s",
                    [document.title, document.summary, body, document.id],
                )

    def delete(self, page_id):
        """Remove a page's document; its full-text row goes with it (post_delete signal)."""
        from ..models import SearchDocument

        SearchDocument.objects.filter(page_id=page_id).delete()

    def delete_fulltext(self, document_id):
        if self.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM kbsearch_fts WHERE rowid = %s", [document_id])

    def clear(self):
        """Empty the index in two statements (no per-document signals)."""
        with transaction.atomic(), connection.cursor() as cursor:
            if self.vendor == "sqlite":
                cursor.execute("DELETE FROM kbsearch_fts")
            cursor.execute(f"DELETE FROM {DOC}")  # noqa: S608

    def bulk_index(self, pages_and_fields, batch_size=1000):
        """Index many documents at once (rebuilds and benchmarks): a few statements a batch."""
        from ..models import SearchDocument

        batch = []
        for page_id, fields in pages_and_fields:
            batch.append(SearchDocument(page_id=page_id, **fields))
            if len(batch) >= batch_size:
                self._bulk_write(batch)
                batch = []
        if batch:
            self._bulk_write(batch)

    def _bulk_write(self, documents):
        from ..models import SearchDocument

        with transaction.atomic():
            created = SearchDocument.objects.bulk_create(documents)
            if self.vendor == "sqlite" and created and created[0].id is None:
                # Older SQLite cannot return ids from a bulk insert: look them up.
                ids = dict(
                    SearchDocument.objects.filter(
                        page_id__in=[d.page_id for d in created]
                    ).values_list("page_id", "id")
                )
                for document in created:
                    document.id = ids[document.page_id]
            with connection.cursor() as cursor:
                if self.vendor == "sqlite":
                    cursor.executemany(
                        "INSERT INTO kbsearch_fts (rowid, title, summary, body) "
                        "VALUES (%s, %s, %s, %s)",
                        [(d.id, d.title, d.summary, _fulltext_body(d)) for d in created],
                    )
                else:
                    for document in created:
                        self._write_fulltext(document)

    def optimise(self):
        """After bulk writes: merge FTS segments and refresh the planner's statistics."""
        with connection.cursor() as cursor:
            if self.vendor == "sqlite":
                cursor.execute("INSERT INTO kbsearch_fts (kbsearch_fts) VALUES ('optimize')")
                cursor.execute("ANALYZE")
                cursor.execute("PRAGMA optimize")
            elif self.vendor == "postgresql":
                cursor.execute(f"ANALYZE {DOC}")


def _fulltext_body(document):
    """Body, organisation and measures share the lowest-weighted full-text column."""
    return " ".join(filter(None, [document.body, document.organisation, document.measures]))


def _shorten(text, limit=300):
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
