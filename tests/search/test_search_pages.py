"""The search page and API as a reader or a program meets them, including hostile input."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db
# The corpus is built once for the module's tests in a row (tests/shared_content.py).
SHARED_CONTENT = ("corpus",)

HOSTILE = [
    '"',
    '"unbalanced quote',
    "NEAR(a b) OR NOT x*",
    "a AND OR NOT",
    "title:handover",
    "^handover",
    "-handover",
    "(((",
    "*",
    "'; DROP TABLE kbsearch_searchdocument; --",
    "1' OR '1'='1",
    "<script>alert('x')</script>",
    "\x00\x01\x1b[31m",
    "ŵyn Cymraeg 急诊 🚑 مستشفى",
    "\u202eevil",
    "x" * 5000,
    "handover " * 400,
    "%s %d {0} ${x}",
    "\\",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_break_the_page(client, corpus, query):
    response = client.get("/search/", {"q": query, "pathway": "urgent-and-emergency-care"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(" not in html
    assert "Traceback" not in html


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_break_the_api(client, corpus, query):
    response = client.get("/api/search/", {"q": query, "method": "lean"})
    assert response.status_code == 200
    assert isinstance(response.json()["count"], int)


@pytest.mark.parametrize(
    "params",
    [{"page": "0"}, {"page": "-1"}, {"page": "abc"}, {"page": "99999"}, {"sort": "evil"}],
)
def test_nonsense_parameters_get_a_clear_400(client, corpus, params):
    page = client.get("/search/", {"q": "handover", **params})
    assert page.status_code == 400
    assert "There is a problem with this search" in page.content.decode()
    api = client.get("/api/search/", {"q": "handover", **params})
    assert api.status_code == 400
    assert "error" in api.json()


def test_a_page_past_the_end_is_an_empty_page_not_an_error(client, corpus):
    response = client.get("/api/search/", {"q": "handover", "page": "50"})
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_api_returns_the_documented_shape(client, corpus):
    data = client.get("/api/search/", {"q": "A&E", "pathway": "urgent-and-emergency-care"}).json()
    assert data["count"] == 2
    assert set(data["facets"]) == {
        "type",
        "pathway",
        "method",
        "specialty",
        "region",
        "organisation",
    }
    result = data["results"][0]
    assert {"slug", "title", "url", "type", "summary", "pathways", "methods", "highlight"} <= set(
        result
    )
    assert result["type"] == "case-study"
    assert result["url"].startswith("/case-studies/")
    assert "urgent-and-emergency-care" in result["pathways"]
    marked = client.get("/api/search/", {"q": "cubicles"}).json()["results"][0]["highlight"]
    assert "<mark>cubicle</mark>" in marked


def test_search_page_shows_filters_with_counts_and_removable_choices(client, corpus):
    html = client.get(
        "/search/", {"q": "patients", "pathway": "urgent-and-emergency-care"}
    ).content.decode()
    assert "2 results for <strong>patients</strong>" in html
    assert 'name="pathway" type="checkbox" value="urgent-and-emergency-care" checked' in html
    assert 'Elective care <span class="kb-count">(1)</span>' in html
    assert "Care pathway: Urgent and emergency care" in html
    assert "(remove this filter)" in html


def test_no_results_suggests_removing_filters(client, corpus):
    html = client.get("/search/", {"q": "handover", "pathway": "cancer"}).content.decode()
    assert "No results found" in html
    assert "Remove “Care pathway: Cancer”" in html
    assert "with no filters" in html


def test_the_url_is_the_state(client, corpus):
    html = client.get(
        "/search/", {"q": "patients", "method": "lean", "sort": "date"}
    ).content.decode()
    assert 'value="patients"' in html
    assert 'value="lean" checked' in html
    assert '<option value="date" selected>' in html


def test_search_runs_on_fts5(corpus):
    if connection.vendor != "sqlite":
        pytest.skip("FTS5 is SQLite's; PostgreSQL uses its own full-text search")
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'kbsearch_fts'")
        (sql,) = cursor.fetchone()
        assert "fts5" in sql.lower() and "porter" in sql.lower()
        cursor.execute("SELECT count(*) FROM kbsearch_fts")
        assert cursor.fetchone()[0] == 7
        cursor.execute(
            "EXPLAIN QUERY PLAN SELECT rowid FROM kbsearch_fts WHERE kbsearch_fts MATCH 'handover'"
        )
        plan = " ".join(str(row) for row in cursor.fetchall())
        assert "VIRTUAL TABLE INDEX" in plan


def test_search_runs_on_postgresql_full_text(corpus):
    if connection.vendor != "postgresql":
        pytest.skip("this checks the PostgreSQL index; SQLite uses FTS5")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'kbsearch_searchdocument_vector'"
        )
        (definition,) = cursor.fetchone()
        assert "gin" in definition.lower()
        cursor.execute(
            "SELECT count(*) FROM kbsearch_searchdocument WHERE search_vector IS NOT NULL"
        )
        assert cursor.fetchone()[0] == 7


def test_an_ods_code_finds_the_organisations_pages_and_the_organisation_is_a_facet(
    client, make_case_study, site_tree
):
    from kb.taxonomy.models import Organisation, Region

    make_case_study("Faster handovers")  # from Example NHS Trust
    other = Organisation.objects.create(
        name="Riverside Hospitals NHS Trust", slug="riverside", ods_code="RQW",
        region=Region.objects.get(slug="london"),
    )  # fmt: skip
    make_case_study("Discharge lounge", slug="discharge-lounge", organisation=other.name)

    found = client.get("/api/search/", {"q": "RQW"}).json()
    assert [hit["title"] for hit in found["results"]] == ["Discharge lounge"]
    assert client.get("/api/search/", {"q": "rqw"}).json()["count"] == 1

    everything = client.get("/api/search/").json()
    assert everything["facets"]["organisation"] == {"example-nhs-trust": 1, "riverside": 1}
    filtered = client.get("/api/search/", {"organisation": "riverside"}).json()
    assert [hit["title"] for hit in filtered["results"]] == ["Discharge lounge"]
    page = client.get("/search/", {"organisation": "riverside"}).content.decode()
    assert "Organisation" in page and "Riverside Hospitals NHS Trust" in page
