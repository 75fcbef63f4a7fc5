"""The OpenAPI description: a valid OpenAPI 3.1 document, true of every page the site serves,
and the API fuzzed from it with schemathesis (a bounded number of examples an operation): no
answer is a 500, and every answer's status, content type and body are the ones described."""

import jsonschema
import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.django_db
EXAMPLES = 25  # an operation, a generation mode: enough to find a crash, fast enough for make test


def test_the_document_is_valid_openapi_3_1(site_tree, client):
    document = client.get("/api/openapi.json").json()
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert {
        "/api/search/",
        "/api/v2/pages/",
        "/api/v2/pages/{id}/",
        "/api/projects/{slug}/",
    } <= set(document["paths"])


def test_every_served_page_matches_its_schema(demo_content, client):
    document = client.get("/api/openapi.json").json()
    page_schema = {"$ref": "#/components/schemas/Page", "components": document["components"]}
    validator = jsonschema.Draft202012Validator(page_schema)
    listing = client.get("/api/v2/pages/?limit=100").json()
    assert listing["meta"]["total_count"] == len(listing["items"]) > 50
    types = set()
    for item in listing["items"]:
        page = client.get(f"/api/v2/pages/{item['id']}/").json()
        errors = [error.message for error in validator.iter_errors(page)]
        assert not errors, (page["meta"]["type"], errors[:3])
        types.add(page["meta"]["type"])
    assert {"cases.CaseStudyPage", "guides.GirftStandardPage", "ideas.IdeaPage"} <= types


def test_a_page_with_an_unknown_field_would_not_match(demo_content, client):
    """The schemas are strict: a field the description does not name fails validation, so the
    test above would notice a private field appearing."""
    document = client.get("/api/openapi.json").json()
    schema = {
        "$ref": "#/components/schemas/cases_CaseStudyPage",
        "components": document["components"],
    }
    first = client.get("/api/v2/pages/?type=cases.CaseStudyPage&limit=1").json()["items"][0]
    page = client.get(f"/api/v2/pages/{first['id']}/").json()
    jsonschema.validate(page, schema, cls=jsonschema.Draft202012Validator)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            page | {"contact_email": "a@nhs.net"}, schema, cls=jsonschema.Draft202012Validator
        )


def test_variation_answers_match_their_schemas(variation_demo, client, settings):
    settings.KB_API_RATE = "100000/m"
    document = client.get("/api/openapi.json").json()

    def check(url, name):
        response = client.get(url)
        assert response.status_code == 200, url
        schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
        jsonschema.validate(response.json(), schema, cls=jsonschema.Draft202012Validator)

    for metric in ("ed-four-hour", "mortality-ratio", "emergency-readmissions-30d"):
        check(f"/api/variation/{metric}/funnel.json", "Funnel")
        check(f"/api/variation/{metric}/funnel.json?overdispersion=off", "Funnel")
    check("/api/organisations/ZZN01/", "OrganisationStanding")


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_fuzzed_from_its_description(make_case_study, settings_for_fuzzing, mode):
    make_case_study()
    call_command("load_variation_demo", verbosity=0)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
    checks = [not_a_server_error, status_code_conformance, content_type_conformance,
              response_schema_conformance]  # fmt: skip
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    fuzzed = 0
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case):
            case.call_and_validate(checks=checks)

        try:
            fuzz()
        except Unsatisfiable:
            # Negative mode: an operation whose every input is any string (a slug in the path,
            # or none at all) has no invalid input to make.
            assert mode == GenerationMode.NEGATIVE, operation.label
            continue
        fuzzed += 1
    assert fuzzed >= (8 if mode == GenerationMode.POSITIVE else 5)


@pytest.fixture
def settings_for_fuzzing(settings):
    """Schemathesis calls the WSGI application itself: like Django's test client, keep each
    request from closing the test's database connection (and its transaction) when it ends."""
    settings.KB_API_RATE = "1000000/m"
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
