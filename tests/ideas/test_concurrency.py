"""Nothing lost, nothing doubled: concurrent writers on SQLite, racing retries, atomic inserts.

These tests commit for real (transactional_db): each thread has its own database connection, as
each request would in production, and closes it when done. A transactional test empties the
database when it ends; serialized rollback brings back what the migrations created (the page
tree root, groups, vocabularies) before each test, and once more after the last one, for the
tests that run later without a database fixture of their own (the browser tests).
"""

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings

from kb.ideas.models import IdeaStatusChange, IdeaSubmission, SubmissionFormToken

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("ideas_index"),
]
WRITERS = 8


def _reset_to_migrated_data():
    # Empty the tables without post_migrate recreating content types under new ids, then load
    # the snapshot taken after migrating. Sequences carry on (PostgreSQL), so new rows do not
    # collide with the snapshot's ids.
    call_command(
        "flush",
        interactive=False,
        verbosity=0,
        inhibit_post_migrate=True,
        reset_sequences=False,
    )
    connection.creation.deserialize_db_from_string(connection._test_serialized_contents)
    # Content types come back under their original ids: forget any cached since.
    ContentType.objects.clear_cache()


@pytest.fixture(scope="module", autouse=True)
def _migrated_data_before_and_after(django_db_setup, django_db_blocker):
    """Start from the migrated data whatever ran before, and leave it for what runs after."""
    with django_db_blocker.unblock():
        _reset_to_migrated_data()
    yield
    with django_db_blocker.unblock():
        _reset_to_migrated_data()


def valid_data(client, **overrides):
    # From the HTML, not response.context: the test client's context capture listens to every
    # thread's template rendering.
    html = client.get("/ideas/submit/").content.decode()
    data = {
        "title": "Idea",
        "problem": "Waste seen.",
        "proposal": "Change proposed.",
        "waste_type": "waiting",
        "organisation": "Example NHS Trust",
        "role": "Nurse",
        "email": "nurse@example.nhs.uk",
        "consent_to_publish": "yes",
        "form_token": re.search(r'name="form_token" value="([^"]+)"', html).group(1),
    }
    data.update(overrides)
    return data


def in_own_connection(work):
    """Run `work` as a request thread would: its own connection, closed afterwards."""

    def run(*args):
        try:
            return work(*args)
        finally:
            connection.close()

    return run


@override_settings(KB_IDEAS_SUBMIT_RATE="1000/h")
def test_eight_concurrent_writers_all_land():
    barrier = threading.Barrier(WRITERS)

    @in_own_connection
    def writer(number):
        client = Client()
        data = valid_data(client, title=f"Concurrent idea {number}")
        barrier.wait(timeout=30)
        response = client.post("/ideas/submit/", data)
        return response.status_code, client.get(response["Location"]).content.decode()

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        results = list(pool.map(writer, range(WRITERS)))

    assert [status for status, _ in results] == [302] * WRITERS
    titles = set(IdeaSubmission.objects.values_list("title", flat=True))
    assert titles == {f"Concurrent idea {n}" for n in range(WRITERS)}
    references = list(IdeaSubmission.objects.values_list("reference", flat=True))
    assert len(set(references)) == WRITERS
    # Each writer was shown its own stored reference.
    shown = {ref for ref in references for _, page in results if ref in page}
    assert shown == set(references)
    assert IdeaStatusChange.objects.count() == WRITERS
    assert SubmissionFormToken.objects.count() == WRITERS


@override_settings(KB_IDEAS_SUBMIT_RATE="1000/h")
def test_the_same_form_sent_eight_times_at_once_stores_one_idea():
    data = valid_data(Client())
    barrier = threading.Barrier(WRITERS)

    @in_own_connection
    def retry(_):
        client = Client()
        barrier.wait(timeout=30)
        response = client.post("/ideas/submit/", data)
        return response.status_code, client.get(response["Location"]).content.decode()

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        results = list(pool.map(retry, range(WRITERS)))

    assert [status for status, _ in results] == [302] * WRITERS
    submission = IdeaSubmission.objects.get()
    assert all(submission.reference in page for _, page in results)
    assert sum("You have already sent this idea" in page for _, page in results) == WRITERS - 1


def test_the_idea_is_committed_before_the_reference_is_shown():
    client = Client()
    response = client.post("/ideas/submit/", valid_data(client))
    assert response.status_code == 302

    # Another connection, as another server process would have, already sees the idea.
    @in_own_connection
    def count_elsewhere():
        return IdeaSubmission.objects.count()

    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(count_elsewhere).result() == 1


def test_a_failure_half_way_stores_nothing_and_shows_no_reference(monkeypatch):
    client = Client(raise_request_exception=False)
    data = valid_data(client)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(IdeaStatusChange.objects, "create", broken)
    response = client.post("/ideas/submit/", data)
    assert response.status_code == 500
    assert not IdeaSubmission.objects.exists()
    assert not SubmissionFormToken.objects.exists()
    # The same form sent again once the fault is gone lands, once.
    monkeypatch.undo()
    assert client.post("/ideas/submit/", data).status_code == 302
    assert IdeaSubmission.objects.count() == 1
