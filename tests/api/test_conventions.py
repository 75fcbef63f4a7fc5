"""The manners every API address shares: read-only, JSON errors, ETags and 304s, caching
headers, CORS for GET from other sites, and a rate limit per client with Retry-After."""

from unittest import mock

import pytest
from django.core.cache import caches

pytestmark = pytest.mark.django_db
LISTING = "/api/v2/pages/?type=cases.CaseStudyPage"


def test_only_reading_is_allowed(site_tree, client):
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)(
            "/api/v2/pages/", data="{}", content_type="application/json"
        )
        assert response.status_code == 405
        assert response["Allow"] == "GET, HEAD, OPTIONS"
        assert response.json()["error"]["code"] == "method_not_allowed"


def test_errors_are_json_wherever_they_come_from(site_tree, client):
    response = client.get("/api/no-such-endpoint/")
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "not_found",
        "message": "Nothing is published at this address. The API reference at /api/ lists the "
        "addresses.",
    }
    assert response["Cache-Control"] == "no-store"
    assert client.get("/api/projects/no-such-project/").json()["error"]["code"] == "not_found"
    assert client.get("/api/search/?page=0").json()["error"]["code"] == "bad_request"


def test_a_crash_is_a_json_500_that_says_nothing_of_the_cause(site_tree, client):
    client.raise_request_exception = False
    with mock.patch(
        "kb.api.endpoints.PagesEndpoint.listing_view", side_effect=RuntimeError("db password")
    ):
        response = client.get("/api/v2/pages/")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    assert b"db password" not in response.content


def test_an_unchanged_listing_is_a_304_until_something_is_published(make_case_study, client):
    make_case_study(title="First")
    first = client.get(LISTING)
    assert first.status_code == 200
    assert first["Cache-Control"] == "public, max-age=60"
    etag, modified = first["ETag"], first["Last-Modified"]

    again = client.get(LISTING, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert client.get(LISTING, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(LISTING + "&limit=1", headers={"If-None-Match": etag}).status_code == 200

    make_case_study(title="Second", slug="second")
    changed = client.get(LISTING, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert len(changed.json()["items"]) == 2


def test_other_answers_get_an_etag_from_their_content(site_tree, client):
    first = client.get("/api/openapi.json")
    assert first.status_code == 200 and first["ETag"]
    assert first["Cache-Control"] == "public, max-age=3600"
    assert (
        client.get("/api/openapi.json", headers={"If-None-Match": first["ETag"]}).status_code == 304
    )
    assert client.get("/api/openapi.json", headers={"If-None-Match": '"other"'}).status_code == 200


def test_other_sites_may_read_but_not_with_credentials(site_tree, client):
    origin = {"Origin": "https://dashboard.example.nhs.uk"}
    response = client.get("/api/v2/pages/", headers=origin)
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    assert "ETag" in response["Access-Control-Expose-Headers"]

    preflight = client.options(
        "/api/search/", headers=origin | {"Access-Control-Request-Method": "GET"}
    )
    assert preflight.status_code == 200
    assert set(preflight["Access-Control-Allow-Methods"].split(", ")) == {"GET", "HEAD", "OPTIONS"}

    page = client.get("/case-studies/", headers=origin)
    assert "Access-Control-Allow-Origin" not in page


def test_a_client_over_its_limit_is_told_when_to_come_back(site_tree, client, settings):
    settings.KB_API_RATE = "3/m"
    caches["ratelimit"].clear()
    for _ in range(3):
        assert client.get("/api/v2/pages/").status_code == 200
    limited = client.get("/api/v2/pages/")
    assert limited.status_code == 429
    assert limited["Retry-After"] == "60"
    assert limited.json()["error"]["code"] == "rate_limited"
    assert client.get("/api/search/").status_code == 429  # one limit across the API

    other = client.get("/api/v2/pages/", REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 200
    assert client.get("/case-studies/").status_code == 200  # pages for people are not limited


def test_the_reference_page_lists_every_address_and_page_type(site_tree, client):
    from kb.api.openapi import document

    response = client.get("/api/")
    assert response.status_code == 200
    text = response.content.decode()
    for path in document()["paths"]:
        assert f"GET {path}" in text
    assert "cases.CaseStudyPage" in text and "guides.GirftStandardPage" in text
    assert 'href="/api/openapi.json"' in text
