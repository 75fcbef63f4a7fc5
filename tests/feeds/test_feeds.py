"""The feeds a reader subscribes to: valid Atom, the right pages in the right order, nothing
unpublished or private, and the same few queries however many entries they carry."""

import datetime
import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

pytestmark = pytest.mark.django_db
# The library is built once for the module's tests in a row (tests/shared_content.py).
SHARED_CONTENT = ("library",)

SITE = "NHS Improvement Knowledge Base"


def links(element):
    return {link.rel: link.href for link in element.links}


def urls(feed):
    return [entry.link for entry in feed.entries]


def absolute(page):
    return f"http://testserver{page.url}"


def categories(entry):
    """{(vocabulary, slug)}: the vocabulary read from the scheme (…/feeds/pathway/)."""
    return {(tag.scheme.rstrip("/").rsplit("/", 1)[-1], tag.term) for tag in entry.tags}


def test_the_latest_feed_describes_itself(read_feed, library):
    feed = read_feed("/feeds/latest/")
    assert feed.feed.title == f"Latest from the {SITE}"
    assert feed.feed.subtitle
    assert links(feed.feed) == {
        "self": "http://testserver/feeds/latest/",
        "alternate": "http://testserver/",
    }
    assert feed.feed.id == "http://testserver/feeds/latest/"
    assert feed.feed.author == SITE
    newest = max(library[key].last_published_at for key in ("sdec", "handover", "rtt", "guide"))
    assert feed.feed.updated == newest.isoformat()


def test_the_latest_feed_lists_published_pages_of_every_type_newest_first(read_feed, library):
    feed = read_feed("/feeds/latest/")
    assert urls(feed) == [absolute(library[key]) for key in ("sdec", "handover", "rtt", "guide")]


def test_an_entry_carries_what_a_reader_shows(read_feed, library):
    page, guide = library["handover"], library["guide"]
    entries = {entry.link: entry for entry in read_feed("/feeds/latest/").entries}
    entry = entries[absolute(page)]
    assert entry.title == "Faster ambulance handovers"
    assert entry.summary == "Crews handed over within 15 minutes at the front door."
    assert entry.author == "Example NHS Trust"
    assert entry.published == "2025-03-01T00:00:00+00:00"  # its publication date, in London
    assert entry.updated == page.last_published_at.isoformat()
    assert entry.id.startswith("tag:testserver,") and entry.id.endswith(f":page/{page.pk}")
    assert categories(entry) == {
        ("type", "case-study"),
        ("pathway", "urgent-and-emergency-care"),
        ("method", "lean"),
    }
    assert {tag.term: tag.label for tag in entry.tags} == {
        "case-study": "Case study",
        "urgent-and-emergency-care": "Urgent and emergency care",
        "lean": "Lean",
    }
    # scheme + term is the term's own feed
    pathway = next(tag for tag in entry.tags if tag.term == "urgent-and-emergency-care")
    assert pathway.scheme + pathway.term + "/" == (
        "http://testserver/feeds/pathway/urgent-and-emergency-care/"
    )
    # A guide names no organisation: its owner is its author.
    assert entries[absolute(guide)].author == "Flow improvement team"
    assert ("type", "improvement-guide") in categories(entries[absolute(guide)])


def test_titles_and_summaries_reach_the_reader_as_the_text_the_editor_wrote(
    read_feed, make_case_study
):
    summary = "Waits < 4 hours & fewer breaches. <script>alert(1)</script>"
    make_case_study("A&E <fast> handovers", summary=summary)
    entry = read_feed("/feeds/latest/").entries[0]
    assert entry.title == "A&E <fast> handovers"
    assert entry.summary_detail.type == "text/html"
    assert "<script>" not in entry.summary  # text, never markup a reader would run
    assert html.unescape(entry.summary) == summary


def test_characters_xml_cannot_carry_are_dropped_not_a_server_error(read_feed, make_case_study):
    make_case_study("Vertical\x0btab title", summary="Form\x0cfeed in the summary.")
    entry = read_feed("/feeds/latest/").entries[0]
    assert entry.title == "Verticaltab title"
    assert entry.summary == "Formfeed in the summary."


