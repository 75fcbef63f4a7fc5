"""Several app servers on one PostgreSQL and one Redis: two gunicorn servers on two ports, a
task worker beside them, and clients that reach both as a load balancer would send them.

Runs in `make test`'s PostgreSQL run, where Redis is started too; skipped (saying why) without
them. The embedded default's version of these promises is in test_shared_state.py.
"""

import json
import threading
import time

import pytest
from django.conf import settings
from django.db import connection

from .servers import Browser, field, idea_form, post_until_limited, running

PASSWORD = "a long enough passphrase 7"

pytestmark = [
    pytest.mark.skipif(
        not (connection.vendor == "postgresql" and settings.REDIS_URL),
        reason="needs PostgreSQL and REDIS_URL (make test's second run starts both)",
    ),
    # The servers see committed data only; the database is put back for later tests.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def servers(site_tree):
    with running(servers=2, task_worker=True, KB_TASK_QUEUE="database") as bases:
        yield bases


def test_sessions_and_a_publish_reach_both_servers(servers, make_case_study, django_user_model):
    from allauth.account.models import EmailAddress
    from django_tasks_db.models import DBTaskResult

    one, two = servers
    page = make_case_study("Discharge before noon")
    editor = django_user_model.objects.create_superuser("editor", "editor@example.nhs.uk", PASSWORD)
    EmailAddress.objects.create(user=editor, email=editor.email, verified=True, primary=True)

    # A reader on server two: the page is rendered once, then served from the shared cache,
    # by server one too.
    reader = Browser("198.51.100.7")
    assert reader.get(two + page.url)[1].get("X-KB-Cache") == "MISS"
    assert reader.get(one + page.url)[1].get("X-KB-Cache") == "HIT"

    # Signed in through server one, the session holds on server two.
    editor_browser = Browser()
    status, _, form_page = editor_browser.get(one + "/accounts/login/")
    assert status == 200
    status, _, _ = editor_browser.post(
        one + "/accounts/login/",
        {"csrfmiddlewaretoken": field(form_page, "csrfmiddlewaretoken"),
         "login": editor.email, "password": PASSWORD},
        referer=one + "/accounts/login/",
    )  # fmt: skip
    assert status == 302, "signing in did not succeed"
    status, _, profile = editor_browser.get(two + "/accounts/profile/")
    assert status == 200 and editor.email in profile

    # A draft with a new title, published through server two's admin in that session.
    page.title = "Discharge before eleven"
    page.save_revision(user=editor)
    publish = f"{two}/admin/bulk/wagtailcore/page/publish/?id={page.pk}&next=/admin/"
    status, _, confirm = editor_browser.get(publish)
    assert status == 200
    status, _, _ = editor_browser.post(
        publish, {"csrfmiddlewaretoken": field(confirm, "csrfmiddlewaretoken")}, referer=publish
    )
    assert status == 302, "the publish was not accepted"
    published_at = time.monotonic()
    # Indexing became a job for the worker: the publish did not wait for it.
    assert DBTaskResult.objects.filter(task_path="kb.search.indexing.index_page").exists()

    # Server one stops serving the old copy at once, and search finds the new title within 5 s.
    status, headers, html = reader.get(one + page.url)
    assert "Discharge before eleven" in html and headers.get("X-KB-Cache") == "MISS"
    found = False
    while not found and time.monotonic() - published_at < 5:
        found = json.loads(reader.get(one + "/api/search/?q=eleven")[2])["count"] == 1
        time.sleep(0.1)
    assert found, "the published page was not searchable within 5 seconds"


def test_the_idea_rate_limit_counts_across_both_servers(servers, settings):
    limit = int(settings.KB_IDEAS_SUBMIT_RATE.split("/")[0])
    over = post_until_limited(Browser("192.0.2.61"), servers, limit)
    assert [status for status, _, _ in over] == [429, 429], "a server let the 61st post through"
    assert all("sent a lot of forms in a short time" in page for _, _, page in over)


def test_a_burst_over_both_servers_loses_and_doubles_nothing(servers):
    from kb.ideas.models import IdeaSubmission

    clients, each = 6, 4
    acknowledged, failures, lock = [], [], threading.Lock()

    def person(number):
        browser = Browser(f"203.0.113.{100 + number}")
        for sent in range(each):
            base, other = servers[(number + sent) % 2], servers[(number + sent + 1) % 2]
            _, _, form_page = browser.get(base + "/ideas/submit/")
            form = idea_form(f"Burst idea {number}-{sent}", form_page)
            status, headers, _ = browser.post(base + "/ideas/submit/", form, referer=base)
            # The same form sent again, to the other server (a double click, a retry).
            again, again_headers, _ = browser.post(other + "/ideas/submit/", form, referer=other)
            with lock:
                if status == 302 and again == 302:
                    acknowledged.append(headers["Location"])
                else:
                    failures.append((status, again))

    threads = [threading.Thread(target=person, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert len(acknowledged) == clients * each
    stored = IdeaSubmission.objects.filter(title__startswith="Burst idea ")
    assert sorted(stored.values_list("title", flat=True)) == sorted(
        f"Burst idea {n}-{s}" for n in range(clients) for s in range(each)
    )  # every acknowledged idea stored, once
