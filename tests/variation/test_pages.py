"""The variation pages and their JSON, read as a clinician and an analyst would, on the demo
data (fictional organisations, seeded): the funnel page, an organisation's page, the guide
page's panel, and /api/variation/.../funnel.json and /api/organisations/.../."""

import re

import pytest

from kb.taxonomy.models import Organisation
from kb.variation.funnel import funnel
from kb.variation.models import Metric, MetricValue
from kb.variation.pages import improvers
from kb.variation.queries import latest_period, peers

pytestmark = pytest.mark.django_db


@pytest.fixture
def variation(variation_demo, settings):
    settings.KB_PAGE_CACHE_SECONDS = 0
    settings.KB_API_RATE = "100000/m"


def rows_of(html):
    body = html.split('<tbody class="nhsuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr class=\"nhsuk-table__row\">", body)


def test_the_funnel_page_shows_every_organisation_and_says_what_stands_out(variation, client):
    metric = Metric.objects.get(slug="emergency-readmissions-30d")
    period = latest_period(metric)
    response = client.get(f"/variation/{metric.slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    with_data = MetricValue.objects.filter(metric=metric, period=period, denominator__gt=0).count()
    assert len(rows_of(html)) == with_data
    assert f"{with_data} organisations; national value" in html
    assert 'role="img"' in html and "<title" in html
    assert "Worse side:" in html  # Dunmere Vale's readmissions stand out in the demo data
    assert f'<option value="{period}" selected>' in html
    assert 'id="od-on" name="overdispersion" type="radio" value="on" checked' in html

    unadjusted = client.get(f"/variation/{metric.slug}/?overdispersion=off").content.decode()
    assert "Limits are not adjusted for overdispersion" in unadjusted


def test_a_peer_group_narrows_the_funnel_to_organisations_like_one(variation, client):
    northshire = Organisation.objects.get(ods_code="ZZN01")
    period = latest_period("ed-four-hour")
    group = set(
        peers(northshire, include_self=True)
        .filter(metric_values__metric__slug="ed-four-hour", metric_values__period=period)
        .values_list("name", flat=True)
    )
    assert 1 < len(group) < Organisation.objects.count()
    html = client.get("/variation/ed-four-hour/?peers=zzn01").content.decode()
    assert f"organisations like {northshire.name}" in html
    assert len(rows_of(html)) == len(group)
    assert "the group&#x27;s value" in html
    for other in Organisation.objects.exclude(name__in=group).exclude(ods_code=""):
        assert f">{other.name}</a>" not in html.split("<tbody", 1)[1]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("period=2019-13", "is not a period"),
        ("period=%3Cscript%3E", "is not a period"),
        ("period=1999-01", "There is no data for 1999-01"),
        ("peers=NOT-A-TRUST", "No organisation has that code or name"),
        ("peers=" + "x" * 3000, "No organisation has that code or name"),
        ("peers=ZZ%00X99", "No organisation has that code or name"),
    ],
)
def test_bad_choices_are_explained_and_the_latest_funnel_shown(variation, client, query, message):
    response = client.get(f"/variation/ed-four-hour/?{query}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html and message in html
    assert "<script>" not in html
    assert rows_of(html)


def test_unknown_metric_and_organisation_are_not_found(variation, client):
    assert client.get("/variation/no-such-metric/").status_code == 404
    assert client.get("/organisations/ZZ999/").status_code == 404
    assert client.get("/api/organisations/ZZ999/").json()["error"]["code"] == "not_found"
    assert client.get("/api/variation/nope/funnel.json").json()["error"]["code"] == "not_found"
    assert client.get("/api/organisations/ZZ%00X99/").status_code == 404


def test_an_organisation_page_shows_each_measure_and_what_could_help(variation, client):
    dunmere = Organisation.objects.get(ods_code="ZZD01")
    response = client.get("/organisations/ZZD01/")
    assert response.status_code == 200
    html = response.content.decode()
    metrics = Metric.objects.filter(values__organisation=dunmere).distinct()
    for metric in metrics:
        assert f'id="metric-{metric.slug}"' in html
    assert html.count('class="kb-chart__svg"') == metrics.count()  # its own SPC chart each

    readmissions = Metric.objects.get(slug="emergency-readmissions-30d")
    section = html.split('id="metric-emergency-readmissions-30d"', 1)[1].split("<section", 1)[0]
    assert "the worse side" in section and "What could help" in section
    for guide in readmissions.guides.live():
        assert guide.title in section
    for organisation, pages in improvers(readmissions, exclude=dunmere):
        for page in pages:
            assert f'<a href="{page.url}">{page.title}</a> ({organisation.name})' in section
    northshire = client.get("/organisations/ZZN01/").content.decode()
    assert "North East and Yorkshire Learning and Improvement Network" in northshire


def test_a_guide_shows_the_measures_it_addresses(variation, client):
    metric = Metric.objects.get(slug="hip-fracture-surgery-36h")
    standard = metric.standards.live().first()
    html = client.get(standard.url).content.decode()
    assert "Where organisations stand" in html
    assert f'action="/variation/{metric.slug}/"' in html
    assert "See where your organisation stands" in html


def test_the_funnel_json_matches_the_statistics(variation, client):
    metric = Metric.objects.get(slug="ed-four-hour")
    period = latest_period(metric)
    response = client.get(f"/api/variation/{metric.slug}/funnel.json?period={period}")
    assert response.status_code == 200
    body = response.json()
    rows = MetricValue.objects.filter(metric=metric, period=period).values_list(
        "organisation__name", "numerator", "denominator"
    )
    expected = funnel(list(rows), "proportion", multiplier=100)
    assert body["target"] == pytest.approx(expected.target)
    assert body["overdispersion"]["phi"] == pytest.approx(expected.phi)
    assert body["overdispersion"]["tau2"] == pytest.approx(expected.tau2)
    assert len(body["organisations"]) == len(expected.points)
    for item in body["organisations"]:
        point = expected.point(item["organisation"]["name"])
        assert item["value"] == pytest.approx(point.value)
        assert item["band"] == point.band
        assert item["limits"]["upper_998"] == pytest.approx(point.limits.upper_998)
        assert ("99.8" in item["outside"]) == point.band.endswith("998")

    off = client.get(f"/api/variation/{metric.slug}/funnel.json?overdispersion=off").json()
    assert off["overdispersion"]["adjusted"] is False
    assert client.get(response.request["PATH_INFO"] + "?overdispersion=maybe").status_code == 400
    assert client.get(response.request["PATH_INFO"] + "?period=2026-13").status_code == 400
    assert client.get(response.request["PATH_INFO"] + "?period=1990").status_code == 404


def test_the_organisation_json_has_positions_and_series(variation, client):
    body = client.get("/api/organisations/zzn01/").json()
    assert body["organisation"]["ods_code"] == "ZZN01"
    assert body["peers"] and all(p["type"] == "trust" for p in body["peers"])
    four_hour = next(m for m in body["metrics"] if m["metric"]["slug"] == "ed-four-hour")
    assert len(four_hour["series"]) == 36
    assert four_hour["band"] in ("above_998", "above_95", "within", "below_95", "below_998")
    assert four_hour["value"] == pytest.approx(four_hour["series"][-1]["value"])
    assert any("Learning and Improvement Network" in n["title"] for n in body["networks"])
