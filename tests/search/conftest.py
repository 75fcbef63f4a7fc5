"""A small judged corpus for search tests: pages whose words and facets are known."""

import pytest
from django.core.management import call_command


@pytest.fixture
def corpus(make_case_study, site_tree):
    """Six published case studies and one draft, chosen so each query has a known answer."""
    from kb.search.synonyms import forget_synonyms

    forget_synonyms()
    pages = {
        "ed": make_case_study(
            "Cutting corridor waits in the emergency department",
            summary="Streaming at the front door shortened waits for a cubicle.",
            pathways=["urgent-and-emergency-care"], methods=["lean"], region="london",
        ),
        "ae": make_case_study(
            "Faster A&E handovers",
            summary="Ambulance crews handed over in 15 minutes.",
            pathways=["urgent-and-emergency-care"], methods=["model-for-improvement"],
            region="north-west",
        ),
        "sdec": make_case_study(
            "Same day emergency care for frail patients",
            summary="Older people assessed and home the same day.",
            pathways=["urgent-and-emergency-care", "community-and-neighbourhood-care"],
            methods=["experience-based-co-design"], region="midlands",
        ),
        "rtt": make_case_study(
            "Referral to treatment validation",
            summary="Validating the waiting list improved 18-week performance.",
            pathways=["elective-care"], methods=["statistical-process-control"], region="midlands",
        ),
        "dna": make_case_study(
            "Texting patients cut missed outpatient appointments",
            summary="Reminders halved the did not attend rate in outpatients.",
            pathways=["elective-care"], methods=["model-for-improvement"], region="london",
        ),
        "discharge": make_case_study(
            "Discharging patients before noon",
            summary="Criteria-led discharge on medical wards.",
            pathways=["urgent-and-emergency-care"], methods=["lean", "six-sigma"],
            region="south-west",
        ),
        "paeds": make_case_study(
            "Paediatric asthma pathway",
            summary="Children with asthma seen in a paediatric clinic.",
            pathways=["primary-care"], methods=["total-quality-management"], region="london",
        ),
        "draft": make_case_study(
            "Unpublished emergency department draft",
            summary="Must never appear in search.", publish=False,
        ),
    }  # fmt: skip
    return pages


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
