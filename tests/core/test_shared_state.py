"""Where shared state lives (kb/core/shared_state.py) and how work leaves the request (kb/jobs):
the embedded default with nothing configured, Redis and the database queue when they are."""

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection, transaction
from django_tasks import task_backends
from django_tasks_db.management.commands import db_worker

from kb.core.shared_state import cache_settings, redis_url, session_engine, task_settings

from .servers import Browser, post_until_limited, running

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}


# --- Configuration ------------------------------------------------------------------------------


def test_with_nothing_configured_counters_are_in_the_database_and_pages_in_memory():
    caches = cache_settings("")
    assert caches["ratelimit"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert caches["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert caches["pages"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert session_engine("") == "django.contrib.sessions.backends.db"
    assert task_settings("")["default"]["BACKEND"].endswith("ImmediateBackend")


def test_with_redis_every_cache_and_the_sessions_are_shared():
    url = "redis://cache.internal:6379/2"
    caches = cache_settings(url)
    assert {c["BACKEND"] for c in caches.values()} == {
        "django.core.cache.backends.redis.RedisCache"
    }
    assert {c["LOCATION"] for c in caches.values()} == {url}
    assert len({c["KEY_PREFIX"] for c in caches.values()}) == 3  # no cache clears another's keys
    assert session_engine(url) == "django.contrib.sessions.backends.cached_db"


@pytest.mark.parametrize(
    "value", ["http://cache:6379", "redis//cache", "memcached://x", "redis://user:s3cret@"]
)
def test_a_malformed_redis_url_is_a_clear_error_that_never_shows_the_password(value):
    with pytest.raises(ImproperlyConfigured) as refused:
        redis_url(value)
    assert "redis://host:6379/0" in str(refused.value)
    assert "s3cret" not in str(refused.value)


def test_an_unknown_task_queue_is_refused_by_name():
    with pytest.raises(ImproperlyConfigured, match="KB_TASK_QUEUE must be one of"):
        task_settings("celery")


def test_migrate_makes_the_database_cache_table(db):
    assert "kb_cache" in connection.introspection.table_names()


# --- Work off the request -----------------------------------------------------------------------


@pytest.fixture
def database_queue(site_tree, settings, monkeypatch):
    """The database queue, switched on once the site's structure is in place."""
    settings.TASKS = DATABASE_QUEUE
    # The worker closes stale connections between jobs; here that would be the test's own.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    yield
    task_backends._settings = None  # next test reads TASKS afresh


def run_worker():
    """What `python manage.py db_worker` does, until the queue is empty."""
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)


def _jobs(path):
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=path)


def test_with_a_queue_a_publish_leaves_indexing_to_the_worker(database_queue, make_case_study):
    from kb.search.models import SearchDocument

    page = make_case_study("Same day emergency care at the front door")
    jobs = _jobs("kb.search.indexing.index_page")
    assert [job.args_kwargs["args"] for job in jobs] == [[page.pk]]
    assert not SearchDocument.objects.filter(page=page).exists()  # the publish did not wait

    run_worker()
    assert SearchDocument.objects.filter(page=page).exists()
    assert _jobs("kb.search.indexing.index_page").get().status == "SUCCESSFUL"


def test_a_job_commits_with_its_change_or_not_at_all(database_queue, make_case_study):
    with pytest.raises(RuntimeError), transaction.atomic():
        make_case_study("A publish that is rolled back")
        raise RuntimeError("the editor's request failed after the publish")
    assert not _jobs("kb.search.indexing.index_page").exists()


def test_with_a_queue_emails_are_sent_by_the_worker_exactly_once(database_queue, db):
    from kb.mail.models import OutboxEmail
    from kb.mail.outbox import queue_email

    with transaction.atomic():
        queue_email("nurse@example.nhs.uk", "Your idea was received", "Thank you.")
    assert mail.outbox == []
    run_worker()
    run_worker()  # a second pass finds nothing to send again
    assert [m.subject for m in mail.outbox] == ["Your idea was received"]
    assert OutboxEmail.objects.get().sent_at is not None


def test_with_nothing_configured_a_publish_is_searchable_at_once(make_case_study):
    from kb.search.models import SearchDocument

    page = make_case_study("Virtual ward for frailty")
    assert SearchDocument.objects.filter(page=page).exists()
    assert not _jobs("kb.search.indexing.index_page").exists()


# --- One machine, several worker processes ------------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the embedded default's promise: SQLite, no Redis"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_rate_limit_counts_across_worker_processes_on_one_machine(site_tree, settings):
    """Before the database cache, three gunicorn workers let 55 to 173 posts through."""
    limit = int(settings.KB_IDEAS_SUBMIT_RATE.split("/")[0])
    with running(servers=1, workers=3) as (base,):
        over = post_until_limited(Browser("192.0.2.3"), [base], limit)
    assert over[0][0] == 429
