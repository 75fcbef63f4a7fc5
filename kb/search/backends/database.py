"""The embedded search backend: SQLite FTS5 (PostgreSQL full-text in production).

Wagtail's database backend re-runs MATCH per candidate row and per facet (shared FACTS.md), so
this backend keeps its own index and does each search in three cheap steps:

1. one MATCH without ranking gives the set of matching documents;
2. facet counts are set algebra over per-value document sets held in memory as integers
   (kb/search/bitsets.py), kept current by applying the index's changes since the last search
   (see "the in-memory facet sets" below);
3. only the page of results being shown is ranked: FTS5 orders by bm25 the documents that match
   the words and the selected facets, which it knows as tokens in a hidden column.

On PostgreSQL steps 1 and 3 are one statement (see `_ranked_matches`): every match's id, and the
page of them in relevance order, from one pass over the matching rows; see
docs/search-postgresql.md for the measurements behind each choice made there.
"""

import json
import re
import uuid
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import Max

from ..bitsets import FacetIndex, bitset, first_members
from ..facets import facet_names
from ..query import fts5_match
from ..results import MARK_END, MARK_START, Hit, SearchResult, marked_to_html

# bm25 column weights: title, summary, body; the facet-token column never scores. The same
# weights are the FTS5 table's configured rank (migration 0002), but calling bm25() directly
# gives the same order without the rank indirection: 1.3 to 1.6 times faster on common words.
RANK = "bm25(10.0, 4.0, 1.0, 0.0)"
BM25 = RANK.replace("bm25(", "bm25(kbsearch_fts, ")
SNIPPET_TOKENS = 24
# What a hit shows of its document (`hits`); the body, organisation and measures only match.
HIT_FIELDS = ("page", "slug", "title", "url", "kind", "summary", "facets", "publication_date",
              "signal")  # fmt: skip
DOC = "kbsearch_searchdocument"
_FACET_INDEXES = {}  # database alias -> FacetIndex
# A process this many changes behind rebuilds rather than catching up; the log keeps more
# than that, pruned now and then, so a process further behind finds its last change gone.
MAX_CATCH_UP = 5_000
LOG_KEEP = 10_000
PRUNE_EVERY = 500


def facet_token(facet, slug):
    """The hidden full-text token for a facet value: one word that no prose contains."""
    return f"zz{facet[:2]}{slug.replace('-', '')}"


def facet_tokens(document):
    return " ".join(
        facet_token(facet, slug)
        for facet, slugs in sorted((document.facets or {}).items())
        for slug in slugs
    )


def _facet_json(value):
    """A document's facets as read straight from the database: JSON text on SQLite."""
    if isinstance(value, str):
        value = json.loads(value)
    return value or {}


def fts5_facet_filter(filters):
    """' AND facets : (...)' for each facet with selected values."""
    parts = []
    for facet in facet_names():
        slugs = sorted(filters.get(facet) or ())
        if slugs:
            tokens = " OR ".join(f'"{facet_token(facet, slug)}"' for slug in slugs)
            parts.append(f"facets : ({tokens})")
    return parts


