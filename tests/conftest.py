"""Shared fixtures: the site's page tree, demo content and small page factories."""

import functools
import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management import call_command

from tests import shared_content
from tests.factories import create_case_study


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker, django_db_modify_db_settings):
    """Always create the test database, even when only browser tests (no db mark) are run.

    pytest-django creates it only for databases some selected test marks; the browser tests
    reach it through a live server instead, and must never touch the developer's own database.
    `django_db_modify_db_settings` keeps pytest-xdist's per-worker database names.
    """
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock():
        config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    yield
    with django_db_blocker.unblock():
        teardown_databases(config, verbosity=0)


@pytest.fixture(scope="session", autouse=True)
def _static_manifest():
    """Templates need the hashed-static manifest; build it if `make test` did not."""
    hashed = settings.STORAGES["staticfiles"]["BACKEND"].endswith("KBStaticFilesStorage")
    if hashed and not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture(autouse=True)
def _sign_in_without_lockout_counting(request, settings):
    """django-axes needs the request to authenticate; the test client's login() has none.
    Tests of the lockout itself ask for the `axes_enabled` fixture."""
    if "axes_enabled" not in request.fixturenames:
        settings.AXES_ENABLED = False


def pytest_configure(config):
    """Passwords are hashed with fewer rounds (QuickPBKDF2PasswordHasher). With REDIS_URL (the
    PostgreSQL run of `make test`), each pytest-xdist worker gets a Redis database of its own: a
    test emptying its caches must not empty another worker's."""
    settings.PASSWORD_HASHERS = [
        f"{__name__}.QuickPBKDF2PasswordHasher",
        *(name for name in settings.PASSWORD_HASHERS if not name.endswith(".PBKDF2PasswordHasher")),
    ]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if settings.REDIS_URL and worker.startswith("gw"):
        number = 1 + int(worker[2:])
        for cache in settings.CACHES.values():
            if cache["BACKEND"].endswith("RedisCache"):
                cache["LOCATION"] = _redis_database(cache["LOCATION"], number)


class QuickPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """Django's hasher with fewer rounds: a million per password made or checked cost the suite
    minutes. The rounds are written in each hash, so the app servers some tests start (with the
    real settings) still check these passwords."""

    iterations = 1000


def _redis_database(url, number):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{number}"))


@pytest.fixture(autouse=True)
def _no_pages_cached_between_tests(django_db_setup, django_db_blocker):
    """Caches outlive each test: a page cached or a request counted by one test must never
    answer another. The database cache (the embedded default's) is emptied for real, outside
    the test's transaction: a transactional test's counters would otherwise outlive it."""
    clear_caches(django_db_blocker)


def clear_caches(django_db_blocker=None):
    from django.core.cache import caches
    from django.core.cache.backends.db import DatabaseCache

    for alias in settings.CACHES:
        if isinstance(caches[alias], DatabaseCache) and django_db_blocker is not None:
            with django_db_blocker.unblock():
                caches[alias].clear()
        else:
            caches[alias].clear()


@pytest.fixture
def axes_enabled(settings):
    settings.AXES_ENABLED = True


@pytest.fixture
def site_tree(db):
    """(home, guidance index, case study index, idea index), as a fresh `migrate` + first load
    gives."""
    from kb.publishing.site_structure import ensure_site_structure

    return ensure_site_structure()


@pytest.fixture
def demo_content(db):
    """The full demo content, published."""
    if not shared_content.current.provides("demo_content"):
        call_command("load_demo_content", verbosity=0)


@pytest.fixture
def variation_demo(demo_content):
    """The demo content and the seeded variation data (`load_variation_demo`)."""
    if not shared_content.current.provides("variation_demo"):
        call_command("load_variation_demo", verbosity=0)


@shared_content.shared("demo_content")
def _load_demo_content():
    call_command("load_demo_content", verbosity=0)


@shared_content.shared("variation_demo", provides=["demo_content"])
def _load_variation_demo():
    call_command("load_demo_content", verbosity=0)
    call_command("load_variation_demo", verbosity=0)


@shared_content.shared("site_tree", opt_in=True)
def _build_site_tree():
    from kb.publishing.site_structure import ensure_site_structure

    ensure_site_structure()


@pytest.fixture(scope="session")
def _shared_content_session(django_db_setup, django_db_blocker):
    yield
    shared_content.current.close(django_db_blocker)


@pytest.fixture(autouse=True)
def _shared_content_for_test(request, _shared_content_session, django_db_blocker):
    """Opens, keeps or closes the shared content (tests/shared_content.py) for this test,
    before any other fixture of it (pytest_collection_modifyitems puts this one first)."""
    name = shared_content.shared_name(request.node)
    if shared_content.current.name != name:
        shared_content.current.close(django_db_blocker)
        if name:
            shared_content.current.open(name, django_db_blocker)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Tests sharing content run one after another, and set it up before their database
    transaction begins (pytest-django has already put the database tests first)."""
    for item in items:
        names = getattr(item, "fixturenames", None)
        if names and "_shared_content_for_test" in names:
            names.remove("_shared_content_for_test")
            names.insert(0, "_shared_content_for_test")
    order = {name: rank for rank, name in enumerate(shared_content.LOADERS, 1)}

    def rank(item):
        if item.name in SLOWEST:
            return 0
        return order.get(shared_content.shared_name(item), len(order) + 1)

    items.sort(key=rank)


# Minutes each (on PostgreSQL): started first, so no worker ends the run waiting on them.
SLOWEST = {"test_the_demo_site_moves_from_sqlite_to_postgresql_whole"}


@pytest.fixture
def make_case_study(site_tree):
    """Create a published case study with sensible defaults; keyword arguments override."""
    return functools.partial(create_case_study, site_tree[2])


@pytest.fixture
def draft_guide(site_tree):
    """An unpublished improvement guide with one revision."""
    from kb.guides.models import ImprovementGuidePage

    guide = ImprovementGuidePage(
        title="Reducing corridor care", slug="reducing-corridor-care", summary="Draft guide.",
        live=False,
    )  # fmt: skip
    site_tree[1].add_child(instance=guide)
    guide.save_revision()
    return guide


@pytest.fixture
def page_edit_data():
    """The page editor's form for a page, as a browser would send it back unchanged."""
    from wagtail.test.utils.form_data import querydict_from_html

    def read(client, page):
        response = client.get(f"/admin/pages/{page.id}/edit/")
        assert response.status_code == 200
        data = querydict_from_html(response.content.decode(), form_id="page-edit-form")
        # StreamFields are built by the admin's JavaScript; an empty body sends no count.
        data.setdefault("body-count", "0")
        return data

    return read
