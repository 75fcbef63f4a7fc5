"""kb_move_database: a site that began on SQLite moves to PostgreSQL whole (issue 18).

The round trip builds the demo site in a SQLite file of its own (in child processes, as an
operator would), moves it into a PostgreSQL database made for the test, and compares the two
databases row for row; then searches on the target and checks that new rows get new ids. It
runs when a PostgreSQL server is at hand: KB_TEST_POSTGRES_URL, or DATABASE_URL when that is
PostgreSQL (`make test`'s second run); otherwise it is skipped, saying why. It uses no test
database of pytest-django's and names its own, so it runs beside the rest of the suite.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from kb.core import database_move as move

ROOT = Path(__file__).resolve().parents[2]
NUL_NAME = "Ann\x00e"  # a first name PostgreSQL cannot store as it is

# The demo site (both loaders), plus what it lacks: an image with a rendition, a document, and a
# user whose name has a NUL character in it. One child process: each costs a Django start-up.
SOURCE_CONTENT = f"""
import io
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import call_command
from PIL import Image
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

call_command("load_demo_content", verbosity=0)
call_command("load_variation_demo", verbosity=0)
picture = io.BytesIO()
Image.new("RGB", (8, 6), "#005eb8").save(picture, "PNG")
image = get_image_model().objects.create(
    title="Moved run chart", file=ContentFile(picture.getvalue(), name="moved-run-chart.png")
)
image.get_rendition("fill-4x4")
get_document_model().objects.create(
    title="Moved audit data", file=ContentFile(b"month,value\\n2025-01,3\\n", name="audit.csv")
)
get_user_model().objects.create_user(
    "moved-editor", "moved.editor@example.nhs.uk", "not-a-real-password",
    first_name={NUL_NAME!r}, last_name="Jones",
)
"""

TARGET_CHECKS = """
import json, os
from django.contrib.auth.models import Group
from django.test import Client
from taggit.models import Tag
from wagtail.models import Page
from kb.search.service import SearchParams, search_documents

query = os.environ["KB_MOVE_QUERY"]
result, _ = search_documents(SearchParams(q=query))
response = Client().get("/search/", {"q": query})
print("CHECKS", json.dumps({
    "hits": [hit.title for hit in result.hits],
    "page_status": response.status_code,
    "page_has_title": query in response.content.decode(),
    "wagtail_hits": [page.title for page in Page.objects.live().search(query)],
    # New rows take new ids instead of colliding with copied ones.
    "new_tag": Tag.objects.create(name="added-after-the-move").pk,
    "new_group": Group.objects.create(name="Added after the move").pk,
}))
"""


# --- Checks that need no database -------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("", "Give the target"),
        ("nonsense", "not a database URL"),
        ("mysql://kb@db/kb", "must be a PostgreSQL database"),
        ("sqlite:////tmp/kb.sqlite3", "must be a PostgreSQL database"),
        ("postgres://kb:kb@db.internal:5432/", "names no database"),
    ],
)
def test_malformed_or_unsuitable_targets_are_refused(url, says):
    with pytest.raises(move.MoveError, match=says):
        move.parse_target(url)
    with pytest.raises(CommandError, match=says):
        call_command("kb_move_database", "--to", url)


def test_the_same_database_is_recognised_under_another_spelling():
    here = move.parse_target("postgres://kb:kb@localhost/kb")
    assert move.same_database(here, move.parse_target("postgresql://other@127.0.0.1:5432/kb"))
    assert not move.same_database(here, move.parse_target("postgres://kb@localhost/kb_new"))
    assert not move.same_database(here, move.parse_target("postgres://kb@db.internal/kb"))
    sqlite = {"ENGINE": "django.db.backends.sqlite3", "NAME": "/tmp/x/../kb.sqlite3"}
    assert move.same_database(sqlite, {**sqlite, "NAME": "/tmp/kb.sqlite3"})


def test_nul_characters_are_found_and_removed_inside_json_too():
    value = {"blocks": [{"type": "text", "value": "a\x00b"}], "k\x00": 1}
    assert move._has_nul(value)
    assert move._strip_nul(value) == {"blocks": [{"type": "text", "value": "ab"}], "k": 1}
    assert not move._has_nul({"blocks": [1, None, "plain"]})


def test_derived_and_short_lived_tables_are_not_copied():
    copied, skipped = move.copied_models()
    labels = {model._meta.label for model in copied}
    left = dict(skipped)
    assert {"kbsearch.SearchDocument", "kbsearch.IndexChange", "sessions.Session"} <= set(left)
    assert {"wagtailcore.Page", "wagtailcore.Revision", "ideas.IdeaPage", "auth.User"} <= labels
    assert {"contenttypes.ContentType", "auth.Permission", "kbsearch.SynonymGroup"} <= labels
    order = [model._meta.label for model in copied]
    assert order.index("wagtailcore.Page") < order.index("ideas.IdeaPage")
    assert order.index("contenttypes.ContentType") < order.index("wagtailcore.Page")


def test_the_mover_knows_no_content_app():
    source = (ROOT / "kb/core/database_move.py").read_text()
    source += (ROOT / "kb/core/management/commands/kb_move_database.py").read_text()
    for app in ("cases", "guides", "ideas", "search", "variation", "networks", "projects"):
        assert f"kb.{app}" not in source


# --- The round trip ---------------------------------------------------------------------------


def postgres_url():
    url = os.environ.get("KB_TEST_POSTGRES_URL", "").strip()
    if not url:
        candidate = os.environ.get("DATABASE_URL", "").strip()
        if candidate.split(":", 1)[0] in {"postgres", "postgresql", "pgsql"}:
            url = candidate
    return url


@pytest.fixture
def empty_postgres():
    """A new, empty PostgreSQL database for this test alone: its URL; dropped afterwards."""
    url = postgres_url()
    if not url:
        pytest.skip(
            "needs PostgreSQL: set KB_TEST_POSTGRES_URL (or DATABASE_URL) to a postgres:// URL "
            "whose role may create databases (./scripts/postgres.sh prints one)"
        )
    import psycopg

    config = move.parse_target(url)
    server = dict(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname=config["NAME"],
        **config.get("OPTIONS", {}),
    )
    name = f"kb_move_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        admin = psycopg.connect(**server, autocommit=True)
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL at {config['HOST']}:{config['PORT']} is unreachable: {error}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    target = url.split("?", 1)
    base = target[0].rsplit("/", 1)[0]
    yield f"{base}/{name}" + (f"?{target[1]}" if len(target) > 1 else "")
    move.close_target("kb_test_source")
    move.close_target("kb_test_target")
    with psycopg.connect(**server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(env, *arguments, expect_failure=False):
    completed = subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    output = completed.stdout + completed.stderr
    if expect_failure:
        assert completed.returncode != 0, output
    else:
        assert completed.returncode == 0, f"manage.py {' '.join(arguments)} failed:\n{output}"
    return output


def rows(model, alias):
    """Every row of the model's own table, as comparable Python values, by primary key."""
    fields = model._meta.local_concrete_fields
    names = [f.attname for f in fields]
    found = {}
    for values in model._base_manager.using(alias).order_by("pk").values_list(*names):
        row = dict(zip(names, (comparable(value) for value in values), strict=True))
        found[row[model._meta.pk.attname]] = row
    return found


