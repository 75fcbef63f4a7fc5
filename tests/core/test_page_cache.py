"""Anonymous readers get cached pages; publishing empties the cache; nothing private is cached."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_second_anonymous_visit_is_served_from_the_cache(client, make_case_study):
    page = make_case_study("Handover sprint")
    first = client.get(page.url)
    second = client.get(page.url)
    assert first["X-KB-Cache"] == "MISS"
    assert second["X-KB-Cache"] == "HIT"
    assert second.content == first.content
    # Cached copies keep the security headers and never set a cookie.
    assert "script-src 'self'" in second["Content-Security-Policy"]
    assert second["X-Frame-Options"] == "DENY"
    assert not second.cookies


def test_publishing_a_change_empties_the_cache(client, make_case_study):
    page = make_case_study("Handover sprint")
    client.get(page.url)
    client.get("/case-studies/")
    page.title = "Handover sprint, second edition"
    page.save_revision().publish()
    fresh = client.get(page.url)
    assert fresh["X-KB-Cache"] == "MISS"
    assert "second edition" in fresh.content.decode()
    assert "second edition" in client.get("/case-studies/").content.decode()


def test_unpublishing_removes_the_cached_copy(client, make_case_study):
    page = make_case_study("Handover sprint")
    client.get(page.url)
    page.unpublish()
    assert client.get(page.url).status_code == 404


def test_restricting_a_page_empties_the_cache_at_once(client, make_case_study):
    from wagtail.models import PageViewRestriction

    page = make_case_study("Handover sprint")
    assert "Handover sprint" in client.get("/case-studies/").content.decode()
    restriction = PageViewRestriction.objects.create(page=page, restriction_type="login")
    listing = client.get("/case-studies/")
    assert listing["X-KB-Cache"] == "MISS"
    assert "Handover sprint" not in listing.content.decode()
    restriction.delete()
    assert "Handover sprint" in client.get("/case-studies/").content.decode()


def test_vocabulary_edits_empty_the_cache(client, site_tree):
    from kb.taxonomy.models import Pathway

    client.get("/")
    pathway = Pathway.objects.get(slug="cancer")
    pathway.name = "Cancer services"
    pathway.save()
    response = client.get("/")
    assert response["X-KB-Cache"] == "MISS"
    assert "Cancer services" in response.content.decode()


def test_signed_in_editors_are_never_served_or_stored(client, admin_user, make_case_study):
    page = make_case_study("Handover sprint")
    client.force_login(admin_user)
    assert "X-KB-Cache" not in client.get(page.url)
    client.logout()
    assert client.get(page.url)["X-KB-Cache"] == "MISS"


def test_pages_with_forms_are_never_cached(client, site_tree):
    for _ in range(2):
        response = client.get("/ideas/submit/")
        assert response.status_code == 200
        assert "X-KB-Cache" not in response


def test_the_cache_can_be_switched_off(client, settings, make_case_study):
    settings.KB_PAGE_CACHE_SECONDS = 0
    page = make_case_study("Handover sprint")
    assert "X-KB-Cache" not in client.get(page.url)
