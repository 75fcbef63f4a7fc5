"""A small judged corpus for search tests: pages whose words and facets are known."""

import functools

import pytest
from django.core.management import call_command

from tests import shared_content
from tests.factories import create_case_study


@pytest.fixture
def corpus(db):
    """Six published case studies and one draft, chosen so each query has a known answer.

    Built once for a run of tests in the modules that list "corpus" in their SHARED_CONTENT
    (tests/shared_content.py); each test gets its own copies of the pages."""
    from kb.cases.models import CaseStudyPage
    from kb.search.synonyms import forget_synonyms

    forget_synonyms()
    pks = shared_content.current.value_of("corpus")
    return {key: CaseStudyPage.objects.get(pk=pk) for key, pk in pks.items()}


@shared_content.shared("corpus", opt_in=True)
def _build_corpus():
    from kb.publishing.site_structure import ensure_site_structure
    from kb.search.synonyms import forget_synonyms

    forget_synonyms()
    make = functools.partial(create_case_study, ensure_site_structure()[2])
    pages = {
        "ed": make(
            "Cutting corridor waits in the emergency department",
            summary="Streaming at the front door shortened waits for a cubicle.",
            pathways=["urgent-and-emergency-care"], methods=["lean"], region="london",
        ),
        "ae": make(
            "Faster A&E handovers",
            summary="Ambulance crews handed over in 15 minutes.",
            pathways=["urgent-and-emergency-care"], methods=["model-for-improvement"],
            region="north-west",
        ),
        "sdec": make(
            "Same day emergency care for frail patients",
            summary="Older people assessed and home the same day.",
            pathways=["urgent-and-emergency-care", "community-and-neighbourhood-care"],
            methods=["experience-based-co-design"], region="midlands",
        ),
        "rtt": make(
            "Referral to treatment validation",
            summary="Validating the waiting list improved 18-week performance.",
            pathways=["elective-care"], methods=["statistical-process-control"], region="midlands",
        ),
        "dna": make(
            "Texting patients cut missed outpatient appointments",
            summary="Reminders halved the did not attend rate in outpatients.",
            pathways=["elective-care"], methods=["model-for-improvement"], region="london",
        ),
        "discharge": make(
            "Discharging patients before noon",
            summary="Criteria-led discharge on medical wards.",
            pathways=["urgent-and-emergency-care"], methods=["lean", "six-sigma"],
            region="south-west",
        ),
        "paeds": make(
            "Paediatric asthma pathway",
            summary="Children with asthma seen in a paediatric clinic.",
            pathways=["primary-care"], methods=["total-quality-management"], region="london",
        ),
        "draft": make(
            "Unpublished emergency department draft",
            summary="Must never appear in search.", publish=False,
        ),
    }  # fmt: skip
    return {key: page.pk for key, page in pages.items()}


@pytest.fixture
def reindexed(corpus):
    call_command("kb_reindex", verbosity=0)
    return corpus


@pytest.fixture(autouse=True)
def _closed_elasticsearch_circuit():
    """The circuit breaker lives in process memory: no test inherits another's open circuit."""
    from kb.search.breaker import elasticsearch_breaker

    elasticsearch_breaker.reset()
    yield
    elasticsearch_breaker.reset()
