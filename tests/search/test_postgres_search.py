"""PostgreSQL search finds what SQLite's finds: exact synonym phrases, same results and counts.

The behaviour tests run on both databases with the same expectations (written down from the
SQLite engine), so a difference between the engines fails on one of them. The tests of how
PostgreSQL does it (its text search configuration, the GIN plan, the one-statement ranking)
skip on SQLite.
"""

from urllib.parse import urlencode

import pytest
from django.db import connection
from django.http import QueryDict

from kb.search.service import read_params, search_documents

pytestmark = pytest.mark.django_db

# The corpus is built once for the module's tests in a row (tests/shared_content.py).
SHARED_CONTENT = ("corpus",)


def run(query_string):
    result, _ = search_documents(read_params(QueryDict(query_string)))
    return result


@pytest.fixture
def distractors(corpus, make_case_study):
    """Pages holding only the words that `english` left of a synonym phrase (`attend`, `e`,
    `brought`): before, PostgreSQL found them for "did not attend" and "A&E"; SQLite never."""
    pages = {
        "attend": make_case_study(
            "Clinic attendance",
            summary="Patients attend the clinic on Tuesdays.",
            pathways=["elective-care"], methods=["lean"],
        ),
        "vitamin": make_case_study(
            "Vitamin E in older people",
            summary="Levels of vitamin E were measured on the ward.",
            pathways=["urgent-and-emergency-care"], methods=["lean"],
        ),
        "brought": make_case_study(
            "Volunteers on wards",
            summary="Volunteers brought tea to the ward every afternoon.",
            pathways=["urgent-and-emergency-care"], methods=["six-sigma"],
        ),
    }  # fmt: skip
    return {**corpus, **pages}


# Skipped before any fixture is built: the tests of how PostgreSQL does it.
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="checks PostgreSQL's full-text search; SQLite uses FTS5",
)


def slugs_of(pages, *keys):
    return {pages[key].slug for key in keys}


def test_did_not_attend_finds_the_phrase_not_the_word(distractors):
    found = run("q=did+not+attend")
    assert {hit.slug for hit in found.hits} == slugs_of(distractors, "dna")
    assert found.count == 1


def test_a_and_e_finds_emergency_departments_not_the_letter_e(distractors):
    found = run("q=A%26E")
    assert {hit.slug for hit in found.hits} == slugs_of(distractors, "ed", "ae")
    assert found.count == 2
    assert found.facets["pathway"] == {"urgent-and-emergency-care": 2}


def test_stop_words_inside_a_query_still_have_to_match(distractors):
    # "not" is no stop word of the query parser: both words are required, on both engines.
    assert {hit.slug for hit in run("q=not+attend").hits} == slugs_of(distractors, "dna")


def test_the_word_alone_ranks_the_title_match_first_on_both_engines(distractors):
    found = run("q=attend")
    assert [hit.slug for hit in found.hits] == [
        distractors["attend"].slug,
        distractors["dna"].slug,
    ]
    filtered = run("q=attend&pathway=elective-care&method=lean")
    assert [hit.slug for hit in filtered.hits] == [distractors["attend"].slug]
    assert filtered.count == 1
    assert filtered.facets["method"] == {"lean": 1, "model-for-improvement": 1}


# (query string, expected slugs keys, count): what the SQLite engine answers for the corpus
# plus the distractors. The same answers are required from PostgreSQL.
SAME_ON_BOTH = [
    ("q=emergency+department", {"ed", "ae"}, 2),
    ("q=ED&pathway=urgent-and-emergency-care", {"ed", "ae"}, 2),
    ("q=patients", {"sdec", "dna", "discharge", "attend"}, 4),
    ("q=patients&pathway=elective-care", {"dna", "attend"}, 2),
    ("q=patients&pathway=elective-care&method=lean", {"attend"}, 1),
    ("q=ward", {"discharge", "vitamin", "brought"}, 3),
    ("q=waiting+list", {"rtt"}, 1),
    ("q=missed+appointment", {"dna"}, 1),
    ("q=was+not+brought", {"dna"}, 1),
    ("q=asthma+children", {"paeds"}, 1),
    # A query of nothing but a stop word keeps it (kb/search/query.py): the pages with "the".
    ("q=the", {"ed", "sdec", "rtt", "dna", "attend", "vitamin", "brought"}, 7),
]


@pytest.mark.parametrize(("query", "expected", "count"), SAME_ON_BOTH)
def test_the_same_query_gives_the_same_results_and_counts(distractors, query, expected, count):
    found = run(query)
    assert {hit.slug for hit in found.hits} == slugs_of(distractors, *expected)
    assert found.count == count


