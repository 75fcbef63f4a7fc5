"""Pages point feed readers at their feeds: `<link rel="alternate">` in the head, most
particular first, each address a working feed."""

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = pytest.mark.django_db
# The library is built once for the module's tests in a row (tests/shared_content.py).
SHARED_CONTENT = ("library",)

SITE = "NHS Improvement Knowledge Base"
LATEST = (f"Latest from the {SITE}", "/feeds/latest/")


class _HeadFeeds(HTMLParser):
    def __init__(self):
        super().__init__()
        self.in_head = False
        self.found = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "head":
            self.in_head = True
        elif (
            tag == "link"
            and self.in_head
            and attrs.get("rel") == "alternate"
            and attrs.get("type") == "application/atom+xml"
        ):
            self.found.append((attrs.get("title"), attrs.get("href")))

    def handle_endtag(self, tag):
        if tag == "head":
            self.in_head = False


def feed_links(client, url, params=None):
    response = client.get(url, params or {})
    assert response.status_code == 200, url
    parser = _HeadFeeds()
    parser.feed(response.content.decode())
    return parser.found


def test_every_page_offers_the_latest_feed(client, read_feed, library):
    assert feed_links(client, "/") == [LATEST]
    assert read_feed(LATEST[1]).entries


def test_a_case_study_offers_its_types_feed_first(client, read_feed, library):
    page = library["handover"]
    assert feed_links(client, page.url) == [
        (f"Case studies – {SITE}", "/feeds/type/case-study/"),
        LATEST,
    ]
    listed = [entry.link for entry in read_feed("/feeds/type/case-study/").entries]
    assert f"http://testserver{page.url}" in listed


@pytest.mark.parametrize(
    ("url", "kinds"),
    [
        ("/case-studies/", [("Case studies", "case-study")]),
        (
            "/guidance/",
            [
                ("Improvement guides", "improvement-guide"),
                ("GIRFT standards", "girft-standard"),
                ("Blueprints", "blueprint"),
            ],
        ),
        ("/ideas/", [("Ideas", "idea")]),
    ],
)
def test_each_listing_offers_the_feeds_of_what_it_lists(client, read_feed, library, url, kinds):
    expected = [(f"{label} – {SITE}", f"/feeds/type/{kind}/") for label, kind in kinds]
    found = feed_links(client, url)
    assert found == [*expected, LATEST]
    for _, href in found:
        read_feed(href)


def test_the_search_page_offers_the_feed_of_its_own_search(client, read_feed, library):
    query = 'A&E "handover" <b>'
    params = {"q": query, "pathway": "urgent-and-emergency-care", "sort": "date"}
    response = client.get("/search/", params)
    raw = response.content.decode()
    assert "<b>" not in raw.split("</head>")[0]  # escaped, never markup in the head
    found = feed_links(client, "/search/", params)
    assert found[1:] == [LATEST]
    title, href = found[0]
    assert title == f"Search results for “{query}” – {SITE}"
    address = urlsplit(href)
    assert address.path == "/search/feed/"
    assert parse_qs(address.query) == {
        "q": [query],
        "pathway": ["urgent-and-emergency-care"],
        "sort": ["date"],
    }
    feed = read_feed(href)
    self_link = next(link.href for link in feed.feed.links if link.rel == "self")
    assert parse_qs(urlsplit(self_link).query)["q"] == [query]


def test_the_search_pages_feed_gives_its_results(client, read_feed, library):
    found = feed_links(client, "/search/", {"q": "emergency"})
    feed = read_feed(found[0][1])
    assert {entry.link for entry in feed.entries} == {
        f"http://testserver{library[key].url}" for key in ("handover", "sdec", "guide")
    }


def test_the_search_page_before_any_search_offers_only_the_latest_feed(client, library):
    assert feed_links(client, "/search/") == [LATEST]