def test_an_edited_page_keeps_its_entry_id_and_shows_only_what_is_published(read_feed, library):
    page = library["handover"]
    before = read_feed("/feeds/latest/").entries[1]
    page.title = "Ambulance handovers in under 15 minutes"
    page.save_revision().publish()
    page.title = "An unpublished draft title"
    page.save_revision()  # a draft of a live page: readers must not see it
    after = read_feed("/feeds/latest/").entries[1]
    assert after.id == before.id  # a reader sees an update, not a new entry
    assert after.title == "Ambulance handovers in under 15 minutes"
    assert after.updated > before.updated


FEEDS = [
    "/feeds/latest/",
    "/feeds/type/case-study/",
    "/feeds/pathway/urgent-and-emergency-care/",
    "/feeds/pathway/elective-care/",
    "/feeds/method/lean/",
    "/search/feed/",
    "/search/feed/?q=emergency+handover",
    "/search/feed/?pathway=elective-care&sort=relevance",
]


@pytest.mark.parametrize("url", FEEDS)
def test_drafts_and_restricted_pages_never_appear(read_feed, library, url):
    listed = urls(read_feed(url))
    assert listed  # the feed does list the public pages it should
    assert absolute(library["draft"]) not in listed
    assert absolute(library["private"]) not in listed


def test_an_unpublished_page_leaves_every_feed(read_feed, library):
    library["handover"].unpublish()
    for url in FEEDS:
        assert absolute(library["handover"]) not in urls(read_feed(url)), url


def test_a_restriction_above_a_page_hides_it_even_before_search_is_told(
    read_feed, library, site_tree
):
    """A view restriction on the guidance library covers the guide below it. Nothing is
    republished, so the search index still holds the guide: the search feed must not trust it."""
    from wagtail.models import PageViewRestriction

    PageViewRestriction.objects.create(page=site_tree[1], restriction_type="login")
    guide = absolute(library["guide"])
    for url in ("/feeds/latest/", "/feeds/pathway/urgent-and-emergency-care/", "/search/feed/"):
        assert guide not in urls(read_feed(url)), url
    assert guide not in urls(read_feed("/search/feed/", {"q": "flow"}))


def test_a_new_publish_appears_at_the_top(read_feed, library, make_case_study):
    make_case_study("Discharge before noon", publication_date=timezone.localdate())
    feed = read_feed("/feeds/latest/")
    assert feed.entries[0].title == "Discharge before noon"
    assert len(feed.entries) == 5


def test_a_pathway_feed_lists_only_that_pathway(read_feed, library):
    feed = read_feed("/feeds/pathway/elective-care/")
    assert feed.feed.title == f"Elective care – {SITE}"
    assert links(feed.feed) == {
        "self": "http://testserver/feeds/pathway/elective-care/",
        "alternate": "http://testserver/search/?pathway=elective-care&sort=date",
    }
    assert urls(feed) == [absolute(library["rtt"])]
    emergency = read_feed("/feeds/pathway/urgent-and-emergency-care/")
    assert urls(emergency) == [absolute(library[key]) for key in ("sdec", "handover", "guide")]
    for entry in emergency.entries:
        assert ("pathway", "urgent-and-emergency-care") in categories(entry)


def test_a_method_feed_lists_only_that_method(read_feed, library):
    feed = read_feed("/feeds/method/lean/")
    assert feed.feed.title == f"Lean – {SITE}"
    assert urls(feed) == [absolute(library["handover"]), absolute(library["rtt"])]
    assert urls(read_feed("/feeds/method/model-for-improvement/")) == [absolute(library["guide"])]
    # A method nothing is filed under yet is an empty feed, not an error.
    assert read_feed("/feeds/method/six-sigma/").entries == []


def test_a_type_feed_lists_only_that_type(read_feed, library):
    feed = read_feed("/feeds/type/case-study/")
    assert feed.feed.title == f"Case studies – {SITE}"
    assert links(feed.feed)["alternate"] == "http://testserver/search/?type=case-study&sort=date"
    assert urls(feed) == [absolute(library[key]) for key in ("sdec", "handover", "rtt")]
    assert urls(read_feed("/feeds/type/improvement-guide/")) == [absolute(library["guide"])]
    assert read_feed("/feeds/type/idea/").entries == []