def test_facet_counts_are_exact_for_a_word_in_most_documents(distractors):
    found = run("q=patients&method=lean")
    assert found.count == 2  # discharge (lean, six-sigma) and attend (lean)
    assert found.facets["method"] == {
        "lean": 2,
        "model-for-improvement": 1,
        "experience-based-co-design": 1,
        "six-sigma": 1,
    }
    assert found.facets["pathway"] == {"urgent-and-emergency-care": 1, "elective-care": 1}


def test_paging_by_relevance_with_filters_is_exact(distractors, make_case_study):
    for number in range(13):
        make_case_study(
            f"Handover improvement {number}",
            summary="Ambulance handover work." + " Handover." * (number % 4),
            methods=["lean"] if number % 2 else ["six-sigma"],
        )
    seen = []
    for page in (1, 2):
        found = run(f"q=handover&method=lean&page={page}")
        seen.extend(hit.slug for hit in found.hits)
    assert found.count == 6
    assert len(seen) == 6 and len(set(seen)) == 6


# -- how PostgreSQL does it -------------------------------------------------------------------


@on_postgresql
def test_postgresql_keeps_stop_words_in_phrases():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT phraseto_tsquery('kb_english', 'a&e')::text, "
            "phraseto_tsquery('kb_english', 'did not attend')::text, "
            "phraseto_tsquery('kb_english', 'discharging patients')::text"
        )
        assert cursor.fetchone() == (
            "'a' <-> 'e'",
            "'did' <-> 'not' <-> 'attend'",
            "'discharg' <-> 'patient'",
        )


@on_postgresql
def test_postgresql_stores_the_vector_with_stop_words_out_of_the_row(distractors):
    document = distractors["dna"].search_document
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_vector @@ phraseto_tsquery('kb_english', 'did not attend') "
            "FROM kbsearch_searchdocument WHERE id = %s",
            [document.id],
        )
        assert cursor.fetchone() == (True,)
        cursor.execute(
            "SELECT attstorage FROM pg_attribute "
            "WHERE attrelid = 'kbsearch_searchdocument'::regclass AND attname = 'search_vector'"
        )
        # EXTENDED: in the TOAST table, so that the table's own pages, which a search visits
        # for every match, stay small (migration 0011).
        assert cursor.fetchone() == ("x",)
        for index in ("kbsearch_searchdocument_vector", "kbsearch_searchdocument_head"):
            cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [index])
            assert "fastupdate=off" in cursor.fetchone()[0]


@on_postgresql
def test_postgresql_matches_through_the_gin_index_even_for_a_word_everywhere():
    """Given the words, the planner scans every row for a common word; it must not."""
    from kb.search.backends.database import _pg_match, _tsquery
    from kb.search.query import parse_query

    tsquery, params = _tsquery(parse_query("patients"))
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE kbsearch_plan_check (id integer PRIMARY KEY, "
            "search_vector tsvector)"
        )
        cursor.execute(
            "INSERT INTO kbsearch_plan_check SELECT n, to_tsvector('kb_english', "
            "'patients seen sooner ' || repeat('word' || n || ' ', 40)) "
            "FROM generate_series(1, 3000) n"
        )
        cursor.execute(
            "CREATE INDEX kbsearch_plan_check_vector ON kbsearch_plan_check "
            "USING GIN (search_vector)"
        )
        cursor.execute("ANALYZE kbsearch_plan_check")
        cursor.execute(
            f"EXPLAIN SELECT d.id FROM kbsearch_plan_check d WHERE {_pg_match(tsquery)}",  # noqa: S608
            params,
        )
        plan = " ".join(row[0] for row in cursor.fetchall())
        assert "Bitmap Index Scan on kbsearch_plan_check_vector" in plan
        assert "Seq Scan" not in plan


@on_postgresql
@pytest.mark.parametrize(
    "query_string",
    ["q=patients", "q=patients&method=lean", "q=A%26E&pathway=urgent-and-emergency-care",
     "q=ward&method=lean&method=six-sigma", "q=attend&page=2"],
)  # fmt: skip
def test_postgresql_ranks_in_one_statement_the_page_the_two_steps_ranked(distractors, query_string):
    """The one-statement ranking picks the page that ranking the filtered results would."""
    from kb.search.backends.database import DatabaseBackend
    from kb.search.query import parse_query
    from kb.search.service import synonym_index

    params = read_params(QueryDict(query_string))
    parsed = parse_query(params.q, synonym_index())
    backend = DatabaseBackend()
    index = backend.facet_index()
    start = (params.page - 1) * 2
    matches, page = backend._ranked_matches(parsed, index, params.filters, start, start + 2)
    assert matches == backend.matches(parsed, index)
    results, _ = index.narrow(matches, params.filters)
    assert page == backend.ranked(parsed, params.filters, results, start, start + 2)


