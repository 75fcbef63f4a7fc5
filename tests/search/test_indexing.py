"""The index follows publishing: publish adds, unpublish and delete remove, kb_reindex rebuilds."""

import pytest
from django.core.management import call_command
from django.db import connection

from kb.search.models import SearchDocument

pytestmark = pytest.mark.django_db


def api_slugs(client, query):
    return {r["slug"] for r in client.get("/api/search/", {"q": query}).json()["results"]}


def test_publishing_adds_a_page_to_search(client, make_case_study):
    page = make_case_study("Ambulance handover sprint", publish=False)
    assert page.slug not in api_slugs(client, "handover")
    page.save_revision().publish()
    assert page.slug in api_slugs(client, "handover")


def test_publishing_a_new_revision_updates_the_index(client, make_case_study):
    page = make_case_study("Ambulance handover sprint", summary="A sprint.")
    page.title = "Ambulance release sprint"
    page.save_revision().publish()
    assert page.slug not in api_slugs(client, "handover")
    assert page.slug in api_slugs(client, "release")


def test_unpublishing_removes_a_page(client, make_case_study):
    page = make_case_study("Ambulance handover sprint")
    page.unpublish()
    assert page.slug not in api_slugs(client, "handover")
    assert not SearchDocument.objects.filter(page_id=page.id).exists()


def test_deleting_removes_a_page_and_its_text(client, make_case_study):
    page = make_case_study("Ambulance handover sprint")
    document_id = SearchDocument.objects.get(page_id=page.id).id
    page.delete()
    assert page.slug not in api_slugs(client, "handover")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM kbsearch_fts WHERE rowid = %s", [document_id])
            assert cursor.fetchone()[0] == 0


def test_private_pages_are_not_indexed(client, make_case_study):
    from wagtail.models import PageViewRestriction

    page = make_case_study("Restricted handover work")
    PageViewRestriction.objects.create(page=page, restriction_type="login")
    page.save_revision().publish()
    assert page.slug not in api_slugs(client, "handover")


def test_kb_reindex_rebuilds_from_published_pages(client, make_case_study, capsys):
    live = make_case_study("Ambulance handover sprint")
    make_case_study("Draft handover", publish=False)
    SearchDocument.objects.all().delete()
    assert api_slugs(client, "handover") == set()
    call_command("kb_reindex")
    assert api_slugs(client, "handover") == {live.slug}
    assert "Indexed 1 published pages" in capsys.readouterr().out


def test_editing_synonyms_takes_effect(client, make_case_study):
    from kb.search.models import SynonymGroup

    page = make_case_study("Corridor care reduction", summary="Fewer patients in corridors.")
    assert page.slug not in api_slugs(client, "hallway")
    SynonymGroup.objects.create(terms="corridor, hallway")
    assert page.slug in api_slugs(client, "hallway")


def test_moderators_edit_synonyms_and_editors_only_read_them(client, django_user_model):
    from django.contrib.auth.models import Group

    editor = django_user_model.objects.create_user("eddie", "e@example.nhs.uk", "pw-123456789")
    editor.groups.add(Group.objects.get(name="Editors"))
    moderator = django_user_model.objects.create_user("mo", "m@example.nhs.uk", "pw-123456789")
    moderator.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(editor)
    listing = client.get("/admin/snippets/kbsearch/synonymgroup/")
    assert listing.status_code == 200
    assert "A&amp;E, ED, emergency department" in listing.content.decode()
    assert client.get("/admin/snippets/kbsearch/synonymgroup/add/").status_code in (302, 403)
    client.force_login(moderator)
    assert client.get("/admin/snippets/kbsearch/synonymgroup/add/").status_code == 200


def test_health_command_reports_the_index_and_an_unreachable_server(settings, make_case_study):
    import io

    from django.core.management.base import CommandError

    make_case_study("Handover")
    out = io.StringIO()
    call_command("kb_search_health", stdout=out)
    assert "Database index: 1 documents" in out.getvalue()
    settings.KB_SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    settings.ELASTICSEARCH_TIMEOUT = 0.5
    with pytest.raises(CommandError, match="not answering"):
        call_command("kb_search_health", stdout=io.StringIO())