# PostgreSQL's text search configuration (migration 0009): `english` with a stemmer that keeps
# stop words, as FTS5's porter tokenizer does, so that the phrases of synonym groups match
# exactly ("A&E" is a <-> e, "did not attend" all three words, not the bare `e` and `attend`).
PG_CONFIG = "kb_english"
# A document's weighted vector, computed from its own columns: title A, summary B, body C (with
# organisation and measures, as _fulltext_body joins them). Migration 0009 uses the same.
PG_VECTOR = (
    f"setweight(to_tsvector('{PG_CONFIG}', title), 'A') || "
    f"setweight(to_tsvector('{PG_CONFIG}', summary), 'B') || "
    f"setweight(to_tsvector('{PG_CONFIG}', concat_ws(' ', nullif(body, ''), "
    "nullif(organisation, ''), nullif(measures, ''))), 'C')"
)
# The title and summary alone (migration 0010), weighted as in PG_VECTOR: a few hundred bytes
# where the whole vector is several KB, so ranking can read it for every match (see
# `_ranked_matches`) and read the whole vector only for the few that can reach the page.
PG_HEAD = (
    f"setweight(to_tsvector('{PG_CONFIG}', title), 'A') || "
    f"setweight(to_tsvector('{PG_CONFIG}', summary), 'B')"
)
# Synonym phrases as single words (migration 0011, docs/search-postgresql.md). GIN stores no
# positions, so a phrase query ('same' <-> 'day' <-> 'emerg' <-> 'care') is checked against the
# whole vector of every document holding all its words, and a query with any phrase in it has
# every candidate checked. So each phrase of a synonym group is registered here, and each
# document's vector also carries one lexeme per registered phrase it contains: the phrase's
# lexemes joined by spaces ('same day emerg care'), which no text ever yields, since the
# parser splits words at spaces. A search asks the index for that lexeme instead, exactly and
# with no check, once the phrase is `complete` (every document carries its token).
PHRASES = "kbsearch_phrase"
PHRASE_TOKEN_MAX = 255
# The whole vector with its phrase tokens: what search_vector holds. OFFSET 0 keeps the inner
# SELECT whole: without it PostgreSQL folds the vector's expression into the test of every
# phrase, and parsed the document's text once per phrase (74 ms a document, not 5).
PG_VECTOR_WITH_PHRASES = (
    "(SELECT v || array_to_tsvector(ARRAY(SELECT p.token "  # noqa: S608
    f"FROM {PHRASES} p WHERE v @@ p.query)) "
    f"FROM (SELECT {PG_VECTOR} AS v OFFSET 0) vector)"
)
PG_VECTORS = f"search_vector = {PG_VECTOR_WITH_PHRASES}, head_vector = {PG_HEAD}"


def _head_rank(query):
    """The first key of PostgreSQL's relevance order: ts_rank over the title and summary,
    divided by 1 + the log of their length (normalisation 1). Ranking and its reference
    (`_ranked_matches`, `ranked`) both order by it, after testing `head_vector @@ query`.

    ts_rank (word frequency, weights and nearness), not the cover density of ts_rank_cd: it
    is computed for every title-and-summary match, and for a query of synonym phrases
    ts_rank_cd cost about 7 microseconds a row against under one (at 100k, 60 ms of a
    search for SDEC's 9,000 such matches)."""
    return f"ts_rank(d.head_vector, {query}, 1)"


# Each phrase's tsquery under PG_CONFIG, as PostgreSQL's phraseto_tsquery gives it: a pure
# function of the phrase, kept so that a search asks the server only for phrases it has not
# stemmed before (synonym groups bring the same few hundred again and again).
_STEMMED = {}
_STEMMED_KEEP = 20_000
_LEXEME = r"'(?:[^']|'')+'"
_CHAIN = re.compile(rf"{_LEXEME}(?: <-> {_LEXEME})*")


def _stemmed(phrases):
    """The tsquery text of each phrase ('a' <-> 'e' for "A&E"), in order."""
    known = {phrase: _STEMMED.get(phrase) for phrase in phrases}
    missing = [phrase for phrase, stemmed in known.items() if stemmed is None]
    if missing:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT p, phraseto_tsquery('{PG_CONFIG}', p)::text "  # noqa: S608
                "FROM unnest(%s::text[]) p",
                [missing],
            )
            rows = cursor.fetchall()
        known.update(rows)
        if len(_STEMMED) + len(rows) > _STEMMED_KEEP:
            _STEMMED.clear()  # (another thread's search still has its own `known`)
        _STEMMED.update(rows)
    return [known[phrase] for phrase in phrases]


def _lexemes(stemmed):
    """A phrase's lexemes in order, or None unless it is a plain chain ('a' <-> 'b' <-> ...)."""
    if not _CHAIN.fullmatch(stemmed):
        return None
    return tuple(re.findall(_LEXEME, stemmed))


def _implies(longer, shorter):
    """Whether every document matching the phrase `longer` matches `shorter`: true when
    shorter's lexemes appear, in order and adjacent, inside longer's."""
    size = len(shorter)
    return size < len(longer) and any(
        longer[start : start + size] == shorter for start in range(len(longer) - size + 1)
    )