# -- the phrases a search sends PostgreSQL -----------------------------------------------------


def test_a_clause_keeps_only_the_phrases_that_decide_its_matches():
    """Phrases that stem alike are sent once, and one containing another is not sent at all:
    every document it matches, the shorter phrase matches too. (No database needed.)"""
    from kb.search.backends.database import _alternatives

    assert _alternatives(
        ["'a' <-> 'e'", "'ed'", "'emerg' <-> 'depart'", "'emerg' <-> 'depart'"]
    ) == ["'a' <-> 'e'", "'ed'", "'emerg' <-> 'depart'"]
    assert _alternatives(["'wait'", "'wait' <-> 'wast'", "'wait' <-> 'time'"]) == ["'wait'"]
    assert _alternatives(["'ambul' <-> 'handov'", "'handov'"]) == ["'handov'"]
    # Contained means adjacent and in order: neither of these implies the other.
    assert _alternatives(["'same' <-> 'day' <-> 'care'", "'same' <-> 'care'"]) == [
        "'same' <-> 'day' <-> 'care'",
        "'same' <-> 'care'",
    ]
    assert _alternatives(["'day' <-> 'case'", "'case' <-> 'day'"]) == [
        "'day' <-> 'case'",
        "'case' <-> 'day'",
    ]
    # A lexeme with a quote in it, and anything that is not a plain chain, is kept as it is.
    assert _alternatives(["'o''neil' <-> 'ward'", "'o''neil'"]) == ["'o''neil'"]
    assert _alternatives(["'a' <2> 'b'", "'a'", ""]) == ["'a' <2> 'b'", "'a'"]


@on_postgresql
@pytest.mark.parametrize(
    "query",
    [
        # synonym groups whose phrases the reduction merges or drops
        "A&E handover", "waiting", "did not attend", "SDEC", "emergency departments", "the",
        # hostile text: the query is built from the server's own stemmed phrases, parsed back
        "o'neil ward", "back\\slash \\' quote", "a:* & b | !c <-> d", "'); DROP TABLE x; --",
        "<script>alert(1)</script>", "naïve café ÆON", "مرحبا بالعالم", "😀 emoji ward",
        "x" * 3000, '"did not attend" " unbalanced', "a&e a & e", "12/34 1,000 3.5%",
    ],
)  # fmt: skip
def test_postgresql_finds_with_the_reduced_phrases_what_every_phrase_finds(corpus, query):
    """The reduction changes no match, so every count stays exact, and whatever was typed
    the query parses: compared with the query built from every phrase of every clause, as it
    was before."""
    from kb.search.backends.database import PG_CONFIG, DatabaseBackend
    from kb.search.bitsets import bitset
    from kb.search.query import parse_query
    from kb.search.service import synonym_index

    parsed = parse_query(query, synonym_index())
    backend = DatabaseBackend()
    clauses, params = [], []
    for clause in parsed.clauses:
        phrases = clause.phrases()
        clauses.append(" || ".join([f"phraseto_tsquery('{PG_CONFIG}', %s)"] * len(phrases)))
        params.extend(phrases)
    every_phrase = " && ".join(f"({clause})" for clause in clauses) or "''::tsquery"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM kbsearch_searchdocument WHERE search_vector @@ ({every_phrase})",  # noqa: S608
            params,
        )
        expected = bitset(row[0] for row in cursor.fetchall())
    assert backend.matches(parsed, backend.facet_index()) == expected
    assert run(urlencode({"q": query})).count == expected.bit_count()


# -- the order of results on PostgreSQL ----------------------------------------------------------


@on_postgresql
def test_postgresql_ranks_title_and_summary_matches_before_the_body_only_ones(make_case_study):
    """Deliberately not SQLite's bm25 order (docs/search-postgresql.md): a page that names the
    words in its title or summary comes before one that only mentions them in its text, even
    many times."""
    body_only = make_case_study(
        "Stroke unit rota",
        summary="A new rota for the stroke unit.",
        problem="Tenecteplase was given late. " * 12,
    )
    in_summary = make_case_study("Stroke pathway", summary="Tenecteplase at the front door.")
    in_title = make_case_study("Tenecteplase within the hour", summary="Door to needle times.")
    found = run("q=tenecteplase")
    assert [hit.slug for hit in found.hits] == [in_title.slug, in_summary.slug, body_only.slug]
    assert found.count == 3


