"""Search finds what clinicians mean: synonyms, stemming, spellings, facets and combinations."""

import pytest
from django.http import QueryDict

from kb.search.service import read_params, search_documents


def run(query_string):
    result, _ = search_documents(read_params(QueryDict(query_string)))
    return result


def slugs(result):
    return {hit.slug for hit in result.hits}


def found(corpus, *keys):
    return {corpus[key].slug for key in keys}


pytestmark = pytest.mark.django_db
# The corpus is built once for the module's tests in a row (tests/shared_content.py).
SHARED_CONTENT = ("corpus",)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=A%26E", {"ed", "ae"}),
        ("q=ED", {"ed", "ae"}),
        ("q=emergency+department", {"ed", "ae"}),
        ("q=accident+and+emergency", {"ed", "ae"}),
        ("q=SDEC", {"sdec"}),
        ("q=RTT", {"rtt"}),
        ("q=referral+to+treatment", {"rtt"}),
        ("q=DNA", {"dna"}),
        ("q=did+not+attend", {"dna"}),
        ("q=PDSA", {"ae", "dna"}),
        ("q=EBCD", {"sdec"}),
        ("q=SPC", {"rtt"}),
    ],
)
def test_abbreviations_find_what_they_stand_for(corpus, query, expected):
    assert slugs(run(query)) == found(corpus, *expected)


def test_stemming_matches_other_forms_of_a_word(corpus):
    assert found(corpus, "discharge") <= slugs(run("q=discharge"))
    assert slugs(run("q=discharge")) == slugs(run("q=discharging"))
    assert found(corpus, "discharge") <= slugs(run("q=discharged"))


def test_american_spelling_finds_british_text(corpus):
    assert slugs(run("q=pediatric")) == found(corpus, "paeds")
    assert slugs(run("q=paediatric")) == found(corpus, "paeds")


def test_drafts_are_never_found(corpus):
    assert corpus["draft"].slug not in slugs(run("q=emergency+department"))
    assert corpus["draft"].slug not in slugs(run("type=case-study"))


def test_facet_counts_are_exact(corpus):
    result = run("q=patients")
    # "patients" is in the discharge, sdec (frail patients), dna (texting patients) pages.
    assert slugs(result) == found(corpus, "discharge", "sdec", "dna")
    assert result.facets["type"] == {"case-study": 3}
    assert result.facets["pathway"] == {
        "urgent-and-emergency-care": 2,
        "community-and-neighbourhood-care": 1,
        "elective-care": 1,
    }
    assert result.facets["method"] == {
        "lean": 1, "six-sigma": 1, "experience-based-co-design": 1, "model-for-improvement": 1,
    }  # fmt: skip
    assert result.facets["region"] == {"south-west": 1, "midlands": 1, "london": 1}


def test_values_of_one_facet_combine_with_or(corpus):
    result = run("method=lean&method=statistical-process-control")
    assert slugs(result) == found(corpus, "ed", "discharge", "rtt")


def test_different_facets_combine_with_and(corpus):
    result = run("pathway=urgent-and-emergency-care&region=london")
    assert slugs(result) == found(corpus, "ed")


def test_a_facets_own_counts_ignore_its_own_selection(corpus):
    result = run("pathway=elective-care&method=model-for-improvement")
    assert slugs(result) == found(corpus, "dna")
    # Pathway counts show what each pathway would give with the method filter alone.
    assert result.facets["pathway"] == {"urgent-and-emergency-care": 1, "elective-care": 1}
    # Method counts show what each method would give within elective care.
    assert result.facets["method"] == {"model-for-improvement": 1, "statistical-process-control": 1}
    # Other facets are counted over the results.
    assert result.facets["region"] == {"london": 1}


def test_an_empty_query_with_filters_lists_everything_that_matches(corpus):
    result = run("q=&pathway=elective-care")
    assert slugs(result) == found(corpus, "rtt", "dna")
    assert result.count == 2


def test_an_empty_query_and_no_filters_browses_everything(corpus):
    assert run("type=case-study").count == 7


def test_title_weighs_more_than_body(corpus, make_case_study):
    make_case_study("Theatre productivity", summary="Theatres started on time.")
    make_case_study("Ward rounds", summary="Consultants reviewed patients; theatre was mentioned.")
    result = run("q=theatre")
    assert result.hits[0].title == "Theatre productivity"


def test_sort_by_date_puts_newest_first(corpus, make_case_study):
    import datetime

    make_case_study(
        "Newest lean work", methods=["lean"], publication_date=datetime.date(2026, 1, 5)
    )
    result = run("method=lean&sort=date")
    dates = [hit.publication_date for hit in result.hits]
    assert dates == sorted(dates, reverse=True)
    assert result.hits[0].title == "Newest lean work"


def test_pagination_walks_through_every_result_once(corpus, make_case_study):
    for number in range(23):
        make_case_study(f"Handover improvement {number}", summary="Ambulance handover work.")
    seen = []
    for page in (1, 2, 3):
        result = run(f"q=handover&page={page}")
        seen.extend(hit.slug for hit in result.hits)
    assert result.count == 24
    assert len(seen) == 24 and len(set(seen)) == 24


def test_highlights_mark_the_matching_words_and_escape_the_rest(corpus, make_case_study):
    make_case_study(
        "Markup <b>test</b>", summary="Discharge lounge <script>alert(1)</script> open."
    )
    result = run("q=discharging")
    by_title = {hit.title: str(hit.highlight) for hit in result.hits}
    assert "<mark>Discharge</mark>" in by_title["Markup <b>test</b>"]
    # The markup typed into the summary is shown as text (SQLite) or dropped by PostgreSQL's
    # headline function; either way it never reaches the page as markup.
    assert "<script>" not in by_title["Markup <b>test</b>"]
    assert "alert(1)" in by_title["Markup <b>test</b>"]


def test_unknown_filter_values_are_ignored_with_a_notice(corpus):
    result = run("pathway=elective-care&pathway=no-such-pathway")
    assert slugs(result) == found(corpus, "rtt", "dna")
    assert any("no-such-pathway" in notice for notice in result.notices)


def test_very_long_queries_are_cut_with_a_notice(corpus):
    result = run("q=" + "handover+" * 300)
    assert any("200 characters" in notice for notice in result.notices)


def test_clinical_numbers_and_american_spellings_fold_together(client, make_case_study):
    from kb.search.synonyms import forget_synonyms

    forget_synonyms()
    four_hour = make_case_study(
        "Meeting the four-hour standard", summary="More patients seen within 4 hours."
    )
    make_case_study("Visible haematuria clinic", slug="haematuria", summary="One-stop clinic.")
    make_case_study("Anaemia in pregnancy", slug="anaemia", summary="Iron before birth.")
    make_case_study("Early warning", slug="news", summary="NEWS2 scores recorded at triage.")
    make_case_study("Unrelated", slug="unrelated", summary="Theatre lists.")

    def titles(query):
        return {hit["title"] for hit in client.get("/api/search/", {"q": query}).json()["results"]}

    variants = ["4 hour", "four hour", "four-hour", "4-hour", "4hr", "4 hrs"]
    assert {variant: titles(variant) for variant in variants} == {
        variant: {four_hour.title} for variant in variants
    }
    assert titles("hematuria") == {"Visible haematuria clinic"}
    assert titles("anemia") == {"Anaemia in pregnancy"}
    assert titles("NEWS2") == titles("NEWS 2") == {"Early warning"}
