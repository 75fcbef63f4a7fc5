"""Two senders at once, each with its own database connection, never send the same email twice.

This test commits for real (transactional_db), as two `send_outbox --forever` processes would.
A transactional test empties the database when it ends; the migrated data (page tree, groups,
vocabularies) is loaded back before and after, for the tests that run later.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from kb.mail.models import OutboxEmail
from kb.mail.outbox import queue_email, send_due
from tests.mail.backends import RendezvousBackend

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

EMAILS = 40
SENDERS = 2


def _reset_to_migrated_data():
    # As tests/ideas/test_concurrency.py does: empty the tables without post_migrate recreating
    # content types under new ids, then load the snapshot taken after migrating. Loading it
    # looks content types up; with a cold cache that creates them before the snapshot's own
    # rows arrive (a clash), so the cache is warm before and after.
    _cache_content_types()
    call_command(
        "flush", interactive=False, verbosity=0, inhibit_post_migrate=True, reset_sequences=False
    )
    connection.creation.deserialize_db_from_string(connection._test_serialized_contents)
    ContentType.objects.clear_cache()
    _cache_content_types()


def _cache_content_types():
    ContentType.objects.get_for_models(*apps.get_models(), for_concrete_models=False)


@pytest.fixture(scope="module", autouse=True)
def _migrated_data_before_and_after(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        _reset_to_migrated_data()
    yield
    with django_db_blocker.unblock():
        _reset_to_migrated_data()


@override_settings(EMAIL_BACKEND="tests.mail.backends.RendezvousBackend")
def test_two_senders_racing_over_the_same_emails_send_each_once(monkeypatch):
    monkeypatch.setattr(RendezvousBackend, "rendezvous", threading.Barrier(SENDERS))
    queued = [
        queue_email(f"person{n}@example.nhs.uk", f"Email {n}", "Text.", deliver_now=False)
        for n in range(EMAILS)
    ]
    barrier = threading.Barrier(SENDERS)

    def sender(_):
        try:
            barrier.wait(timeout=30)
            # Both go through the due emails in the same order, one connection each.
            return send_due(limit=EMAILS)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=SENDERS) as pool:
        results = list(pool.map(sender, range(SENDERS)))

    sent_ids = [message.extra_headers["Message-ID"] for message in mail.outbox]
    assert sorted(sent_ids) == sorted(email.message_id for email in queued)
    assert sum(result.sent for result in results) == EMAILS
    assert all(result.sent for result in results)
    # The second sender took the second email while the first was sending the first; the first
    # then found it taken.
    assert sum(result.skipped for result in results) >= 1
    assert set(OutboxEmail.objects.values_list("state", "attempts")) == {("sent", 1)}