@on_postgresql
def test_postgresql_pages_through_both_tiers_as_the_reference_ranks_them(make_case_study):
    """Pages that reach past the title-and-summary matches, and ties among them at a page's
    edge, come out as ranking every result would order them."""
    from kb.search.backends.database import DatabaseBackend
    from kb.search.query import parse_query

    for number in range(5):  # the same title score: ties at every page edge
        make_case_study(
            f"Alteplase audit {number}",
            summary="Audit of stroke care.",
            problem="Alteplase doses. " * number,
            methods=["lean"] if number % 2 else ["six-sigma"],
        )
    for number in range(6):  # body only, more or fewer mentions
        make_case_study(
            f"Stroke review {number}",
            summary="Review of stroke care.",
            problem="Alteplase was given. " * (number + 1),
            methods=["lean"] if number % 3 else ["six-sigma"],
        )
    parsed = parse_query("alteplase")
    backend = DatabaseBackend()
    index = backend.facet_index()
    for filters in ({}, {"method": ["lean"]}):
        matches = backend.matches(parsed, index)
        results, _ = index.narrow(matches, filters)
        pages = []
        for start in range(0, 12, 3):
            found, page = backend._ranked_matches(parsed, index, filters, start, start + 3)
            assert found == matches
            assert page == backend.ranked(parsed, filters, results, start, start + 3)
            pages.extend(page)
        assert len(pages) == len(set(pages)) == results.bit_count()
    titles = [hit.title for hit in run("q=alteplase").hits]
    assert titles[:5] == [f"Alteplase audit {n}" for n in (4, 3, 2, 1, 0)]
    assert titles[5:] == [f"Stroke review {n}" for n in (5, 4, 3, 2, 1)]  # a page is ten


@on_postgresql
def test_postgresql_keeps_the_title_and_summary_vector_with_every_write(make_case_study):
    """Publishing writes it, and so does a rebuild's bulk write."""
    from kb.search.backends.database import PG_HEAD, DatabaseBackend
    from kb.search.models import SearchDocument

    page = make_case_study("Frailty unit", summary="Same day frailty assessment.")
    document = page.search_document
    check = f"SELECT head_vector = {PG_HEAD} FROM kbsearch_searchdocument WHERE id = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(check, [document.id])
        assert cursor.fetchone() == (True,)
        backend = DatabaseBackend()
        backend.clear()
        fields = {
            name: getattr(document, name)
            for name in ("slug", "title", "summary", "body", "url", "kind", "facets")
        }
        backend.bulk_index([(page.id, fields)])
        cursor.execute(check, [SearchDocument.objects.get(page_id=page.id).id])
        assert cursor.fetchone() == (True,)


@on_postgresql
def test_postgresql_search_statements_get_memory_for_an_exact_bitmap():
    """A word in most documents marks most of the table's pages: with the default 4 MB the
    bitmap goes lossy and every row of those pages is checked again. Searches ask for more,
    and never lower what the server already gives."""
    from kb.search.backends.database import _search_statement

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '4MB'")
        with _search_statement(cursor):
            cursor.execute("SELECT pg_size_bytes(current_setting('work_mem'))")
            assert cursor.fetchone() == (32 * 1024 * 1024,)
        cursor.execute("SET LOCAL work_mem = '256MB'")
        with _search_statement(cursor):
            cursor.execute("SELECT pg_size_bytes(current_setting('work_mem'))")
            assert cursor.fetchone() == (256 * 1024 * 1024,)


# -- synonym phrases as tokens on PostgreSQL ----------------------------------------------------


def test_a_phrase_token_is_the_plain_chain_of_its_words_or_nothing():
    """Only a plain chain of two or more lexemes without quotes or backslashes gets a token:
    anything else keeps its phrase check. (No database needed.)"""
    from kb.search.backends.database import phrase_token

    assert phrase_token("'same' <-> 'day' <-> 'emerg' <-> 'care'") == "same day emerg care"
    assert phrase_token("'a' <-> 'e'") == "a e"
    assert phrase_token("'sdec'") is None
    assert phrase_token("'o''neil' <-> 'ward'") is None
    assert phrase_token("'back\\\\slash' <-> 'ward'") is None
    assert phrase_token("'a' <2> 'b'") is None
    assert phrase_token("( 'a' | 'b' ) <-> 'c'") is None
    assert phrase_token(" <-> ".join(["'ward'"] * 60)) is None  # longer than a token may be
    assert phrase_token("") is None


