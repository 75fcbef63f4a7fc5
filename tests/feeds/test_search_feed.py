"""The search feed: the search page's results for the same address, and no address breaks it."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = pytest.mark.django_db
# The library is built once for the module's tests in a row (tests/shared_content.py).
SHARED_CONTENT = ("library",)

RESULT_LINK = re.compile(r'<h2 class="nhsuk-heading-s[^"]*"><a href="([^"]+)">')


def page_results(client, params):
    """The result addresses the search page shows, in its order."""
    response = client.get("/search/", params)
    assert response.status_code == 200
    return [f"http://testserver{url}" for url in RESULT_LINK.findall(response.content.decode())]


def feed_results(read_feed, params):
    return [entry.link for entry in read_feed("/search/feed/", params).entries]


def absolute_private(library):
    return f"http://testserver{library['private'].url}"


SEARCHES = [
    {"q": "emergency"},
    {"q": "handover", "pathway": "urgent-and-emergency-care"},
    {"pathway": "urgent-and-emergency-care"},
    {"q": "patients", "method": "experience-based-co-design"},
    {"method": "lean"},
    {"type": "case-study", "pathway": ["elective-care", "urgent-and-emergency-care"]},
    {"q": "no page says this"},
]


@pytest.mark.parametrize("params", SEARCHES)
def test_the_feed_lists_what_the_search_page_finds_newest_first(client, read_feed, library, params):
    expected = page_results(client, {**params, "sort": "date"})
    assert feed_results(read_feed, params) == expected
    if params.get("q") != "no page says this":
        assert expected  # the comparison means something


@pytest.mark.parametrize("params", SEARCHES)
def test_sort_relevance_gives_the_search_pages_own_order(client, read_feed, library, params):
    expected = page_results(client, params)
    assert feed_results(read_feed, {**params, "sort": "relevance"}) == expected


def test_the_feed_says_what_it_follows_and_where_to_read_it(read_feed, library):
    feed = read_feed("/search/feed/", {"q": "handover", "pathway": "urgent-and-emergency-care"})
    assert feed.feed.title == (
        "Search results for “handover” (Care pathway: Urgent and emergency care) "
        "– NHS Improvement Knowledge Base"
    )
    links = {link.rel: link.href for link in feed.feed.links}
    assert links == {
        "self": "http://testserver/search/feed/?q=handover&pathway=urgent-and-emergency-care",
        "alternate": "http://testserver/search/?q=handover&pathway=urgent-and-emergency-care"
        "&sort=date",
    }
    assert feed.feed.id == links["self"]
    relevance = read_feed("/search/feed/", {"q": "handover", "sort": "relevance", "page": "2"})
    assert {link.rel: link.href for link in relevance.feed.links}["self"] == (
        "http://testserver/search/feed/?q=handover&sort=relevance"
    )


def test_the_page_number_is_ignored_a_feed_is_the_first_results(client, read_feed, library):
    assert feed_results(read_feed, {"q": "emergency", "page": "abc"}) == feed_results(
        read_feed, {"q": "emergency"}
    )


def test_an_order_nobody_could_mean_is_a_clear_400(client, library):
    response = client.get("/search/feed/", {"q": "handover", "sort": "evil"})
    assert response.status_code == 400
    assert "sort must be one of" in response.content.decode()


def test_unknown_filters_are_ignored_as_the_search_page_ignores_them(read_feed, library):
    feed = read_feed("/search/feed/", {"q": "handover", "pathway": "<b>nope</b>"})
    assert feed_results(read_feed, {"q": "handover"}) == [entry.link for entry in feed.entries]
    assert "not recognised" in feed.feed.subtitle
    assert "<b>nope</b>" in feed.feed.subtitle  # as text: feedparser would strip markup


HOSTILE = [
    "x" * 5000,
    "",
    "   ",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "'; DROP TABLE kbsearch_searchdocument; --",
    "急诊 🚑 handover",
    "\x00",
    "\x0b\x1b[31m",
    '"unbalanced quote',
    "NEAR(a b) OR NOT x*",
    "%s %d {0} ${x}",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_give_a_valid_feed(client, read_feed, library, query):
    params = {"q": query, "pathway": query or "urgent-and-emergency-care", "method": query}
    feed = read_feed("/search/feed/", params)
    assert b"<script>" not in client.get("/search/feed/", params).content  # only as text
    if query.strip() == "<script>alert(1)</script>":
        assert "“<script>alert(1)</script>”" in feed.feed.title  # what was searched for
    assert absolute_private(library) not in [entry.link for entry in feed.entries]


# A null byte, other control bytes, bytes that are not UTF-8 (a lone surrogate), 500 emoji.
RAW = ["q=%00", "q=%00%01%ff", "q=%ED%A0%80", "q=" + "%F0%9F%9A%91" * 500]


@pytest.mark.parametrize("raw", RAW)
def test_hostile_bytes_in_the_address_give_a_valid_feed(read_feed, library, raw):
    read_feed(f"/search/feed/?{raw}&pathway=%00")


def test_a_very_long_query_is_cut_as_the_search_page_cuts_it(read_feed, library):
    feed = read_feed("/search/feed/", {"q": "handover " * 600})
    assert len(feed.feed.title) < 300
    self_link = next(link.href for link in feed.feed.links if link.rel == "self")
    assert parse_qs(urlsplit(self_link).query)["q"][0].startswith("handover handover")