def test_every_content_type_search_offers_has_a_feed(read_feed, demo_content):
    """The type feeds take the slugs of search's "Content type" facet."""
    from kb.taxonomy.models import ContentKind

    for kind in ContentKind.objects.all():
        feed = read_feed(f"/feeds/type/{kind.slug}/")
        assert feed.entries, kind.slug
        for entry in feed.entries:
            assert ("type", kind.slug) in categories(entry), (kind.slug, entry.title)


@pytest.mark.parametrize(
    "url",
    [
        "/feeds/type/no-such-kind/",
        "/feeds/type/urgent-and-emergency-care/",  # a pathway, not a content type
        "/feeds/pathway/no-such-pathway/",
        "/feeds/pathway/lean/",  # a method, not a pathway
        "/feeds/method/no-such-method/",
        "/feeds/pathway/%3Cscript%3E/",
        "/feeds/type/'%20OR%201=1%20--/",
        "/feeds/method/" + "x" * 5000 + "/",
    ],
)
def test_unknown_slugs_are_a_404(client, library, url):
    assert client.get(url).status_code == 404


def test_a_feed_is_read_not_written(client, library):
    assert client.post("/feeds/latest/").status_code == 405
    assert client.post("/search/feed/?q=handover").status_code == 405


def test_feeds_may_be_cached_and_a_reader_polling_an_unchanged_feed_gets_304(
    client, library, make_case_study
):
    first = client.get("/feeds/latest/")
    assert "public" in first["Cache-Control"] and "max-age=300" in first["Cache-Control"]
    etag = first["ETag"]
    again = client.get("/feeds/latest/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    make_case_study("Discharge before noon", publication_date=timezone.localdate())
    changed = client.get("/feeds/latest/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert b"Discharge before noon" in changed.content
    assert changed["ETag"] != etag


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


# Two page types present. The vocabulary names (the search feed reads every facet's, one query
# a facet: six), then searches, a query a page type (five), the pathways and the methods of
# the entries of each type present (four), the site, and the page cache's token.
BUDGET = 17
CHEAP_FEEDS = [
    "/feeds/latest/",
    "/feeds/type/case-study/",
    "/feeds/pathway/urgent-and-emergency-care/",
    "/feeds/method/lean/",
    "/search/feed/?q=patients",
    "/search/feed/?pathway=urgent-and-emergency-care",
]


def test_a_feed_costs_the_same_few_queries_however_many_entries_it_has(
    client, read_feed, make_case_study, make_guide, django_assert_max_num_queries
):
    make_guide("Patients in corridors", pathways=["urgent-and-emergency-care"], methods=["lean"])
    make_case_study("Patients home for lunch 0", methods=["lean"])
    for url in CHEAP_FEEDS:
        client.get(url)  # per-process caches (content types, site root paths)
    few = {url: _queries(client, url) for url in CHEAP_FEEDS}
    start = datetime.date(2024, 1, 1)
    for number in range(1, 35):
        make_case_study(
            f"Patients home for lunch {number}",
            methods=["lean"],
            publication_date=start + datetime.timedelta(days=number),
        )
    for url in CHEAP_FEEDS:
        client.get(url)  # search's facet sets catch up with the new pages once, not per feed
        with django_assert_max_num_queries(BUDGET, info=url):
            response = client.get(url)
        assert response.status_code == 200
        assert _queries(client, url) == few[url], url
    feed = read_feed("/feeds/type/case-study/")
    assert len(feed.entries) == 30
    # Newest first: of 35 the five with the oldest dates are left out.
    assert [entry.title for entry in feed.entries[:2]] == [
        "Patients home for lunch 0",  # dated 1 June 2025, after the others
        "Patients home for lunch 34",
    ]
    assert "Patients home for lunch 4" not in {entry.title for entry in feed.entries}


def test_with_every_page_type_a_feed_stays_within_budget(
    client, demo_content, django_assert_max_num_queries
):
    client.get("/feeds/latest/")
    # Six page types (improvement projects made six): the cache token, the names, six reads,
    # two vocabularies for each type present, and the site.
    with django_assert_max_num_queries(21):
        response = client.get("/feeds/latest/")
    assert response.status_code == 200
    assert response.content.count(b"<entry>") == 30
