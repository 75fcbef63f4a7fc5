"""Discoverability: /sitemap.xml, /robots.txt, canonical, Open Graph and Twitter card tags, and
schema.org JSON-LD, read as a crawler would (lxml for the XML and HTML, pyld for the JSON-LD)."""

import datetime
import json
import urllib.robotparser
from pathlib import Path

import pytest
from lxml import etree, html
from pyld import jsonld
from wagtail.models import Page, PageViewRestriction

from kb.core.models import knowledge_page_models, public_pages

pytestmark = pytest.mark.django_db

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
XSD = Path(__file__).parent / "data" / "sitemap.xsd"
CASE_STUDY = "/case-studies/northumbria-direct-streaming-to-sdec/"
GUIDE = "/guidance/discharge-and-hospital-flow/"
SCHEMA = "http://schema.org/"


@pytest.fixture
def uncached(settings):
    settings.KB_PAGE_CACHE_SECONDS = 0


def sitemap_entries(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    document = etree.fromstring(response.content)
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    assert schema.validate(document), schema.error_log
    return {
        url.findtext("sm:loc", namespaces=SITEMAP_NS): url.findtext(
            "sm:lastmod", namespaces=SITEMAP_NS
        )
        for url in document.findall("sm:url", SITEMAP_NS)
    }


def head_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return html.fromstring(response.content)


def meta(tree, attribute, name):
    values = tree.xpath(f'//head/meta[@{attribute}="{name}"]/@content')
    assert len(values) == 1, (name, values)
    return values[0]


def json_ld_blocks(tree):
    return [json.loads(text) for text in tree.xpath('//script[@type="application/ld+json"]/text()')]


def schema_org_loader(url, options=None):
    """The heart of schema.org's JSON-LD context (its @vocab), served without a network."""
    assert url.rstrip("/") in ("https://schema.org", "http://schema.org"), url
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": {"@context": {"@vocab": SCHEMA}},
    }


def expanded_nodes(data):
    """The JSON-LD expanded by a JSON-LD processor: {@type IRI: node}."""
    nodes = jsonld.flatten(data, None, {"documentLoader": schema_org_loader})
    return {node["@type"][0]: node for node in nodes if "@type" in node}


def value(node, name):
    (item,) = node[SCHEMA + name]
    return item.get("@value", item.get("@id"))


# --- /sitemap.xml ---------------------------------------------------------------------------


def test_the_sitemap_validates_and_lists_every_live_public_knowledge_page(client, demo_content):
    entries = sitemap_entries(client)
    expected = [
        page.get_full_url()
        for model in knowledge_page_models()
        for page in public_pages(model.objects.live())
    ]
    assert len(expected) > 20
    assert set(expected) <= set(entries)
    assert Page.objects.get(depth=2).get_full_url() in entries  # the home page
    # Every entry has a last-modified date, and every address answers.
    assert all(entries.values())
    for location in entries:
        path = location.split("://", 1)[1].split("/", 1)[1]
        assert client.get(f"/{path}").status_code == 200, location