def _alternatives(stemmed):
    """One clause's phrases with the same match as all of them: a phrase that stems like an
    earlier one ("emergency department", "emergency departments") is dropped, and so is one
    that contains another ("ambulance handover" beside "handover", "waiting times" beside
    "waiting"), since every document it matches, the shorter one matches too."""
    unique = [text for text in dict.fromkeys(stemmed) if text]
    chains = {text: _lexemes(text) for text in unique}
    return [
        text
        for text in unique
        if chains[text] is None
        or not any(
            chains[other] is not None and _implies(chains[text], chains[other]) for other in unique
        )
    ]


def phrase_token(stemmed):
    """The lexeme standing for a stemmed phrase of two or more words in documents' vectors
    ('same day emerg care' for 'same' <-> 'day' <-> 'emerg' <-> 'care'), or None for one
    that keeps its phrase check: a single word, anything but a plain chain, a lexeme with a
    quote or backslash in it (no escaping to get wrong), or a very long phrase."""
    lexemes = _lexemes(stemmed) or ()
    words = [lexeme[1:-1] for lexeme in lexemes]
    if len(words) < 2 or any(set(word) & {"'", "\\", " "} for word in words):
        return None
    token = " ".join(words)
    return token if len(token.encode()) <= PHRASE_TOKEN_MAX else None


def _tsquery_texts(parsed):
    """A parsed query as tsquery text twice, and the phrase tokens the second uses: clauses
    ANDed (ORed with match_any), each an OR of its phrases, stemmed by the server and reduced
    by `_alternatives`; in the second, each phrase with a token is that token.

    The reduction keeps the matches (and so every count) exact and makes each search cheaper:
    ranking and phrase checks cost per phrase, and synonym groups give many that stem alike.
    It also changes ranking slightly: a document no longer scores again for a longer phrase
    that contains a shorter one it already matched (docs/search-postgresql.md).
    """
    phrases = [clause.phrases() for clause in parsed.clauses]
    stemmed = iter(_stemmed([phrase for group in phrases for phrase in group]))
    clauses, tokenised, tokens = [], [], []
    for group in phrases:
        alternatives = _alternatives([next(stemmed) for _ in group])
        if not alternatives:
            continue
        clauses.append(alternatives)
        tokenised.append([])
        for text in alternatives:
            token = phrase_token(text)
            if token and token not in tokens:
                tokens.append(token)
            tokenised[-1].append(f"'{token}'" if token else text)
    join = " | " if parsed.match_any else " & "

    def written(clauses):
        return join.join("( " + " | ".join(f"( {text} )" for text in c) + " )" for c in clauses)

    return written(clauses), written(tokenised), tokens


def _tsquery(parsed, texts=None):
    """The query as SQL and its parameters, with its phrases: for ranking and highlights.
    `texts`: the query's `_tsquery_texts`, when the caller has them already."""
    text, _, _ = texts or _tsquery_texts(parsed)
    return "%s::tsquery", [text]


def _match_tsquery(parsed, texts=None):
    """The query as SQL and its parameters, for finding the matches: with each phrase as its
    token when every phrase the query has a token for is complete, else with the phrases.
    (One or the other: a phrase whose token is not yet in every document, just added by an
    editor, keeps the search exact and only slower until `complete_phrases` has run.)
    `texts`: the query's `_tsquery_texts`, when the caller has them already."""
    text, tokenised, tokens = texts or _tsquery_texts(parsed)
    if not tokens:
        return "%s::tsquery", [text]
    return (
        f"CASE WHEN (SELECT count(*) FROM {PHRASES} WHERE complete AND token = ANY(%s)) = %s "  # noqa: S608
        "THEN %s::tsquery ELSE %s::tsquery END",
        [tokens, len(tokens), tokenised, text],
    )


def _pg_match(tsquery):
    """The WHERE condition matching a tsquery, written so that PostgreSQL uses the GIN index.

    The query is a scalar subquery (an InitPlan), so the planner cannot see its words and
    estimates the default 0.5 % of rows: a bitmap scan of the GIN index. Given the words, it
    picks a sequential scan for any word in more than about a third of the documents, and
    that reads every row's vector (measured in docs/search-postgresql.md: several times
    slower), since its cost model does not count reading the vectors.
    """
    return f"d.search_vector @@ (SELECT {tsquery})"


