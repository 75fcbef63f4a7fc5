"""Every value the search page and API read from the URL, hostile or mistyped: a page of results
or a clear 400, never a server error."""

import pytest
from django.http import QueryDict

from kb.search.service import MAX_PAGE, BadSearchRequest, read_page, read_params

pytestmark = pytest.mark.django_db
# The corpus is built once for the module's tests in a row (tests/shared_content.py).
SHARED_CONTENT = ("corpus",)

# Values a link, a typo, a fuzzer or an attacker may put in any parameter.
HOSTILE = [
    "²",  # str.isdigit() says yes, int() says no
    "①",
    "٣",  # Arabic-Indic three: int() reads it, but it is not a page number anyone typed
    "１",  # full-width one
    "-1",
    "+1",
    "1e9",
    "1.5",
    "0x10",
    "1_000",
    "99999999999999999999",
    "9" * 5000,  # longer than int() will convert
    "abc",
    "x" * 5000,
    "<script>alert('x')</script>",
    "1' OR '1'='1",
    "'; DROP TABLE kbsearch_searchdocument; --",
    "\x00",
    "1\x00",
    "\u202e1",
    "%00",
    "{0} %s ${x}",
]
IDS = [repr(value[:12]) for value in HOSTILE]
FACETS = ("type", "pathway", "method", "specialty", "region")


def query(**lists):
    query_dict = QueryDict(mutable=True)
    for key, values in lists.items():
        query_dict.setlist(key, values)
    return query_dict


@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
def test_a_hostile_page_number_is_a_clear_400_on_the_page_and_the_api(client, site_tree, value):
    page = client.get("/search/", {"q": "handover", "page": value})
    assert page.status_code == 400
    html = page.content.decode()
    assert "There is a problem with this search" in html
    assert f"Page must be a whole number from 1 to {MAX_PAGE}" in html
    assert "<script>alert(" not in html
    api = client.get("/api/search/", {"q": "handover", "page": value})
    assert api.status_code == 400
    message = f"page must be a whole number from 1 to {MAX_PAGE}"
    assert api.json() == {"error": {"code": "bad_request", "message": message}}


@pytest.mark.parametrize("value", ["", " ", "\t"])
def test_a_blank_page_number_is_the_first_page(client, corpus, value):
    response = client.get("/api/search/", {"q": "patients", "page": value})
    assert response.status_code == 200
    assert response.json()["page"] == 1
    assert client.get("/search/", {"q": "patients", "page": value}).status_code == 200


@pytest.mark.parametrize(
    ("raw", "page"), [(None, 1), ("1", 1), (" 2 ", 2), ("007", 7), (str(MAX_PAGE), MAX_PAGE)]
)
def test_page_numbers_in_ascii_digits_are_read(raw, page):
    assert read_page(raw) == page


@pytest.mark.parametrize(
    "raw", ["0", str(MAX_PAGE + 1), "1\n2", "1 2"] + HOSTILE, ids=lambda raw: repr(raw[:12])
)
def test_anything_else_is_a_bad_request_not_a_crash(raw):
    with pytest.raises(BadSearchRequest):
        read_page(raw)


@pytest.mark.parametrize("facet", FACETS)
@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
def test_hostile_filter_values_are_ignored_with_a_notice(facet, value):
    vocabulary = {f: {"known": "Known"} for f in FACETS}
    params = read_params(query(**{facet: [value, "known"]}), vocabulary)
    assert params.filters == {facet: {"known"}}
    for ignored_facet, shown in params.ignored:
        assert ignored_facet == facet
        assert 0 < len(shown) <= 80
        assert "\x00" not in shown and "\u202e" not in shown


@pytest.mark.parametrize("facet", FACETS)
def test_hostile_filter_values_never_break_the_page_or_the_api(client, corpus, facet):
    for value in HOSTILE:
        page = client.get("/search/", {"q": "patients", facet: value})
        assert page.status_code == 200, value
        assert "<script>alert(" not in page.content.decode()
        api = client.get("/api/search/", {"q": "patients", facet: value})
        assert api.status_code == 200, value
        assert isinstance(api.json()["count"], int)


def test_an_unknown_filter_value_is_reported_cleaned(client, corpus):
    data = client.get(
        "/api/search/", {"q": "patients", "pathway": ["\u202eevil\x00<b>", "elective-care"]}
    ).json()
    assert data["count"] == 1
    assert "Some filters were not recognised and were ignored: evil <b>." in data["notices"]


@pytest.mark.parametrize("value", HOSTILE + ["DATE"], ids=IDS + ["DATE"])
def test_a_hostile_sort_is_a_clear_400(client, site_tree, value):
    page = client.get("/search/", {"q": "handover", "sort": value})
    assert page.status_code == 400
    assert "Sort must be one of: relevance, date" in page.content.decode()
    api = client.get("/api/search/", {"q": "handover", "sort": value})
    assert api.status_code == 400
    message = "sort must be one of: relevance, date"
    assert api.json() == {"error": {"code": "bad_request", "message": message}}


@pytest.mark.parametrize(("value", "sort"), [("", "relevance"), (" date ", "date")])
def test_a_blank_or_padded_sort_is_read(value, sort):
    assert read_params(query(sort=[value]), {f: {} for f in FACETS}).sort == sort


def test_hostile_queries_with_every_parameter_at_once_never_break_the_page(client, corpus):
    for value in HOSTILE:
        params = dict.fromkeys(FACETS, value)
        response = client.get("/search/", {"q": value, **params})
        assert response.status_code == 200, value
        response = client.get("/api/search/", {"q": value, **params})
        assert response.status_code == 200, value
