"""Feeds as a feed reader meets them: fetched through their real addresses, parsed by feedparser."""

import datetime
import functools

import feedparser
import pytest

from tests import shared_content
from tests.factories import create_case_study, publish_child


@pytest.fixture(autouse=True)
def _fresh_search_state():
    """Synonyms and the Elasticsearch circuit live in process memory: no test inherits
    another's."""
    from kb.search.breaker import elasticsearch_breaker
    from kb.search.synonyms import forget_synonyms

    forget_synonyms()
    elasticsearch_breaker.reset()
    yield
    elasticsearch_breaker.reset()


@pytest.fixture
def read_feed(client):
    """Fetch a feed and parse it as a reader would; it must be well-formed Atom 1.0."""

    def read(url, params=None, **headers):
        response = client.get(url, params or {}, **headers)
        assert response.status_code == 200, (url, params, response.content[:500])
        assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
        parsed = feedparser.parse(response.content)
        assert parsed.bozo == 0, parsed.get("bozo_exception")
        assert parsed.version == "atom10"
        return parsed

    return read


def create_guide(index, title, pathways=(), methods=(), **fields):
    """Publish an improvement guide under `index` (owned by a team, not an organisation)."""
    from kb.guides.models import ImprovementGuidePage
    from kb.taxonomy.models import ImprovementMethod, Pathway

    guide = ImprovementGuidePage(
        title=title,
        summary=fields.pop("summary", f"Summary of {title}."),
        content_owner=fields.pop("content_owner", "Flow improvement team"),
        publication_date=fields.pop("publication_date", datetime.date(2025, 5, 1)),
        **fields,
    )
    guide.pathways = list(Pathway.objects.filter(slug__in=pathways))
    guide.methods = list(ImprovementMethod.objects.filter(slug__in=methods))
    return publish_child(index, guide)


@pytest.fixture
def make_guide(site_tree):
    """Publish an improvement guide (owned by a team, not an organisation)."""
    return functools.partial(create_guide, site_tree[1])


@pytest.fixture
def library(db):
    """Published case studies and a guide on known pathways and methods, a draft, and a page
    behind a view restriction.

    Built once for a run of tests in the modules that list "library" in their SHARED_CONTENT
    (tests/shared_content.py); each test gets its own copies of the pages."""
    from wagtail.models import Page

    pks = shared_content.current.value_of("library")
    return {key: Page.objects.get(pk=pk).specific for key, pk in pks.items()}


@shared_content.shared("library", opt_in=True)
def _build_library():
    from wagtail.models import PageViewRestriction

    from kb.publishing.site_structure import ensure_site_structure

    site_tree = ensure_site_structure()
    make_case_study = functools.partial(create_case_study, site_tree[2])
    make_guide = functools.partial(create_guide, site_tree[1])
    pages = {
        "handover": make_case_study(
            "Faster ambulance handovers",
            summary="Crews handed over within 15 minutes at the front door.",
            pathways=["urgent-and-emergency-care"], methods=["lean"],
            publication_date=datetime.date(2025, 3, 1),
        ),
        "sdec": make_case_study(
            "Same day emergency care for frail patients",
            summary="Older people assessed and home the same day.",
            pathways=["urgent-and-emergency-care", "community-and-neighbourhood-care"],
            methods=["experience-based-co-design"],
            publication_date=datetime.date(2025, 4, 1),
        ),
        "rtt": make_case_study(
            "Validating the elective waiting list",
            summary="Validation improved referral to treatment performance.",
            pathways=["elective-care"], methods=["lean", "statistical-process-control"],
            publication_date=datetime.date(2025, 2, 1),
        ),
        "guide": make_guide(
            "Emergency department flow",
            summary="What good flow through an emergency department looks like.",
            pathways=["urgent-and-emergency-care"], methods=["model-for-improvement"],
            publication_date=datetime.date(2025, 1, 15),
        ),
        "draft": make_case_study(
            "Unpublished emergency handover draft",
            summary="Must never reach a feed.", publish=False,
            pathways=["urgent-and-emergency-care", "elective-care"], methods=["lean"],
            publication_date=datetime.date(2025, 6, 1),
        ),
        "private": make_case_study(
            "Restricted emergency handover pilot",
            summary="Behind a sign-in: must never reach a feed.",
            pathways=["urgent-and-emergency-care", "elective-care"], methods=["lean"],
            publication_date=datetime.date(2025, 6, 2),
        ),
    }  # fmt: skip
    PageViewRestriction.objects.create(page=pages["private"], restriction_type="login")
    pages["private"].save_revision().publish()  # as an editor would: search drops it too
    return {key: page.pk for key, page in pages.items()}
