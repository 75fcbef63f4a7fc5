"""When the files are made: once for each state of the published content, on the first request
after it changes; never half-written; one process at a time; in a few queries however large
the site."""

import json
import signal
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kb.opendata import store
from kb.opendata.files import export_all

pytestmark = pytest.mark.django_db


def slugs(fetch, dataset="case-studies"):
    return {r["slug"] for r in json.loads(fetch(f"/open-data/{dataset}.json")[1])["records"]}


def generations(settings):
    folder = settings.VAR_DIR / "open-data"
    return sorted(p.name for p in folder.iterdir() if p.is_dir())


def test_a_publish_shows_on_the_next_request_and_an_unpublish_removes_it(make_case_study, fetch):
    make_case_study("Virtual wards", slug="virtual-wards")
    assert slugs(fetch) == {"virtual-wards"}
    page = make_case_study("Frailty at the front door", slug="frailty-front-door")
    assert slugs(fetch) == {"virtual-wards", "frailty-front-door"}
    page.unpublish()
    assert slugs(fetch) == {"virtual-wards"}
    assert "frailty-front-door" not in fetch("/open-data/case-studies.csv")[1].decode()


def test_an_edit_that_is_published_replaces_the_old_text(make_case_study, fetch):
    page = make_case_study("Virtual wards", slug="virtual-wards")
    assert b"Virtual wards" in fetch("/open-data/case-studies.csv")[1]
    page.title = "Virtual wards for frail patients"
    page.save_revision()  # a draft of a live page: not yet what readers see
    assert b"frail patients" not in fetch("/open-data/case-studies.csv")[1]
    page.save_revision().publish()
    assert b"Virtual wards for frail patients" in fetch("/open-data/case-studies.csv")[1]


def test_a_view_restriction_takes_a_page_out_without_a_publish(make_case_study, fetch):
    """Restricting a page publishes nothing, so the content token stays the same: the files
    are keyed on the restrictions too."""
    from wagtail.models import PageViewRestriction

    page = make_case_study("Virtual wards", slug="virtual-wards")
    assert slugs(fetch) == {"virtual-wards"}
    PageViewRestriction.objects.create(page=page, restriction_type="login")
    assert slugs(fetch) == set()


def test_unchanged_content_is_served_from_disk_not_generated_again(
    make_case_study, fetch, monkeypatch
):
    make_case_study("Virtual wards", slug="virtual-wards")
    first = fetch("/open-data/case-studies.json")[1]
    monkeypatch.setattr(store, "export_all", lambda directory: pytest.fail("generated again"))
    assert fetch("/open-data/case-studies.json")[1] == first
    assert fetch("/open-data/")[0].status_code == 200


def test_old_generations_are_removed(make_case_study, fetch, settings):
    for number in range(4):
        make_case_study(f"Case {number}", slug=f"case-{number}")
        fetch("/open-data/case-studies.csv")
    assert len(generations(settings)) == store.KEEP_GENERATIONS


def test_a_failed_generation_leaves_nothing_behind(make_case_study, fetch, settings, monkeypatch):
    import dataclasses

    from kb.opendata import files
    from kb.opendata.datasets import DATASETS, IDEAS

    make_case_study("Virtual wards", slug="virtual-wards")

    def broken(addresses):
        yield {}  # a record without its fields
        raise AssertionError("not reached")

    broken_ideas = dataclasses.replace(IDEAS, read=broken)
    monkeypatch.setattr(files, "DATASETS", [broken_ideas if d is IDEAS else d for d in DATASETS])
    with pytest.raises(KeyError):
        fetch("/open-data/case-studies.csv")
    assert generations(settings) == []
    assert [p.name for p in (settings.VAR_DIR / "open-data").iterdir()] == ["generate.lock"]
    monkeypatch.undo()
    assert slugs(fetch) == {"virtual-wards"}


@contextmanager
def generation_lock_held_elsewhere(settings):
    """The generation lock, taken as another process generating would take it."""
    import fcntl

    folder = settings.VAR_DIR / "open-data"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "generate.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextmanager
def fails_if_blocked(seconds=10):
    def interrupt(signum, frame):
        raise TimeoutError("the request waited for the lock")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_while_another_process_generates_readers_get_the_previous_files(
    make_case_study, fetch, settings
):
    make_case_study("Virtual wards", slug="virtual-wards")
    assert slugs(fetch) == {"virtual-wards"}
    make_case_study("Frailty at the front door", slug="frailty-front-door")
    with generation_lock_held_elsewhere(settings), fails_if_blocked():
        assert slugs(fetch) == {"virtual-wards"}  # the previous set, at once
    assert slugs(fetch) == {"virtual-wards", "frailty-front-door"}


def test_a_conditional_request_for_unchanged_files_is_answered_304(make_case_study, fetch):
    make_case_study("Virtual wards", slug="virtual-wards")
    response, _ = fetch("/open-data/case-studies.csv")
    etag = response["ETag"]
    fetch("/open-data/case-studies.csv", status=304, HTTP_IF_NONE_MATCH=etag)
    make_case_study("Frailty at the front door", slug="frailty-front-door")
    changed, _ = fetch("/open-data/case-studies.csv", HTTP_IF_NONE_MATCH=etag)
    assert changed["ETag"] != etag


def test_the_management_command_writes_the_whole_set(library, tmp_path):
    import io
    import zipfile

    output = tmp_path / "export"
    out = io.StringIO()
    call_command("export_open_data", "--output", str(output), stdout=out)
    manifest = json.loads((output / "manifest.json").read_text())
    assert manifest["datasets"]["case-studies"]["records"] == 2
    assert manifest["datasets"]["measure-series"]["csv_rows"] == 10  # 8 + 2 points
    assert "case-studies: 2 records" in out.getvalue()
    with zipfile.ZipFile(output / "kb-open-data.zip") as archive:
        for name in archive.namelist():
            assert (output / name).read_bytes() == archive.read(name)
    assert not list(output.glob(".*"))  # no temporary file left behind


def test_the_management_command_brings_the_served_set_up_to_date(
    make_case_study, fetch, settings, monkeypatch
):
    make_case_study("Virtual wards", slug="virtual-wards")
    out = __import__("io").StringIO()
    call_command("export_open_data", stdout=out)
    assert str(settings.VAR_DIR / "open-data") in out.getvalue()
    monkeypatch.setattr(store, "export_all", lambda directory: pytest.fail("generated again"))
    assert slugs(fetch) == {"virtual-wards"}


def test_the_export_runs_the_same_few_queries_however_many_pages(
    library, make_case_study, make_standard, make_idea, tmp_path
):
    """No query a page: related terms, series and citations are read a chunk at a time."""
    with CaptureQueriesContext(connection) as small:
        export_all(tmp_path / "small")
    for number in range(4):
        make_case_study(f"More {number}", slug=f"more-{number}",
                        pathways=("elective-care", "urgent-and-emergency-care"))  # fmt: skip
        make_standard(f"Standard {number}", f"GIRFT-EM-1{number}")
        make_idea(f"Idea {number}", slug=f"idea-{number}",
                  series=[{"name": "Tried", "points": [["Jan", 1.0]]}])  # fmt: skip
    with CaptureQueriesContext(connection) as large:
        export_all(tmp_path / "large")
    assert len(large.captured_queries) == len(small.captured_queries)
    manifest = json.loads((tmp_path / "large" / "manifest.json").read_text())
    assert manifest["datasets"]["case-studies"]["records"] == 6