def comparable(value):
    from wagtail.blocks import StreamValue

    if isinstance(value, StreamValue):
        return [dict(block) for block in value.raw_data]
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def test_the_demo_site_moves_from_sqlite_to_postgresql_whole(
    empty_postgres, tmp_path, django_db_blocker
):
    from django.contrib.auth import get_user_model
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.models import Page, Revision

    from kb.ideas.models import IdeaPage, IdeaSubmission
    from kb.search.models import SearchDocument
    from kb.taxonomy.models import Organisation, Pathway
    from kb.variation.models import MetricValue

    media = tmp_path / "media"
    source_file = tmp_path / "kb.sqlite3"
    env = {
        **os.environ,
        "KB_VAR_DIR": str(tmp_path),
        "DJANGO_MEDIA_ROOT": str(media),
        "DATABASE_URL": f"sqlite:///{source_file}",
        "DJANGO_SECRET_KEY": "kb-move-database-test",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "KB_STATIC_MANIFEST": "false",
        "KB_SEARCH_BACKEND": "database",
        "KB_LOG_LEVEL": "WARNING",
    }
    env.pop("KB_TEST_POSTGRES_URL", None)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "shell", "-c", SOURCE_CONTENT)
    # And a value SQLite took but PostgreSQL will not: a group name past its 150 characters.
    with sqlite3.connect(source_file) as db:
        db.execute("INSERT INTO auth_group (name) VALUES (?)", ["Too long a name " * 12])

    # A NUL character stops the move, naming the row, and leaves the target with no content.
    refused = manage(env, "kb_move_database", "--to", empty_postgres, expect_failure=True)
    assert "auth.User pk=" in refused and "first_name" in refused and "NUL" in refused
    assert "--strip-nul" in refused
    assert "auth.Group pk=" in refused and "too long" in refused
    with sqlite3.connect(source_file) as db:
        db.execute("UPDATE auth_group SET name = 'A long name, shortened' WHERE length(name) > 150")
    moved = manage(env, "kb_move_database", "--to", empty_postgres, "--strip-nul")
    assert "NUL characters removed: auth.User" in moved
    assert "DIFFERENT" not in moved and "Not copied: kbsearch.SearchDocument" in moved

    # Moving again onto the now full target is refused.
    again = manage(env, "kb_move_database", "--to", empty_postgres, expect_failure=True)
    assert "already has content" in again

    # The media folder is copied as it is, to wherever the new server keeps it.
    new_media = tmp_path / "new-media"
    shutil.copytree(media, new_media)
    storage = FileSystemStorage(location=new_media)

    with django_db_blocker.unblock():
        move.connect_target({"ENGINE": "django.db.backends.sqlite3", "NAME": str(source_file)},
                            "kb_test_source")  # fmt: skip
        move.connect_target(move.parse_target(empty_postgres), "kb_test_target")
        src, dst = "kb_test_source", "kb_test_target"
        assert connections[dst].vendor == "postgresql"

        # Every copied table, row for row and value for value (one known difference: the NUL).
        copied, _ = move.copied_models()
        for model in copied:
            before, after = rows(model, src), rows(model, dst)
            if model is get_user_model():
                nul_user = next(pk for pk, row in before.items() if row["first_name"] == NUL_NAME)
                assert after[nul_user]["first_name"] == "Anne"
                after[nul_user]["first_name"] = NUL_NAME
            assert before == after, model._meta.label

        # The same things by name, as a person checking the site would look at them.
        pages = Page.objects.using(src).order_by("path")
        assert pages.count() > 50
        for page in pages:
            moved_page = Page.objects.using(dst).get(pk=page.pk)
            assert (moved_page.title, moved_page.url_path, moved_page.live, moved_page.path) == (
                page.title, page.url_path, page.live, page.path,
            )  # fmt: skip
            assert moved_page.content_type_id == page.content_type_id
            if page.latest_revision_id:
                revision = Revision.objects.using(dst).get(pk=page.latest_revision_id)
                assert revision.content == page.latest_revision.content
                assert revision.object_id == str(page.pk)
        assert Revision.objects.using(dst).count() == Revision.objects.using(src).count() > 0
        assert sorted(IdeaPage.objects.using(dst).values_list("title", "stage")) == sorted(
            IdeaPage.objects.using(src).values_list("title", "stage")
        )
        assert (
            IdeaSubmission.objects.using(dst).count() == IdeaSubmission.objects.using(src).count()
        )
        for vocabulary in (Pathway, Organisation):
            assert list(vocabulary.objects.using(dst).values_list("slug", "name")) == list(
                vocabulary.objects.using(src).values_list("slug", "name")
            )
        assert MetricValue.objects.using(dst).count() == 2160
        values = "metric__slug", "organisation__slug", "period", "numerator", "denominator"
        assert sorted(MetricValue.objects.using(dst).values_list(*values)) == sorted(
            MetricValue.objects.using(src).values_list(*values)
        )
        assert list(get_user_model().objects.using(dst).values_list("email", "password")) == list(
            get_user_model().objects.using(src).values_list("email", "password")
        )

        # Images, renditions and documents: every row's file is in the copied media folder.
        Image, Document = get_image_model(), get_document_model()
        files = [image.file.name for image in Image.objects.using(dst)]
        renditions = Image.get_rendition_model().objects.using(dst)
        files += [rendition.file.name for rendition in renditions]
        files += [document.file.name for document in Document.objects.using(dst)]
        assert len(files) >= 3
        assert all(storage.exists(name) for name in files), files

        # Every sequence was moved past the copied ids (sqlsequencereset), so new rows do not
        # collide with them.
        with connections[dst].cursor() as cursor:
            for model in copied:
                pk = model._meta.pk
                if pk.get_internal_type() not in {"AutoField", "BigAutoField", "SmallAutoField"}:
                    continue
                table = model._meta.db_table
                cursor.execute(
                    f'SELECT MAX("{pk.column}") FROM "{table}"'  # noqa: S608
                )
                highest = cursor.fetchone()[0]
                if highest is None:
                    continue
                cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk.column])
                sequence = cursor.fetchone()[0]
                cursor.execute(f"SELECT last_value FROM {sequence}")  # noqa: S608
                assert cursor.fetchone()[0] >= highest, model._meta.label

        # The search index was rebuilt on the target, not copied.
        assert SearchDocument.objects.using(dst).count() > 0
        query = Page.objects.using(dst).live().filter(depth__gte=4).order_by("path").first().title

    # Searching the target finds the page; new rows get fresh ids.
    target_env = {**env, "DATABASE_URL": empty_postgres}
    target_env = {**target_env, "KB_MOVE_QUERY": query}
    checks = manage(target_env, "shell", "-c", TARGET_CHECKS)
    found = json.loads(next(line for line in checks.splitlines() if line.startswith("CHECKS "))[7:])
    assert query in found["hits"]
    assert found["page_status"] == 200 and found["page_has_title"]
    assert query in found["wagtail_hits"]
    assert found["new_tag"] and found["new_group"]
