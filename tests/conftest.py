"""Shared fixtures: the site's page tree, demo content and small page factories."""

import datetime
import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.core.management import call_command


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
    """With REDIS_URL (the PostgreSQL run of `make test`), each pytest-xdist worker gets a Redis
    database of its own: a test emptying its caches must not empty another worker's."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if settings.REDIS_URL and worker.startswith("gw"):
        number = 1 + int(worker[2:])
        for cache in settings.CACHES.values():
            if cache["BACKEND"].endswith("RedisCache"):
                cache["LOCATION"] = _redis_database(cache["LOCATION"], number)


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
    call_command("load_demo_content", verbosity=0)


@pytest.fixture
def make_case_study(site_tree):
    """Create a published case study with sensible defaults; keyword arguments override."""
    from kb.cases.models import CaseStudyMeasure, CaseStudyPage
    from kb.taxonomy.models import ImprovementMethod, Organisation, Pathway, Region

    def make(
        title="Faster discharge",
        pathways=("urgent-and-emergency-care",),
        methods=("model-for-improvement",),
        measures=None,
        publish=True,
        **fields,
    ):
        region = Region.objects.get(slug=fields.pop("region", "london"))
        organisation, _ = Organisation.objects.get_or_create(
            name=fields.pop("organisation", "Example NHS Trust"),
            defaults={"slug": "example-nhs-trust", "region": region},
        )
        page = CaseStudyPage(
            title=title,
            summary=fields.pop("summary", f"Summary of {title}."),
            organisation=organisation,
            region=region,
            publication_date=fields.pop("publication_date", datetime.date(2025, 6, 1)),
            **fields,
        )
        page.pathways = list(Pathway.objects.filter(slug__in=pathways))
        page.methods = list(ImprovementMethod.objects.filter(slug__in=methods))
        page.measures = [
            CaseStudyMeasure(**m)
            for m in (
                measures
                or [
                    {
                        "name": "Length of stay",
                        "unit": "days",
                        "baseline": 9,
                        "result": 7,
                        "higher_is_better": False,
                    }
                ]
            )
        ]
        site_tree[2].add_child(instance=page)
        revision = page.save_revision()
        if publish:
            revision.publish()
        else:
            page.live = False
            page.save()
        page.refresh_from_db()
        return page

    return make


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
