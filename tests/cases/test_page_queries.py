"""Pages served without the page cache stay within a query budget, and restrictions still hold.

The budgets are counts, not timings: a page that starts reading a relation once per item (or
twice, from the template) fails here long before anyone notices it on a load test. The home page
and the listings read more (their cards, their filters) and have budgets of their own.
"""

import pytest
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, PageViewRestriction

from kb.core.models import public_pages

CASE_STUDY = "/case-studies/northumbria-direct-streaming-to-sdec/"
BUDGETS = {
    "case study": (CASE_STUDY, 10),
    "improvement guide": ("/guidance/discharge-and-hospital-flow/", 10),
    "GIRFT standard": ("/guidance/copd-discharge-bundle/", 10),
    "blueprint": ("/guidance/model-emergency-department/", 10),
    # An idea also reads its spread: the shared projects testing or implementing it.
    "idea": ("/ideas/slim-down-standard-theatre-instrument-trays/", 11),
    "improvement project": ("/projects/ecg-within-10-minutes-of-arrival-for-chest-pain/", 16),
    # The library also counts each filter's options, as search's facets do: a query a filter.
    "case study library": ("/case-studies/", 17),
    "guidance library": ("/guidance/", 10),
    "home page": ("/", 16),  # one query per top-level section type (projects made it 6)
}


@pytest.fixture
def uncached(settings):
    settings.KB_PAGE_CACHE_SECONDS = 0


@pytest.mark.django_db
def test_every_page_type_renders_within_its_query_budget(
    client, demo_content, uncached, django_assert_max_num_queries
):
    for kind, (url, budget) in BUDGETS.items():
        client.get(url)  # a worker's per-process caches (content types, site root paths)
        with django_assert_max_num_queries(budget, info=kind):
            response = client.get(url)
        assert response.status_code == 200, kind


@pytest.mark.django_db
def test_the_case_study_page_reads_each_relation_once(client, demo_content, uncached):
    from django.db import connection

    client.get(CASE_STUDY)
    with CaptureQueriesContext(connection) as queries:
        client.get(CASE_STUDY)
    tables = [
        table
        for table in (
            "taxonomy_pathway", "taxonomy_improvementmethod", "taxonomy_specialty",
            "cases_casestudymeasure", "cases_casestudyseries", "cases_casestudyattachment",
        )
        if sum(f'"{table}"' in q["sql"] for q in queries.captured_queries) != 1
    ]  # fmt: skip
    assert not tables, f"not read exactly once: {tables}"


@pytest.mark.django_db
def test_the_served_page_shows_what_it_did_before(client, demo_content, uncached):
    html = client.get(CASE_STUDY).content.decode()
    # Breadcrumbs from the pages routing read, the menu from the home page's children.
    assert '<a class="nhsuk-breadcrumb__link" href="/">Home</a>' in html
    assert '<a class="nhsuk-breadcrumb__link" href="/case-studies/">Case studies</a>' in html
    for label in ("Guidance", "Case studies", "Search"):
        assert f">{label}</a>" in html
    # Classification, organisation and region, as the page's own relations give them.
    page = Page.objects.get(url_path__endswith=CASE_STUDY).specific
    for term in [*page.pathways.all(), *page.methods.all(), *page.specialties.all()]:
        assert term.name in html
    for adopter in page.also_adopted_by.all():
        assert f"<li>{adopter.name}</li>" in html
    assert page.organisation.name in html and page.region.name in html


@pytest.mark.django_db
@pytest.mark.parametrize("where", ["page", "index", "alias"])
def test_view_restrictions_still_apply(client, demo_content, uncached, where):
    page = Page.objects.get(url_path__endswith=CASE_STUDY)
    if where == "alias":
        # An alias takes its source page's restrictions: serve an alias of a restricted page.
        PageViewRestriction.objects.create(page=page, restriction_type="login")
        home = page.get_parent().get_parent()
        url = page.create_alias(parent=home, update_slug="aliased-case-study").url
    else:
        restricted = page if where == "page" else page.get_parent()
        PageViewRestriction.objects.create(page=restricted, restriction_type="login")
        url = page.url
    response = client.get(url)
    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("restricted", ["guide", "guidance index"])
def test_links_to_restricted_pages_are_left_out(client, demo_content, uncached, restricted):
    from kb.cases.models import CaseStudyPage

    page = CaseStudyPage.objects.get(url_path__endswith=CASE_STUDY)
    citing = list(page.cited_by_guides.live().order_by("path"))
    assert citing, "the demo case study is cited by a guide"
    on = citing[0] if restricted == "guide" else citing[0].get_parent()
    PageViewRestriction.objects.create(page=on, restriction_type="login")
    expected = list(page.cited_by_guides.live().public())
    html = client.get(CASE_STUDY).content.decode()
    assert f'<a href="{citing[0].url}">' not in html
    for guide in expected:
        assert f'<a href="{guide.url}">{guide.title}</a>' in html
    served = CaseStudyPage.objects.get(pk=page.pk)
    assert [p.pk for p in served.citing_guides()] == [g.pk for g in expected]


@pytest.mark.django_db
def test_public_pages_matches_wagtails_public(demo_content):
    guide_index = Page.objects.get(url_path__endswith="/guidance/")
    restricted = guide_index.get_children().order_by("path")[2]
    PageViewRestriction.objects.create(page=restricted, restriction_type="login")
    PageViewRestriction.objects.create(page=guide_index.get_parent(), restriction_type="login")
    children = guide_index.get_children().live()
    assert list(public_pages(children)) == list(children.public())
    everything = Page.objects.all()
    assert list(public_pages(everything)) == list(everything.public())
    paths = PageViewRestriction.objects.values_list("page__path", flat=True)
    assert list(public_pages(everything, tuple(paths))) == list(everything.public())
