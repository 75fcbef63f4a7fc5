"""After an edit, each process's facet sets catch up with just that change, and stay exact.

A process that has searched once holds the facet sets in memory (kb/search/bitsets.py). After a
publish, unpublish, edit, move or delete it must neither answer from stale sets nor make a reader
wait for a full rebuild: it applies the logged changes since its last search. Here every edit is
followed by a search with FacetIndex.build patched to fail, and the sets and search results are
compared with ones built afresh from the index.
"""

import contextlib
import datetime
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import transaction
from django.http import QueryDict

from kb.search.backends import database
from kb.search.backends.database import DatabaseBackend
from kb.search.bitsets import FacetIndex
from kb.search.facets import facet_names
from kb.search.models import IndexChange, SearchDocument
from kb.search.service import read_params, search_documents

pytestmark = pytest.mark.django_db

BUILD = FacetIndex.build  # the real one, for the fresh sets to compare with
QUERIES = [
    "q=",
    "q=patients",
    "q=emergency",
    "q=waits&sort=date",
    "pathway=urgent-and-emergency-care",
    "pathway=elective-care&method=model-for-improvement",
    "method=lean&sort=date",
    "region=london&q=patients",
]


def run(query_string):
    result, _ = search_documents(read_params(QueryDict(query_string)), page_size=50)
    return result.count, result.facets, [hit.slug for hit in result.hits]


@contextlib.contextmanager
def no_rebuild():
    """Searches inside must catch up without building the facet sets from scratch."""
    with mock.patch.object(FacetIndex, "build", side_effect=AssertionError("full rebuild")):
        yield


@contextlib.contextmanager
def counting_rebuilds():
    with mock.patch.object(FacetIndex, "build", side_effect=BUILD) as build:
        yield build


def assert_exact(answers):
    """The process's sets equal fresh ones, and the answers given equal fresh answers."""
    backend = DatabaseBackend()
    cached = backend.facet_index()
    fresh = BUILD(cached.generation, backend._facet_rows(), facet_names(), seq=cached.seq)
    assert cached.everything == fresh.everything
    assert cached.values == fresh.values
    assert cached.newest_first == fresh.newest_first
    database._FACET_INDEXES.clear()
    assert [run(query) for query in QUERIES] == answers


def answers():
    return [run(query) for query in QUERIES]


@pytest.fixture
def warm(reindexed):
    """The judged corpus, indexed, and this process's facet sets built by a first search."""
    database._FACET_INDEXES.clear()
    run("q=")
    return reindexed


def test_publishing_a_page_is_applied_without_a_rebuild(warm, make_case_study):
    page = make_case_study(
        "Emergency department waits at night",
        summary="Patients waited less overnight.",
        pathways=["urgent-and-emergency-care", "elective-care"],
        methods=["lean"],
        region="london",
        publication_date=datetime.date(2026, 2, 1),
    )
    with no_rebuild():
        seen = answers()
    assert seen[3][2][0] == page.slug  # newest first
    assert seen[0][1]["pathway"]["elective-care"] == 3
    assert_exact(seen)


def test_publishing_a_draft_is_applied_without_a_rebuild(warm):
    warm["draft"].save_revision().publish()
    with no_rebuild():
        seen = answers()
    assert warm["draft"].slug in seen[2][2]
    assert_exact(seen)


def test_unpublishing_is_applied_without_a_rebuild(warm):
    warm["ed"].unpublish()
    with no_rebuild():
        seen = answers()
    assert warm["ed"].slug not in seen[0][2]
    assert seen[0][0] == 6
    assert seen[0][1]["method"]["lean"] == 1
    assert_exact(seen)


def test_an_edit_that_changes_facets_and_date_is_applied_without_a_rebuild(warm):
    from kb.taxonomy.models import ImprovementMethod, Pathway

    page = warm["rtt"]
    before = run("pathway=elective-care")
    page.pathways = list(Pathway.objects.filter(slug="primary-care"))
    page.methods = list(ImprovementMethod.objects.filter(slug="lean"))
    page.publication_date = datetime.date(2027, 1, 1)
    page.save_revision().publish()
    with no_rebuild():
        seen = answers()
        after = run("pathway=elective-care")
    assert before[0] == 2 and after[0] == 1
    assert seen[0][1]["pathway"]["primary-care"] == 2
    assert seen[6][2][0] == page.slug  # lean, newest first
    assert_exact(seen)


def test_moving_a_page_is_applied_without_a_rebuild(warm, site_tree):
    from wagtail.models import PageViewRestriction

    warm["ae"].move(site_tree[3], pos="last-child")  # still public: found at its new address
    document = SearchDocument.objects.get(page_id=warm["ae"].id)
    assert document.url.startswith(site_tree[3].url)
    PageViewRestriction.objects.create(page=site_tree[1], restriction_type="login")
    warm["dna"].move(site_tree[1], pos="last-child")  # into a private section: not found
    with no_rebuild():
        seen = answers()
    slugs = seen[0][2]
    assert warm["ae"].slug in slugs and warm["dna"].slug not in slugs
    assert_exact(seen)