# Memory for the bitmap of matching rows a search builds (PostgreSQL's work_mem). A word in
# most documents marks most of the table's pages: at 100,000 documents about 66,000, more
# than the default 4 MB holds, so the bitmap went lossy and every row of half the pages was
# rechecked against its whole vector (the ranking statement for "patients": 280 ms, and
# 205 ms with an exact bitmap).
SEARCH_WORK_MEM = "32MB"


@contextmanager
def _search_statement(cursor):
    """A PostgreSQL search statement's transaction, with at least SEARCH_WORK_MEM for it
    (never less than the server's own setting; SET LOCAL, so it ends with the statement)."""
    with transaction.atomic(using=connection.alias):
        cursor.execute(
            "SELECT set_config('work_mem', greatest(pg_size_bytes(current_setting('work_mem')), "
            "pg_size_bytes(%s)) / 1024 || 'kB', true)",
            [SEARCH_WORK_MEM],
        )
        yield


def _fulltext_body(document):
    """Body, organisation and measures share the lowest-weighted full-text column."""
    return " ".join(filter(None, [document.body, document.organisation, document.measures]))


def _shorten(text, limit=300):
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


class DatabaseBackend:
    name = "database"

    @property
    def vendor(self):
        return connection.vendor

    # -- the in-memory facet sets ----------------------------------------------------------
    # Every write to the index appends to a change log (kbsearch_indexchange): one numbered
    # row per document changed, or one row with no document for a clear or bulk load. Each
    # process remembers the last change its facet sets include (number and token); a search
    # reads the state token (one row), and when it has moved on reads only the later changes
    # and re-reads only those documents. A rebuild is left for a bulk load or clear, a process
    # too far behind, or a history that is not the one the process saw (the change it last
    # applied has gone or has another token: pruned, or rolled back and its number reused).
    def _state_token(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT token FROM kbsearch_indexstate WHERE id = 1")
            row = cursor.fetchone()
        return row[0] if row else ""

    def _changed(self, document_ids=None):
        """Log a change to these documents, or (None) to everything: processes then rebuild.

        Updating the state row first takes its lock until commit, so writers take turns and
        change numbers are handed out in commit order: a process that has read change n has
        seen every change before it.
        """
        from ..models import IndexChange

        token = uuid.uuid4().hex
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("UPDATE kbsearch_indexstate SET token = %s WHERE id = 1", [token])
            last = IndexChange.objects.aggregate(last=Max("seq"))["last"] or 0
            if document_ids is None:
                IndexChange.objects.all().delete()  # nobody can catch up across a reset
                document_ids = [None]
            else:
                document_ids = sorted(set(document_ids))
            IndexChange.objects.bulk_create(
                IndexChange(seq=last + number, document_id=document_id, token=token)
                for number, document_id in enumerate(document_ids, start=1)
            )
            newest = last + len(document_ids)
            if newest // PRUNE_EVERY != last // PRUNE_EVERY:
                IndexChange.objects.filter(seq__lte=newest - LOG_KEEP).delete()

    def facet_index(self):
        """This process's facet sets, brought up to date with the index."""
        cached = _FACET_INDEXES.get(connection.alias)
        if cached is not None and cached.generation == self._state_token():
            return cached
        index = self._caught_up(cached) if cached is not None else None
        if index is None:
            index = self._rebuilt()
        _FACET_INDEXES[connection.alias] = index
        return index

    def _facet_rows(self, ids=None):
        """(id, date text, {facet: [slugs]}) for the documents (all of them when ids is None)."""
        names = facet_names()
        query = f"SELECT id, CAST(publication_date AS TEXT), facets FROM {DOC}"  # noqa: S608
        batches = [None] if ids is None else [ids[i : i + 500] for i in range(0, len(ids), 500)]
        rows = []
        with connection.cursor() as cursor:
            for batch in batches:
                if batch is None:
                    cursor.execute(query)
                else:
                    placeholders = ", ".join(["%s"] * len(batch))
                    cursor.execute(f"{query} WHERE id IN ({placeholders})", batch)
                for identifier, date, values in cursor.fetchall():
                    values = _facet_json(values)
                    rows.append((identifier, date, {f: values.get(f, []) for f in names}))
        return rows

    def _rebuilt(self):
        """Facet sets built from every document, as of the newest change logged."""
        from ..models import IndexChange

        # The newest change is read before the documents: a change committed in between is
        # then applied again on the next search, which is harmless, rather than missed.
        newest = IndexChange.objects.order_by("-seq").values_list("seq", "token").first()
        # An empty log (only if its rows were deleted behind the index's back): current until
        # the state token moves, then rebuilt, since there is no change to catch up from.
        seq, token = newest or (-1, self._state_token())
        return FacetIndex.build(token, self._facet_rows(), facet_names(), seq=seq)

    def _caught_up(self, cached):
        """cached with the changes since it applied, or None when only a rebuild will do."""
        from ..models import IndexChange

        changes = list(
            IndexChange.objects.filter(seq__gte=cached.seq)
            .order_by("seq")
            .values_list("seq", "document_id", "token")[: MAX_CATCH_UP + 2]
        )
        if not changes or changes[0][::2] != (cached.seq, cached.generation):
            return None  # the change it last applied is gone (pruned, reset, rolled back)
        changes = changes[1:]
        if not changes:
            return cached
        if len(changes) > MAX_CATCH_UP or any(change[1] is None for change in changes):
            return None
        ids = sorted({change[1] for change in changes})
        seq, _, token = changes[-1]
        return cached.updated(token, seq, ids, self._facet_rows(ids))

    # -- searching -------------------------------------------------------------------------
    def matches(self, parsed, index):
        """The set of documents matching the words (everything for an empty query)."""
        if parsed.is_empty:
            return index.everything
        with connection.cursor() as cursor:
            if self.vendor == "sqlite":
                cursor.execute(
                    "SELECT rowid FROM kbsearch_fts WHERE kbsearch_fts MATCH %s",
                    [fts5_match(parsed)],
                )
            elif self.vendor == "postgresql":
                tsquery, params = _match_tsquery(parsed)
                with _search_statement(cursor):
                    cursor.execute(
                        f"SELECT ARRAY(SELECT d.id FROM {DOC} d WHERE {_pg_match(tsquery)})",  # noqa: S608
                        params,
                    )
                    return bitset(cursor.fetchone()[0])  # one array: see _ranked_matches
            else:
                raise NotImplementedError(f"no full-text search for {self.vendor}")
            return bitset(row[0] for row in cursor.fetchall())

    def search(self, request):
        parsed = request.query
        index = self.facet_index()
        start = (request.page - 1) * request.page_size
        stop = start + request.page_size
        by_relevance = request.sort != "date" and not parsed.is_empty
        if by_relevance and self.vendor == "postgresql":
            matches, page_ids = self._ranked_matches(parsed, index, request.filters, start, stop)
        else:
            matches, page_ids = self.matches(parsed, index), None
        results, counts = index.narrow(matches, request.filters)
        count = results.bit_count()
        if count <= start:
            page_ids = []
        elif page_ids is not None:
            pass  # ranked with the matches
        elif not by_relevance:
            page_ids = first_members(results, index.newest_first, start, stop)
        else:
            page_ids = self.ranked(parsed, request.filters, results, start, stop)
        return SearchResult(
            count=count,
            hits=self.hits(page_ids, parsed),
            facets={facet: counts.get(facet, {}) for facet in facet_names()},
            page=request.page,
            page_size=request.page_size,
            backend=self.name,
        )

    def _ranked_matches(self, parsed, index, filters, start, stop):
        """PostgreSQL: (the set of matches, one page of the filtered matches by relevance).

        The order (docs/search-postgresql.md): first the documents whose title and summary
        alone match the query, by ts_rank over those two fields (`head_vector`, divided by
        1 + the log of their length, so that a short title naming the words comes first and
        scores rarely tie), then the rest; within each, by ts_rank_cd over the whole vector,
        then newest, then id.

        One statement returns every match's id (for the exact count and the facet counts)
        followed by the page. Reading a row's whole vector (several KB, decompressed) is what
        ranking costs, so it is read only where it can change the page: the small title and
        summary vector (found through its own GIN index) orders every title-and-summary
        match, and the whole vector breaks the ties among those
        that can reach the page (the first `stop` by that order, with all that tie with the
        last), or orders the rest when fewer than `stop` match in title and summary. Filters
        go in as a bit string of the documents they allow, read with get_bit (bit n of byte
        n // 8, lowest first: the layout of kb/search/bitsets.py), so the page is the one
        `ranked` would pick from the filtered results. The matches are found with the
        phrases' tokens (`_match_tsquery`); ranking and the title-and-summary test use the
        phrases themselves, which read only the rows already found.
        """
        texts = _tsquery_texts(parsed)
        tsquery, params = _tsquery(parsed, texts)
        match, match_params = _match_tsquery(parsed, texts)
        allows, allow_params = "true", []
        allowed = None
        for facet, slugs in filters.items():
            if slugs:
                mask = index.selection(facet, slugs)
                allowed = mask if allowed is None else allowed & mask
        if allowed is not None:
            data = allowed.to_bytes((allowed.bit_length() >> 3) + 1, "little")
            # CASE, not AND: SQL does not promise to test the bound first.
            allows = "CASE WHEN id < %s THEN get_bit(%s::bytea, id) = 1 END"
            allow_params = [len(data) * 8, data]
        query = "(SELECT query FROM q)"
        sql = (
            f"WITH q AS MATERIALIZED (SELECT {tsquery} AS query, {match} AS match), "  # noqa: S608
            # Every match's id, and nothing else: reading a column further along the row
            # means unpacking every column before it, for every match.
            f"m AS MATERIALIZED (SELECT d.id FROM {DOC} d "
            "WHERE d.search_vector @@ (SELECT match FROM q)), "
            # The title-and-summary matches the filters allow, found through their own
            # index (every one is a match: head_vector is the start of search_vector).
            f"h AS MATERIALIZED (SELECT d.id, {_head_rank(query)} AS head FROM {DOC} d "
            f"WHERE d.head_vector @@ {query} AND {allows}), "
            f"reach AS ((SELECT id, head FROM h ORDER BY head DESC FETCH FIRST {int(stop)} "
            "ROWS WITH TIES) UNION ALL SELECT id, NULL FROM m "
            f"WHERE (SELECT count(*) FROM h) < {int(stop)} AND {allows} "
            "AND id NOT IN (SELECT id FROM h)) "
            # Two arrays in one row: tens of thousands of ids travel far faster so than as rows.
            "SELECT ARRAY(SELECT id FROM m), "
            f"ARRAY(SELECT r.id FROM reach r JOIN {DOC} d ON d.id = r.id "
            f"ORDER BY r.head DESC NULLS LAST, ts_rank_cd(d.search_vector, {query}) DESC, "
            "d.publication_date DESC, r.id LIMIT %s OFFSET %s)"
        )
        with connection.cursor() as cursor, _search_statement(cursor):
            cursor.execute(
                sql, [*params, *match_params, *allow_params, *allow_params, stop - start, start]
            )
            matches, page = cursor.fetchone()
        return bitset(matches), page

    def ranked(self, parsed, filters, results, start, stop):
        """One page of the results in relevance order. (PostgreSQL searches rank with
        `_ranked_matches`; this is the reference its tests compare it with: the same order,
        computed for every result.)"""
        with connection.cursor() as cursor:
            if self.vendor == "sqlite":
                match = " AND ".join([f"({fts5_match(parsed)})", *fts5_facet_filter(filters)])
                cursor.execute(
                    f"SELECT rowid FROM kbsearch_fts WHERE kbsearch_fts MATCH %s "  # noqa: S608
                    f"ORDER BY {BM25} LIMIT %s OFFSET %s",
                    [match, stop - start, start],
                )
            else:
                from ..bitsets import members

                tsquery, params = _tsquery(parsed)
                ids = members(results, range(results.bit_length()))
                cursor.execute(
                    f"SELECT d.id FROM {DOC} d, (SELECT {tsquery} AS query) q "  # noqa: S608
                    "WHERE d.id = ANY(%s) ORDER BY CASE WHEN d.head_vector @@ q.query "
                    f"THEN {_head_rank('q.query')} END DESC NULLS LAST, "
                    "ts_rank_cd(d.search_vector, q.query) DESC, "
                    "d.publication_date DESC, d.id LIMIT %s OFFSET %s",
                    [*params, ids, stop - start, start],
                )
            return [row[0] for row in cursor.fetchall()]

    def hits(self, ids, parsed):
        if not ids:
            return []
        from ..models import SearchDocument

        documents = SearchDocument.objects.only(*HIT_FIELDS).in_bulk(ids)  # not the long body
        snippets = self.snippets(ids, parsed) if not parsed.is_empty else {}
        hits = []
        for doc_id in ids:
            doc = documents.get(doc_id)
            if doc is None:  # removed between the count and this read
                continue
            highlight = snippets.get(doc_id) or marked_to_html(_shorten(doc.summary))
            hits.append(
                Hit(
                    id=doc.page_id,
                    slug=doc.slug,
                    title=doc.title,
                    url=doc.url,
                    type=doc.kind,
                    summary=doc.summary,
                    pathways=doc.facets.get("pathway", []),
                    methods=doc.facets.get("method", []),
                    highlight=highlight,
                    publication_date=doc.publication_date,
                    signal=doc.signal,
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
                # The body (the long text) is read only when the summary has no word marked;
                # OFFSET 0 keeps the subquery whole, so the summary's headline is made once.
                cursor.execute(
                    "SELECT id, summary, CASE WHEN strpos(summary, %s) = 0 THEN "  # noqa: S608
                    f"ts_headline('{PG_CONFIG}', body, query, %s) END FROM ("
                    f"SELECT d.id, d.body, q.query, ts_headline('{PG_CONFIG}', d.summary, "
                    f"q.query, %s) AS summary FROM {DOC} d, (SELECT {tsquery} AS query) q "
                    f"WHERE d.id IN ({placeholders}) OFFSET 0) headlines",
                    [MARK_START, options, options, *params, *ids],
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
            self._changed([document.id])
        return document

    def _write_fulltext(self, document):
        with connection.cursor() as cursor:
            if self.vendor == "sqlite":
                body = _fulltext_body(document)
                cursor.execute("DELETE FROM kbsearch_fts WHERE rowid = %s", [document.id])
                cursor.execute(
                    "INSERT INTO kbsearch_fts (rowid, title, summary, body, facets) "
                    "VALUES (%s, %s, %s, %s, %s)",
                    [document.id, document.title, document.summary, body, facet_tokens(document)],
                )
            elif self.vendor == "postgresql":
                # From the row just saved: the same text, without sending it again.
                cursor.execute(
                    f"UPDATE {DOC} SET {PG_VECTORS} WHERE id = %s",  # noqa: S608
                    [document.id],
                )

    def delete(self, page_id):
        """Remove a page's document; its full-text row and its change log entry go with it
        (the post_delete signal calls delete_fulltext)."""
        from ..models import SearchDocument

        with transaction.atomic():
            SearchDocument.objects.filter(page_id=page_id).delete()

    def delete_fulltext(self, document_id):
        with transaction.atomic():
            if self.vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.execute("DELETE FROM kbsearch_fts WHERE rowid = %s", [document_id])
            self._changed([document_id])

    def clear(self):
        """Empty the index in two statements (no per-document signals)."""
        with transaction.atomic(), connection.cursor() as cursor:
            if self.vendor == "sqlite":
                cursor.execute("DELETE FROM kbsearch_fts")
            cursor.execute(f"DELETE FROM {DOC}")  # noqa: S608
            self._changed()

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
            if created and created[0].id is None:
                # Databases that cannot return ids from a bulk insert: look them up.
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
                        "INSERT INTO kbsearch_fts (rowid, title, summary, body, facets) "
                        "VALUES (%s, %s, %s, %s, %s)",
                        [
                            (d.id, d.title, d.summary, _fulltext_body(d), facet_tokens(d))
                            for d in created
                        ],
                    )
                elif self.vendor == "postgresql":
                    cursor.execute(
                        f"UPDATE {DOC} SET {PG_VECTORS} "  # noqa: S608
                        "WHERE id = ANY(%s)",
                        [[d.id for d in created]],
                    )
            self._changed()

    def optimise(self):
        """After bulk writes: merge FTS segments and refresh the planner's statistics."""
        with connection.cursor() as cursor:
            if self.vendor == "sqlite":
                cursor.execute("INSERT INTO kbsearch_fts (kbsearch_fts) VALUES ('optimize')")
                cursor.execute("ANALYZE")
                cursor.execute("PRAGMA optimize")
            elif self.vendor == "postgresql":
                cursor.execute(f"ANALYZE {DOC}")

    # -- phrase tokens (PostgreSQL) --------------------------------------------------------
    def sync_phrases(self, complete=True):
        """Register every phrase of the synonym groups in force (PHRASES above), and unless
        told not to, bring every document's vector up to date with them (`complete_phrases`).
        Nothing to do on SQLite: FTS5 checks phrases from its own position lists."""
        if not self._has_phrases():
            return 0
        from ..query import SynonymIndex
        from ..synonyms import synonym_groups

        groups = SynonymIndex(synonym_groups()).groups
        self.register_phrases(sorted({" ".join(words) for group in groups for words in group}))
        return self.complete_phrases() if complete else 0

    def _has_phrases(self):
        """PostgreSQL migrated to 0011 or later."""
        return self.vendor == "postgresql" and PHRASES in connection.introspection.table_names()

    def register_phrases(self, phrases):
        """Documents written from now on carry these phrases' tokens; searches use a token
        only once `complete_phrases` has given it to the documents written before."""
        if not self._has_phrases():
            return
        tokens = {}
        for stemmed in _stemmed(list(phrases)):
            token = phrase_token(stemmed)
            if token:
                tokens[token] = stemmed
        if tokens:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {PHRASES} (token, query) "  # noqa: S608
                    "SELECT * FROM unnest(%s::text[], %s::tsquery[]) ON CONFLICT DO NOTHING",
                    [list(tokens), list(tokens.values())],
                )

    def complete_phrases(self):
        """Give the phrases registered but not yet complete to every document that contains
        them, then mark them complete. Returns the number of documents changed.

        A document written while a phrase was being registered might have been computed
        without it; so first wait for every write in progress to finish (a lock that writes
        wait for, taken and let go at once: writes that start after it see the phrase), then
        add the token wherever the phrase is and the token is not. A write racing with that
        update waits for its row and is checked again, so no document is missed or given a
        token twice. (Inside a caller's transaction the lock is held to its end; the mode is
        one that two of these wait for in turn rather than deadlock over.)
        """
        if not self._has_phrases():
            return 0
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT token, query::text FROM {PHRASES} WHERE NOT complete")  # noqa: S608
            pending = dict(cursor.fetchall())
            if not pending:
                return 0
            with transaction.atomic():
                cursor.execute(f"LOCK TABLE {DOC} IN SHARE ROW EXCLUSIVE MODE")
            lacking = " | ".join(
                f"( ( {query} ) & !'{token}' )" for token, query in pending.items()
            )
            with transaction.atomic():
                cursor.execute(
                    f"UPDATE {DOC} d SET search_vector = d.search_vector || "  # noqa: S608
                    f"array_to_tsvector(ARRAY(SELECT p.token FROM {PHRASES} p "
                    "WHERE p.token = ANY(%s) AND d.search_vector @@ p.query)) "
                    "WHERE d.search_vector @@ %s::tsquery",
                    [list(pending), lacking],
                )
                changed = cursor.rowcount
                cursor.execute(
                    f"UPDATE {PHRASES} SET complete = true WHERE token = ANY(%s)",  # noqa: S608
                    [list(pending)],
                )
        return changed
