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

Then immediate email: every follow is switched to "immediate" and a second case study on the
pathway is published, timing

- the publish, which records the notifications and queues one email each into the outbox (the
  attempt to deliver them that the publish schedules for after its commit is held back here,
  so this is the queueing alone),
- `send_outbox` delivering them, in passes of --limit (100, the command's default) run back to
  back as `send_outbox --forever` runs them while busy, to a local mail backend (--backend
  file: one file per pass under the bench folder; locmem: kept in memory), and
- (unless --skip-inline) a third publish as the editor's request really runs it: the queueing,
  then the delivery attempt on commit, inside the same request.

The digests stay in the outbox (they are not sent); nothing under var/ is touched.
"""

import argparse
import datetime
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

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


def publish_case_study(site, pathway, title):
    """A case study on `pathway`, saved as a revision; returns the revision to publish."""
    from kb.cases.models import CaseStudyPage
    from kb.taxonomy.models import Organisation, Region

    organisation, _ = Organisation.objects.get_or_create(
        name="Northshire Hospitals NHS Foundation Trust"
    )
    page = CaseStudyPage(
        title=title,
        summary="Streaming from triage to SDEC cut waits.",
        organisation=organisation,
        region=Region.objects.first(),
        publication_date=datetime.date(2026, 11, 1),
    )
    page.pathways = [pathway]
    site[2].add_child(instance=page)
    return page.save_revision()


def use_mail_backend(kind):
    """Deliver to a local backend: files under the bench folder, or Django's memory outbox."""
    from django.conf import settings

    if kind == "locmem":
        from django.core import mail

        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        mail.outbox = []
        return None
    folder = bench_dir() / "mail"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(folder)
    return folder


def immediate_figures(site, pathway, accounts, limit, backend, inline):
    """Every follower wants email at once: time queueing at publish, then delivery."""
    from django.core.management import call_command
    from django.db import connection

    from kb.following.models import Follow, Frequency
    from kb.following.services import INLINE_DELIVERY_LIMIT
    from kb.mail.models import OutboxEmail

    Follow.objects.update(frequency=Frequency.IMMEDIATE)
    OutboxEmail.objects.all().delete()  # the digests: not what is measured here
    folder = use_mail_backend(backend)

    revision = publish_case_study(site, pathway, "Discharge before noon on every ward")
    held = []
    # The publish asks for its emails to be tried once it commits; held back, so the publish is
    # timed queueing alone and send_outbox below does the sending.
    statements = []

    def count(execute, sql, params, many, context):
        statements.append(1)
        return execute(sql, params, many, context)

    # Counted, not captured: Django's query log keeps only the last 9,000.
    with (
        mock.patch("kb.following.services.deliver", side_effect=held.append),
        connection.execute_wrapper(count),
    ):
        started = time.perf_counter()
        revision.publish()
        publish = time.perf_counter() - started
    queued = OutboxEmail.objects.filter(kind="following:immediate").count()
    assert queued == accounts, (queued, accounts)
    # Only the first few are tried at commit (INLINE_DELIVERY_LIMIT); the rest wait for
    # send_outbox.
    assert len(held) == 1 and len(held[0]) == min(accounts, INLINE_DELIVERY_LIMIT)
    print(f"publish queueing {queued:,} immediate emails into the outbox: {publish:.2f} s "
          f"({len(statements):,} SQL statements)")  # fmt: skip

    passes = 0
    started = time.perf_counter()
    while OutboxEmail.objects.filter(state=OutboxEmail.State.PENDING).exists():
        call_command("send_outbox", limit=limit, stdout=io.StringIO())
        passes += 1
    elapsed = time.perf_counter() - started
    sent = OutboxEmail.objects.filter(state=OutboxEmail.State.SENT).count()
    assert sent == accounts, (sent, accounts)
    where = f"files in {folder}" if folder else "memory (locmem)"
    print(f"send_outbox delivering them to {where}: {elapsed:.1f} s in {passes} passes of "
          f"--limit {limit} ({sent / elapsed:,.0f} a second)")  # fmt: skip
    if folder:
        messages = sum(path.read_text().count("\nMessage-ID: ") for path in folder.iterdir())
        assert messages == accounts, (messages, accounts)
    else:
        from django.core import mail

        assert len(mail.outbox) == accounts, len(mail.outbox)
        mail.outbox = []
    print("every follower has exactly one immediate email, sent once")

    if not inline:
        return
    OutboxEmail.objects.all().delete()
    use_mail_backend(backend)
    revision = publish_case_study(site, pathway, "Same day emergency care seven days a week")
    started = time.perf_counter()
    revision.publish()  # the delivery attempt on commit runs inside it, as in the editor
    elapsed = time.perf_counter() - started
    sent = OutboxEmail.objects.filter(state=OutboxEmail.State.SENT).count()
    print(f"publish as the editor's request runs it (queueing, then sending on commit): "
          f"{elapsed:.1f} s, {sent:,} of {accounts:,} sent before it returned")  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument(
        "--limit", type=int, default=100, help="send_outbox --limit for each pass (default 100)"
    )
    parser.add_argument("--backend", choices=["file", "locmem"], default="file")
    parser.add_argument(
        "--skip-inline", action="store_true", help="leave out the publish that sends on commit"
    )
    args = parser.parse_args()

    site = setup_django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kb.following.models import Notification
    from kb.following.services import send_digests
    from kb.mail.models import OutboxEmail

    started = time.perf_counter()
    pathway = make_followers(args.accounts)
    print(f"{args.accounts:,} accounts following {pathway.name}: made in "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip

    revision = publish_case_study(site, pathway, "Streaming to same day emergency care")
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

    immediate_figures(
        site, pathway, args.accounts, args.limit, args.backend, inline=not args.skip_inline
    )


if __name__ == "__main__":
    main()