def test_deleting_a_page_is_applied_without_a_rebuild(warm):
    warm["sdec"].delete()
    with no_rebuild():
        seen = answers()
    assert seen[0][0] == 6
    assert "community-and-neighbourhood-care" not in seen[0][1]["pathway"]
    assert_exact(seen)


def test_many_edits_between_searches_are_all_applied(warm, make_case_study):
    made = [make_case_study(f"Night waits {n}", methods=["six-sigma"]) for n in range(5)]
    made[0].unpublish()
    made[1].delete()
    warm["discharge"].unpublish()
    warm["paeds"].save_revision().publish()
    with no_rebuild():
        seen = answers()
    assert seen[0][1]["method"]["six-sigma"] == 3
    assert_exact(seen)


def test_a_change_its_process_applied_then_rolled_back_is_not_kept(warm, make_case_study):
    """After a rollback the same change number can come back with another change."""
    with contextlib.suppress(RuntimeError), transaction.atomic():
        make_case_study("Rolled back waits", pathways=["primary-care"])
        assert run("pathway=primary-care")[0] == 2
        raise RuntimeError("roll back")
    make_case_study("Kept waits", pathways=["elective-care"])
    with counting_rebuilds() as build:
        seen = answers()
    assert build.call_count == 1
    assert seen[0][1]["pathway"]["primary-care"] == 1
    assert_exact(seen)


def test_a_process_whose_last_change_left_the_log_rebuilds(warm, make_case_study):
    IndexChange.objects.all().delete()  # as pruning does to a process far behind
    make_case_study("Night waits", pathways=["elective-care"])
    with counting_rebuilds() as build:
        seen = answers()
        assert build.call_count == 1
        answers()
        assert build.call_count == 1  # then it is current again
    assert seen[0][1]["pathway"]["elective-care"] == 3
    assert_exact(seen)


def test_an_emptied_log_costs_one_rebuild_not_one_per_search(warm, make_case_study):
    IndexChange.objects.all().delete()
    database._FACET_INDEXES.clear()
    with counting_rebuilds() as build:
        answers()
        answers()
        assert build.call_count == 1
        make_case_study("Night waits", pathways=["elective-care"])
        seen = answers()
        assert build.call_count == 2  # nothing to catch up from: rebuilt once more
        make_case_study("Evening waits", pathways=["elective-care"])
        seen = answers()
        assert build.call_count == 2  # and from then on it catches up
    assert seen[0][1]["pathway"]["elective-care"] == 4
    assert_exact(seen)


def test_a_process_too_far_behind_rebuilds(warm, make_case_study, monkeypatch):
    monkeypatch.setattr(database, "MAX_CATCH_UP", 2)
    for n in range(3):
        make_case_study(f"Night waits {n}", pathways=["elective-care"])
    with counting_rebuilds() as build:
        seen = answers()
    assert build.call_count == 1
    assert_exact(seen)


def test_a_bulk_reindex_makes_every_process_rebuild(warm):
    document = SearchDocument.objects.get(page_id=warm["ed"].id)
    SearchDocument.objects.filter(pk=document.pk).update(
        facets={**document.facets, "pathway": ["primary-care"]}
    )
    call_command("kb_reindex", verbosity=0)
    with counting_rebuilds() as build:
        seen = answers()
    assert build.call_count == 1
    assert_exact(seen)


def test_the_log_is_pruned_and_a_process_far_behind_still_ends_exact(
    warm, make_case_study, monkeypatch
):
    monkeypatch.setattr(database, "LOG_KEEP", 3)
    monkeypatch.setattr(database, "PRUNE_EVERY", 2)
    for n in range(6):
        make_case_study(f"Night waits {n}", methods=["six-sigma"])
    newest = IndexChange.objects.order_by("-seq").first().seq
    assert IndexChange.objects.filter(seq__lte=newest - 5).count() == 0
    seen = answers()
    assert seen[0][1]["method"]["six-sigma"] == 7
    assert_exact(seen)


def test_ranking_puts_title_above_summary_above_body(warm, make_case_study):
    backend = DatabaseBackend()
    pages = {
        where: make_case_study(f"Flow work {where}", summary=f"Summary of flow work {where}.")
        for where in ("title", "summary", "body")
    }
    words = "patients were seen sooner and went home earlier after the change"
    texts = {
        "title": {"title": "Gemba walks on wards", "summary": words, "body": words},
        "summary": {"title": "Walks on wards", "summary": f"Gemba {words}", "body": words},
        "body": {"title": "Walks on wards", "summary": words, "body": f"Gemba {words}"},
    }
    for where, page in pages.items():
        fields = {**SearchDocument.objects.filter(page=page).values()[0], **texts[where]}
        for name in ("id", "page_id", "updated_at"):
            fields.pop(name)
        backend.index(page, fields)
    count, _, slugs = run("q=gemba")
    assert count == 3
    assert slugs == [pages[where].slug for where in ("title", "summary", "body")]
