"""Adding a facet is one place: register it, reindex, and the search page, the API, the
database backend's counts and Elasticsearch's mapping all have it."""

import pytest
from django.core.management import call_command

from kb.search.backends.elastic import ElasticsearchBackend
from kb.search.facets import Facet, facet_names, register, unregister
from kb.search.models import SearchDocument
from kb.taxonomy.models import Organisation, Region

pytestmark = pytest.mark.django_db


def _lead_trust(page):
    organisation = getattr(page, "organisation", None)
    return [organisation.slug] if organisation is not None else []


@pytest.fixture
def lead_trust_facet():
    """The one place: a new facet, by the trust that led a change (unknown to the code)."""
    register(Facet("lead_trust", "Lead trust", "taxonomy.Organisation", _lead_trust))
    yield
    unregister("lead_trust")


@pytest.fixture
def two_trusts(site_tree, make_case_study):
    region = Region.objects.get(slug="london")
    Organisation.objects.create(name="Leeds Teaching Hospitals", slug="leeds", region=region)
    Organisation.objects.create(name="Example NHS Trust", slug="example-nhs-trust", region=region)
    leeds = make_case_study("Leeds discharge lounge", organisation="Leeds Teaching Hospitals")
    other = make_case_study("Example discharge lounge", organisation="Example NHS Trust")
    return leeds, other


def test_a_registered_facet_filters_and_counts_in_the_api(client, lead_trust_facet, two_trusts):
    leeds, _ = two_trusts
    call_command("kb_reindex", verbosity=0)

    everything = client.get("/api/search/?q=discharge").json()
    assert everything["facets"]["lead_trust"] == {"leeds": 1, "example-nhs-trust": 1}

    narrowed = client.get("/api/search/?q=discharge&lead_trust=leeds").json()
    assert [hit["slug"] for hit in narrowed["results"]] == [leeds.slug]
    # Counted without its own filter, as every facet is: the other trust is still offered.
    assert narrowed["facets"]["lead_trust"] == {"leeds": 1, "example-nhs-trust": 1}
    assert SearchDocument.objects.get(page=leeds).facets["lead_trust"] == ["leeds"]


def test_a_registered_facet_has_a_panel_on_the_search_page(client, lead_trust_facet, two_trusts):
    call_command("kb_reindex", verbosity=0)
    html = client.get("/search/?q=discharge&lead_trust=leeds").content.decode()
    assert "Lead trust" in html
    assert "Lead trust: Leeds Teaching Hospitals" in html  # the selected-filter chip
    assert 'name="lead_trust" type="checkbox" value="leeds" checked' in html


def test_elasticsearch_maps_a_registered_facet_as_a_keyword(lead_trust_facet):
    backend = ElasticsearchBackend("http://127.0.0.1:9", "kb-test", 0.5)
    properties = backend.index_definition([])["mappings"]["properties"]
    assert properties["facets"]["properties"]["lead_trust"]["type"] == "keyword"


def test_without_it_the_parameter_is_ignored_and_reported(client, two_trusts):
    assert "lead_trust" not in facet_names()
    data = client.get("/api/search/?q=discharge&lead_trust=leeds").json()
    assert data["count"] == 2
    assert "lead_trust" not in data["facets"]
