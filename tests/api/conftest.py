"""The API tests read the site as an outside client would: JSON over HTTP, no session."""

import pytest


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    """Each test starts with no requests counted (tests/conftest.py empties the caches), under
    a limit it will not reach (the tests of the limit itself set their own)."""
    settings.KB_API_RATE = "100000/m"


@pytest.fixture
def get_json(client):
    """GET an API address and return (response, parsed JSON), checking it is JSON."""

    def get(url, **headers):
        response = client.get(url, headers=headers)
        assert response["Content-Type"].split(";")[0] == "application/json", (url, response)
        return response, response.json()

    return get


@pytest.fixture
def all_pages(get_json):
    """Every item of a page-API listing, following offset to the end."""

    def collect(query="", limit=7):
        items, offset = [], 0
        while True:
            response, body = get_json(f"/api/v2/pages/?{query}&limit={limit}&offset={offset}")
            assert response.status_code == 200, body
            items += body["items"]
            offset += limit
            if offset >= body["meta"]["total_count"]:
                assert len(items) == body["meta"]["total_count"]
                return items

    return collect
