"""Case studies: measured results, evidence strength shown with its meaning, listing filters."""

import pytest

from kb.cases.models import EVIDENCE_MEANINGS, EvidenceStrength


@pytest.fixture
def cases(make_case_study):
    return {
        "uec": make_case_study(
            "Ambulance handover in 15 minutes",
            pathways=["urgent-and-emergency-care"],
            methods=["lean"],
            region="north-west",
            evidence_strength=EvidenceStrength.SUSTAINED,
        ),
        "elective": make_case_study(
            "Validating the RTT waiting list",
            pathways=["elective-care"],
            methods=["model-for-improvement", "statistical-process-control"],
            region="midlands",
            measures=[
                {"name": "18-week RTT performance", "unit": "%", "baseline": 52, "result": 69,
                 "period": "Nov 2024 to Nov 2025"},
            ],
        ),
        "both": make_case_study(
            "Frailty SDEC",
            pathways=["urgent-and-emergency-care", "community-and-neighbourhood-care"],
            methods=["experience-based-co-design"],
            region="midlands",
        ),
        "draft": make_case_study("Unpublished draft case", publish=False),
    }  # fmt: skip


def listing(client, query=""):
    response = client.get(f"/case-studies/{query}")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_listing_shows_published_case_studies_only(client, cases):
    html = listing(client)
    assert "Ambulance handover in 15 minutes" in html
    assert "Unpublished draft case" not in html
    assert "3 case studies" in html


@pytest.mark.django_db
def test_values_of_one_filter_combine_with_or(client, cases):
    html = listing(client, "?method=lean&method=experience-based-co-design")
    assert "Ambulance handover" in html and "Frailty SDEC" in html
    assert "Validating the RTT" not in html


@pytest.mark.django_db
def test_different_filters_combine_with_and(client, cases):
    html = listing(client, "?pathway=urgent-and-emergency-care&region=midlands")
    assert "Frailty SDEC" in html
    assert "Ambulance handover" not in html
    assert "1 case study" in html


def option_count(html, value):
    """The count shown beside a filter option, by its input's value."""
    import re

    match = re.search(
        rf'value="{re.escape(value)}"[^>]*>\s*<label[^>]*>[^<]*<span class="kb-filter-count">'
        r"\((\d+)\)</span>",
        html,
    )
    assert match, value
    return int(match.group(1))


@pytest.mark.django_db
def test_each_filter_option_shows_how_many_it_would_give(client, cases):
    html = listing(client)
    assert option_count(html, "urgent-and-emergency-care") == 2
    assert option_count(html, "elective-care") == 1
    assert option_count(html, "cancer") == 0
    assert option_count(html, "midlands") == 2
    # With a region chosen, the other filters count within it; the region's own options still
    # count as if it were not chosen (choosing another adds to the list).
    html = listing(client, "?region=midlands")
    assert option_count(html, "urgent-and-emergency-care") == 1
    assert option_count(html, "elective-care") == 1
    assert option_count(html, "north-west") == 1
    assert option_count(html, "midlands") == 2


@pytest.mark.django_db
def test_filter_by_evidence_strength(client, cases):
    html = listing(client, "?evidence=sustained")
    assert "Ambulance handover" in html and "Frailty SDEC" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    ["?pathway=not-a-pathway", "?region=%3Cscript%3E", "?page=999", "?page=-1",
     "?method=" + "x" * 5000, "?evidence=%00"],
)  # fmt: skip
def test_hostile_filters_give_a_normal_page(client, cases, query):
    html = listing(client, query)
    assert "<script>" not in html


@pytest.mark.django_db
def test_no_matches_offers_a_way_back(client, cases):
    html = listing(client, "?pathway=cancer")
    assert "No case studies match these filters" in html
    assert "Clear the filters" in html


@pytest.mark.django_db
def test_case_study_page_shows_measured_result_and_evidence_meaning(client, cases):
    html = client.get(cases["elective"].url).content.decode()
    assert "18-week RTT performance" in html
    assert "52%" in html and "69%" in html and "+17 percentage points" in html
    assert "Improved" in html
    assert EVIDENCE_MEANINGS[EvidenceStrength.BEFORE_AND_AFTER] in html
    for meaning in EVIDENCE_MEANINGS.values():
        assert meaning in html  # the whole scale is explained to readers


@pytest.mark.django_db
def test_a_fall_is_an_improvement_where_lower_is_better(cases):
    measure = cases["uec"].measures.get()
    assert measure.higher_is_better is False
    assert measure.improved is True
    assert measure.change_display == "-2 days"


@pytest.mark.django_db
def test_region_defaults_to_the_organisations(make_case_study, site_tree):
    from kb.cases.models import CaseStudyPage
    from kb.taxonomy.models import Organisation, Region

    region = Region.objects.get(slug="north-east-and-yorkshire")
    org = Organisation.objects.create(name="Northumbria Healthcare", slug="nhc", region=region)
    page = CaseStudyPage(title="No region given", summary="s", organisation=org)
    site_tree[2].add_child(instance=page)
    assert page.region.slug == "north-east-and-yorkshire"