def test_drafts_private_projects_and_restricted_pages_stay_out(client, demo_content, draft_guide):
    from kb.cases.models import CaseStudyPage
    from kb.projects.models import ProjectIndexPage, ProjectPage
    from kb.taxonomy.models import Organisation

    private = ProjectPage(
        title="Our private project",
        slug="our-private-project",
        summary="Only the team may see this.",
        aim="Halve the wait by March 2027.",
        organisation=Organisation.objects.first(),
        live=False,
    )
    ProjectIndexPage.objects.get().add_child(instance=private)
    private.save_revision()
    restricted = CaseStudyPage.objects.live().get(url_path__endswith=CASE_STUDY)
    PageViewRestriction.objects.create(
        page=restricted, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    entries = sitemap_entries(client)
    locations = " ".join(entries)
    assert "our-private-project" not in locations
    assert "reducing-corridor-care" not in locations
    assert restricted.get_full_url() not in entries
    assert CaseStudyPage.objects.live().exclude(pk=restricted.pk).first().get_full_url() in entries


def test_lastmod_is_the_last_publish_or_a_later_review(client, demo_content):
    from kb.cases.models import CaseStudyPage
    from kb.guides.models import ImprovementGuidePage

    case = CaseStudyPage.objects.live().get(url_path__endswith=CASE_STUDY)
    guide = ImprovementGuidePage.objects.live().get(url_path__endswith=GUIDE)
    published = datetime.datetime(2024, 1, 10, 12, tzinfo=datetime.UTC)
    # The case study was reviewed after it was last published; the guide's review date is a
    # slip in the future, which does not count.
    CaseStudyPage.objects.filter(pk=case.pk).update(
        last_published_at=published, last_reviewed=datetime.date(2025, 3, 1)
    )
    future = datetime.date.today() + datetime.timedelta(days=30)
    ImprovementGuidePage.objects.filter(pk=guide.pk).update(
        last_published_at=published, last_reviewed=future, next_review=future
    )
    entries = sitemap_entries(client)
    assert entries[case.get_full_url()] == "2025-03-01"
    assert entries[guide.get_full_url()] == "2024-01-10"


def test_the_sitemap_and_robots_are_not_stored_as_pages(client, demo_content):
    for _ in range(2):
        assert client.get("/sitemap.xml")["Content-Type"].startswith("application/xml")
        robots = client.get("/robots.txt")
        assert robots["Content-Type"] == "text/plain; charset=utf-8"
        assert robots.get("X-KB-Cache") != "HIT"


# --- /robots.txt ----------------------------------------------------------------------------


def test_robots_allows_public_pages_and_keeps_crawlers_out_of_private_and_token_urls(
    client, demo_content
):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    text = response.content.decode()
    lines = text.splitlines()
    assert lines[0] == "User-agent: *"
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    for path in (
        "/admin/", "/accounts/", "/following/", "/notifications/", "/ideas/submit/",
        "/ideas/status/", "/projects/new/", "/projects/mine/", "/projects/*/edit/", "/search/",
    ):  # fmt: skip
        assert f"Disallow: {path}" in lines
    assert "Disallow: /\n" not in text and "Allow: /" not in text
    robots = urllib.robotparser.RobotFileParser()
    robots.parse(lines)
    for blocked in (
        "/admin/pages/", "/ideas/submit/", "/ideas/status/abc123/",
        "/following/unsubscribe/abc123/", "/accounts/login/", "/notifications/",
    ):  # fmt: skip
        assert not robots.can_fetch("ExampleBot", blocked), blocked
    for public in ("/", CASE_STUDY, GUIDE, "/case-studies/", "/ideas/", "/projects/", "/feeds/"):
        assert robots.can_fetch("ExampleBot", public), public
    assert robots.site_maps() == ["http://testserver/sitemap.xml"]


# --- canonical, Open Graph, Twitter ---------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "og_type"), [(CASE_STUDY, "article"), (GUIDE, "article"), ("/", "website")]
)
def test_pages_carry_canonical_open_graph_and_twitter_tags(client, demo_content, url, og_type):
    home = Page.objects.get(depth=2)
    page = home.specific if url == "/" else Page.objects.get(url_path__endswith=url).specific
    tree = head_of(client, f"{url}?utm_source=newsletter")
    canonical = tree.xpath('//head/link[@rel="canonical"]/@href')
    assert canonical == [page.get_full_url()]
    assert meta(tree, "property", "og:url") == page.get_full_url()
    assert meta(tree, "property", "og:type") == og_type
    assert meta(tree, "property", "og:title") == page.title
    assert meta(tree, "property", "og:site_name") == "NHS Improvement Knowledge Base"
    assert meta(tree, "name", "twitter:card") == "summary"
    assert meta(tree, "name", "twitter:title") == page.title
    description = page.search_description or getattr(page, "summary", "") or page.intro
    assert meta(tree, "property", "og:description") == " ".join(description.split())
    assert meta(tree, "name", "twitter:description") == " ".join(description.split())


def test_other_views_are_canonical_without_their_query_string(client, demo_content):
    tree = head_of(client, "/search/?q=discharge&page=2")
    assert tree.xpath('//head/link[@rel="canonical"]/@href') == ["http://testserver/search/"]
    assert not tree.xpath('//head/meta[@property="og:type"]')
    assert not json_ld_blocks(tree)
    tree = head_of(client, "/case-studies/?page=2&pathway=urgent-and-emergency-care")
    (canonical,) = tree.xpath('//head/link[@rel="canonical"]/@href')
    assert canonical.endswith("/case-studies/")


# --- JSON-LD --------------------------------------------------------------------------------