def test_an_editors_new_synonym_group_finds_pages_published_before_it(make_case_study):
    """Both engines: the group works at once for the pages already in the index."""
    from kb.search.models import SynonymGroup

    older = make_case_study("Ward huddles", summary="A daily board round at nine.")
    make_case_study("Ward rounds", summary="The board was round the corner.")
    assert run(urlencode({"q": "red to green"})).count == 0
    SynonymGroup.objects.create(terms="red to green, board round")
    found = run(urlencode({"q": "red to green"}))
    assert [hit.slug for hit in found.hits] == [older.slug]


def _carries(document_id, token):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_vector @@ quote_literal(%s)::tsquery FROM kbsearch_searchdocument "
            "WHERE id = %s",
            [token, document_id],
        )
        return cursor.fetchone()[0]


def _matching_query(query):
    """The tsquery text a search's match statement uses."""
    from kb.search.backends.database import _match_tsquery
    from kb.search.query import parse_query
    from kb.search.service import synonym_index

    sql, params = _match_tsquery(parse_query(query, synonym_index()))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ({sql})::text", params)  # noqa: S608
        return cursor.fetchone()[0]


@on_postgresql
def test_postgresql_documents_carry_a_token_for_each_synonym_phrase_they_contain(
    make_case_study,
):
    """The phrases of the synonym groups are registered after migrate; a page is written with
    a token for each it contains, none for words that are only near each other, and a search
    asks the index for the token instead of checking the phrase."""
    phrase = make_case_study("Front door streaming", summary="Same day emergency care opens.")
    apart = make_case_study(
        "Care on the same ward", summary="Emergency care and day surgery on the same floor."
    )
    token = "same day emerg care"
    assert _carries(phrase.search_document.id, token)
    assert not _carries(apart.search_document.id, token)
    assert f"'{token}'" in _matching_query("SDEC")
    assert "<->" not in _matching_query("SDEC")
    found = run("q=SDEC")
    assert [hit.slug for hit in found.hits] == [phrase.slug]
    # Highlights still mark the phrase's words, from the phrase, not the token.
    assert "<mark>Same</mark> <mark>day</mark> <mark>emergency</mark>" in found.hits[0].highlight
    # A page edited so that the phrase goes loses its token.
    phrase.summary = "Streaming at the front door."
    phrase.save_revision().publish()
    phrase.refresh_from_db()
    assert not _carries(phrase.search_document.id, token)
    assert run("q=SDEC").count == 0


@on_postgresql
def test_postgresql_parses_a_document_once_to_find_its_phrases():
    """Each registered phrase is tested against the vector, not against the expression that
    makes it: folded in, that expression parsed the text once per phrase (15 to 30 times
    slower to write a document)."""
    from kb.search.backends.database import PG_VECTORS

    with connection.cursor() as cursor:
        cursor.execute(
            f"EXPLAIN (VERBOSE, COSTS OFF) UPDATE kbsearch_searchdocument SET {PG_VECTORS} "  # noqa: S608
            "WHERE id = 1"
        )
        tests = [row[0] for row in cursor.fetchall() if "@@ p.query" in row[0]]
    assert tests and not any("to_tsvector" in line for line in tests)


@on_postgresql
def test_postgresql_searches_by_the_phrase_until_its_token_is_complete(make_case_study):
    """A phrase registered after pages were written is searched as a phrase, exactly, until
    `complete_phrases` has given its token to those pages; pages written meanwhile get it at
    once. Running it again changes nothing."""
    from kb.search.backends.database import DatabaseBackend

    before = make_case_study("Night team", summary="Safety huddle overnight.")
    backend = DatabaseBackend()
    backend.register_phrases(["safety huddle"])
    during = make_case_study("Day team", summary="Safety huddle by day.")
    token = "safeti huddl"
    assert not _carries(before.search_document.id, token)
    assert _carries(during.search_document.id, token)
    assert "<->" in _matching_query('"safety huddle"')  # not complete: the phrase
    assert run(urlencode({"q": '"safety huddle"'})).count == 2
    assert backend.complete_phrases() == 1
    assert _carries(before.search_document.id, token)
    assert _matching_query('"safety huddle"') == f"'{token}'"
    found = run(urlencode({"q": '"safety huddle"'}))
    assert {hit.slug for hit in found.hits} == {before.slug, during.slug}
    assert backend.complete_phrases() == 0


@on_postgresql
def test_postgresql_rebuild_writes_every_document_with_its_phrase_tokens(make_case_study):
    from kb.search.indexing import rebuild

    page = make_case_study("Missed appointments", summary="Fewer people did not attend.")
    rebuild()
    page.refresh_from_db()
    assert _carries(page.search_document.id, "did not attend")
    assert run("q=DNA").count == 1
