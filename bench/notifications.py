#!/usr/bin/env python
"""Notifications benchmark: one publish on a pathway followed by N accounts, then their digests.

    .venv/bin/python bench/notifications.py                 # 10,000 accounts
    .venv/bin/python bench/notifications.py --accounts 50000

Builds a fresh SQLite database in /tmp/kb-bench-notifications/ ($KB_VAR_DIR/bench/ when set):
N staff accounts with profiles, each following "Urgent and emergency care" (weekly digest, the
default), then times:

- the publish of one case study on that pathway (the revision's publish, which records one
  notification for each follower; the issue's aim: under 2 s at 10,000), and
- `send_digests --frequency weekly` for all of them (one email each into the outbox; the aim:
  under 60 s at 10,000), then checks that every follower got exactly one digest.

Email stays in the outbox (nothing is sent); nothing under var/ is touched.
"""

import argparse
import datetime
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def bench_dir():
    var = os.environ.get("KB_VAR_DIR")
    folder = Path(var) / "bench" if var else Path(tempfile.gettempdir()) / "kb-bench-notifications"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def setup_django():
    database = bench_dir() / "notifications.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from kb.publishing.site_structure import ensure_site_structure

    call_command("migrate", verbosity=0)
    return ensure_site_structure()


def make_followers(count):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.contenttypes.models import ContentType

    from kb.accounts.models import StaffProfile
    from kb.following.models import Follow
    from kb.taxonomy.models import Pathway

    user_model = get_user_model()
    unusable = make_password(None)
    user_model.objects.bulk_create(
        [
            user_model(username=f"member{n}", email=f"member{n}@nhs.net", password=unusable)
            for n in range(count)
        ],
        batch_size=1000,
    )
    users = list(
        user_model.objects.filter(username__startswith="member").values_list("pk", flat=True)
    )
    StaffProfile.objects.bulk_create(
        [StaffProfile(user_id=pk, name=f"Member {pk}") for pk in users], batch_size=1000
    )
    pathway = Pathway.objects.get(slug="urgent-and-emergency-care")
    content_type = ContentType.objects.get_for_model(Pathway)
    Follow.objects.bulk_create(
        [Follow(user_id=pk, content_type=content_type, object_id=pathway.pk) for pk in users],
        batch_size=1000,
    )
    return pathway


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    args = parser.parse_args()

    site = setup_django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kb.cases.models import CaseStudyPage
    from kb.following.models import Notification
    from kb.following.services import send_digests
    from kb.mail.models import OutboxEmail
    from kb.taxonomy.models import Organisation, Region

    started = time.perf_counter()
    pathway = make_followers(args.accounts)
    print(f"{args.accounts:,} accounts following {pathway.name}: made in "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip

    region = Region.objects.first()
    organisation = Organisation.objects.create(name="Northshire Hospitals NHS Foundation Trust")
    page = CaseStudyPage(
        title="Streaming to same day emergency care",
        summary="Streaming from triage to SDEC cut waits.",
        organisation=organisation,
        region=region,
        publication_date=datetime.date(2026, 11, 1),
    )
    page.pathways = [pathway]
    site[2].add_child(instance=page)
    revision = page.save_revision()

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        revision.publish()
        publish = time.perf_counter() - started
    told = Notification.objects.count()
    print(f"publish with {told:,} notifications recorded: {publish:.2f} s "
          f"({len(queries.captured_queries)} SQL statements; aim under 2 s at 10,000)")  # fmt: skip

    started = time.perf_counter()
    digests = send_digests("weekly")
    elapsed = time.perf_counter() - started
    print(f"weekly digests: {digests:,} queued in {elapsed:.1f} s "
          f"({digests / elapsed:,.0f} a second; aim under 60 s at 10,000)")  # fmt: skip
    queued = OutboxEmail.objects.filter(kind="following:weekly").count()
    waiting = Notification.objects.filter(emailed_at__isnull=True).count()
    assert queued == args.accounts == digests, (queued, digests)
    assert waiting == 0, waiting
    print("every follower has exactly one digest in the outbox")


if __name__ == "__main__":
    main()