def test_a_case_study_is_an_article_by_its_organisation_on_a_reviewed_web_page(
    client, demo_content
):
    from kb.cases.models import CaseStudyPage

    page = CaseStudyPage.objects.live().get(url_path__endswith=CASE_STUDY)
    (data,) = json_ld_blocks(head_of(client, CASE_STUDY))
    assert data["@context"] == "https://schema.org"
    nodes = expanded_nodes(data)
    article, web_page = nodes[SCHEMA + "Article"], nodes[SCHEMA + "WebPage"]
    assert value(article, "headline") == page.title
    assert value(article, "description") == page.summary
    assert value(article, "datePublished") == page.publication_date.isoformat()
    assert value(article, "dateModified") == page.last_modified.isoformat()
    assert value(article, "mainEntityOfPage") == page.get_full_url()
    graph = {node["@type"]: node for node in data["@graph"]}
    assert graph["Article"]["author"] == {"@type": "Organization", "name": page.organisation.name}
    assert graph["Article"]["publisher"]["name"] == "NHS England"
    assert [t["name"] for t in graph["Article"]["about"]] == [p.name for p in page.pathways.all()]
    assert value(web_page, "lastReviewed") == page.reviewed_on.isoformat()
    assert value(web_page, "mainEntity") == f"{page.get_full_url()}#article"
    assert graph["WebPage"]["reviewedBy"]["name"] == page.content_owner


@pytest.mark.parametrize(
    "model_name", ["ImprovementGuidePage", "GirftStandardPage", "BlueprintPage"]
)
def test_guidance_is_an_article_by_its_owner(client, demo_content, model_name):
    from kb.guides import models

    page = getattr(models, model_name).objects.live().exclude(content_owner="").first()
    (data,) = json_ld_blocks(head_of(client, page.url))
    nodes = expanded_nodes(data)
    assert {SCHEMA + "Article", SCHEMA + "WebPage"} <= set(nodes)
    graph = {node["@type"]: node for node in data["@graph"]}
    assert graph["Article"]["author"] == {"@type": "Organization", "name": page.content_owner}
    assert graph["Article"]["datePublished"] == page.publication_date.isoformat()
    assert graph["WebPage"]["lastReviewed"] == page.reviewed_on.isoformat()


def test_other_pages_have_no_article(client, demo_content):
    from kb.ideas.models import IdeaPage

    for url in ("/", "/case-studies/", IdeaPage.objects.live().first().url):
        assert not json_ld_blocks(head_of(client, url)), url


def test_hostile_titles_and_summaries_stay_inside_their_tags(client, demo_content, uncached):
    from kb.cases.models import CaseStudyPage

    title = 'Flow </script><script>alert("x")</script> & “more”'
    summary = 'A "quoted" <b>bold</b> summary\'s text, </SCRIPT> <!-- & ü 🚑 \u2028 line.'
    page = CaseStudyPage.objects.live().get(url_path__endswith=CASE_STUDY)
    page.title, page.summary = title, summary
    page.save_revision().publish()
    response = client.get(CASE_STUDY)
    source = response.content.decode()
    assert "<script>alert" not in source
    tree = html.fromstring(response.content)
    # No script but the site's own module and the one JSON-LD block, which holds it all.
    scripts = tree.xpath("//script")
    assert [s.get("type") for s in scripts].count("application/ld+json") == 1
    assert all(s.get("type") in ("module", "application/ld+json") for s in scripts)
    (data,) = json_ld_blocks(tree)
    graph = {node["@type"]: node for node in data["@graph"]}
    assert graph["Article"]["headline"] == title
    assert graph["Article"]["description"] == summary
    assert meta(tree, "property", "og:title") == title
    assert meta(tree, "property", "og:description") == " ".join(summary.split())
    assert meta(tree, "name", "twitter:title") == title
    # Nothing a parser would read as markup in the JSON-LD text itself.
    (raw,) = tree.xpath('//script[@type="application/ld+json"]/text()')
    assert "<" not in raw and ">" not in raw and "&" not in raw
    assert expanded_nodes(data)[SCHEMA + "Article"]


def test_the_tags_add_no_query_to_a_served_case_study(client, demo_content, uncached):
    """What the tags show comes from what the page had already read to render itself (the
    case study's budget in tests/cases/test_page_queries.py holds)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kb.core.templatetags.kb_tags import discovery_meta

    response = client.get(CASE_STUDY)
    context = {"request": response.wsgi_request, "page": response.context["page"]}
    with CaptureQueriesContext(connection) as queries:
        tags = discovery_meta(context)
    assert tags["json_ld"] and tags["canonical"].endswith(CASE_STUDY)
    assert not queries.captured_queries
