"""The query API the variation views use: periods, funnels, series, peers and size bands."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kb.taxonomy.models import Organisation, Region
from kb.variation import demo
from kb.variation.funnel import funnel
from kb.variation.importer import COLUMNS, import_csv
from kb.variation.models import Metric
from kb.variation.queries import (
    funnel_for,
    latest_period,
    metric_periods,
    organisation_series,
    peers,
)
from kb.variation.sizes import recompute_size_bands

pytestmark = pytest.mark.django_db


def load_rows(rows):
    lines = [",".join(COLUMNS)] + [",".join(str(c) for c in r) for r in rows]
    return import_csv("\n".join(lines).encode(), "t.csv")


def prop(slug, ods, period, num, den, name="Seen in 4 hours"):
    return [slug, name, "proportion", "higher", ods, f"Trust {ods}", period, num, den]


def test_periods_newest_first_and_latest():
    load_rows([prop("m", "ZZ1", p, 5, 10) for p in ("2024-11", "2025-01", "2024-12")]
              + [prop("m", "ZZ2", "2025-01", 3, 10)])  # fmt: skip
    metric = Metric.objects.get(slug="m")
    assert metric_periods(metric) == ["2025-01", "2024-12", "2024-11"]
    assert metric_periods("m") == ["2025-01", "2024-12", "2024-11"]
    assert latest_period(metric) == "2025-01"


def test_a_metric_without_data_has_no_periods():
    metric = Metric.objects.create(slug="empty", name="Empty", data_type="rate")
    assert metric_periods(metric) == [] and latest_period(metric) is None
    assert funnel_for(metric, "2025-01") is None


def test_the_funnel_matches_the_statistics_on_the_same_numbers_in_one_query():
    data = [(f"ZZ{i:03d}", 20 + i, 100 + 7 * i) for i in range(200)]
    load_rows([prop("m", ods, "2025-03", n, d) for ods, n, d in data]
              + [prop("m", ods, "2025-02", 1, 2) for ods, _n, _d in data])  # fmt: skip
    metric = Metric.objects.get(slug="m")
    with CaptureQueriesContext(connection) as queries:
        result = funnel_for(metric, "2025-3")
    assert len(queries) == 1
    expected = funnel([(f"Trust {o}", n, d) for o, n, d in data], "proportion", multiplier=100)
    assert result.target == pytest.approx(expected.target)
    assert result.phi == pytest.approx(expected.phi)
    assert sorted((p.name, p.band) for p in result.points) == sorted(
        (p.name, p.band) for p in expected.points
    )
    assert len(result.points) == 200


def test_the_funnel_of_a_peer_group_is_that_groups():
    load_rows([prop("m", f"ZZ{i}", "2025-01", 10 * i, 100) for i in range(1, 7)])
    metric = Metric.objects.get(slug="m")
    group = Organisation.objects.filter(ods_code__in=["ZZ1", "ZZ2", "ZZ3"])
    result = funnel_for(metric, "2025-01", organisations=group)
    assert sorted(p.name for p in result.points) == ["Trust ZZ1", "Trust ZZ2", "Trust ZZ3"]
    assert result.target == pytest.approx(20.0)  # 60 of 300, in %
    assert funnel_for(metric, "2025-01", overdispersion=False).adjusted is False


def test_the_multiplier_follows_the_metric():
    rate = ["r", "Readmissions", "rate", "lower"]
    load_rows([[*rate, "ZZ1", "T1", "2025-01", 30, 500], [*rate, "ZZ2", "T2", "2025-01", 10, 500]])
    metric = Metric.objects.get(slug="r")
    assert metric.multiplier == 1000
    assert funnel_for(metric, "2025-01").target == pytest.approx(40.0)
    metric.per = 100_000
    metric.save()
    assert funnel_for(metric, "2025-01").target == pytest.approx(4000.0)
    metric.data_type, metric.unit = "proportion", "proportion"
    assert metric.multiplier == 1


def test_a_funnel_leaves_out_no_activity_and_a_period_of_nothing_is_none():
    load_rows([prop("m", "ZZ1", "2025-01", 5, 10), prop("m", "ZZ2", "2025-01", 0, 0),
               prop("m", "ZZ1", "2025-02", 0, 0)])  # fmt: skip
    metric = Metric.objects.get(slug="m")
    result = funnel_for(metric, "2025-01")
    assert [p.name for p in result.points] == ["Trust ZZ1"]
    assert result.excluded == ("Trust ZZ2",)
    assert funnel_for(metric, "2025-02") is None
    assert funnel_for(metric, "not a period") is None
    assert funnel_for(metric, "2030-01") is None


def test_an_organisations_series_is_in_time_order_as_displayed():
    load_rows([prop("m", "ZZ1", p, n, 200) for p, n in
               (("2025-02", 50, ), ("2024-12", 40), ("2025-01", 0))] +
              [prop("m", "ZZ1", "2025-03", 0, 0)])  # fmt: skip
    org = Organisation.objects.get(ods_code="ZZ1")
    series = organisation_series(org, Metric.objects.get(slug="m"))
    assert series == [("2024-12", 20.0), ("2025-01", 0.0), ("2025-02", 25.0)]
    assert organisation_series(org.slug, "m") == series


def _org(name, kind="trust", region=None, band=""):
    return Organisation.objects.create(
        name=name, slug=name.lower(), kind=kind, region=region, size_band=band
    )


def test_peers_are_the_same_type_and_region_or_size_band():
    north, south = Region.objects.order_by("slug")[:2]
    me = _org("Me", region=north, band="large")
    same_region = _org("SameRegion", region=north, band="small")
    same_band = _org("SameBand", region=south, band="large")
    _org("Neither", region=south, band="small")
    _org("OtherKind", kind="ambulance-trust", region=north, band="large")
    _org("NoRegionNoBand")
    assert [o.name for o in peers(me)] == ["SameBand", "SameRegion"]
    assert [o.name for o in peers(me, include_self=True)] == ["Me", "SameBand", "SameRegion"]
    assert [o.name for o in peers(same_band)] == ["Me", "Neither"]
    assert same_region not in peers(same_band)
    assert list(peers(_org("Lonely"))) == []


def test_size_bands_are_thirds_of_each_type_by_latest_denominator(settings):
    settings.KB_VARIATION_SIZE_METRIC = "beds"
    rows = []
    for i in range(1, 7):  # six acute trusts; an older, bigger period must not count
        rows.append(["beds", "Beds", "rate", "lower", f"ZZ{i}", f"T{i}", "2024", 0, 100 * i])
        rows.append(["beds", "Beds", "rate", "lower", f"ZZ{i}", f"T{i}", "2023", 0, 10_000 - i])
    rows.append(["beds", "Beds", "rate", "lower", "ZZA", "Amb", "2024", 0, 5])
    load_rows(rows)
    Organisation.objects.filter(ods_code="ZZA").update(kind="ambulance-trust")
    recompute_size_bands()
    bands = dict(Organisation.objects.values_list("ods_code", "size_band"))
    assert bands == {"ZZ1": "small", "ZZ2": "small", "ZZ3": "medium", "ZZ4": "medium",
                     "ZZ5": "large", "ZZ6": "large", "ZZA": ""}  # fmt: skip
    unrelated = _org("No data")
    recompute_size_bands()
    unrelated.refresh_from_db()
    assert unrelated.size_band == ""


def test_an_import_recomputes_size_bands(settings):
    settings.KB_VARIATION_SIZE_METRIC = "m"
    load_rows([prop("m", f"ZZ{i}", "2025-01", 1, 10 * i) for i in range(1, 4)])
    assert list(Organisation.objects.order_by("ods_code").values_list("size_band", flat=True))\
        == ["small", "medium", "large"]  # fmt: skip
    load_rows([prop("m", f"ZZ{i}", "2025-02", 1, 10 * (4 - i)) for i in range(1, 4)])
    assert list(Organisation.objects.order_by("ods_code").values_list("size_band", flat=True))\
        == ["large", "medium", "small"]  # fmt: skip


# --- the demo --------------------------------------------------------------------------------


def test_the_demo_is_deterministic_fictional_and_idempotent(site_tree):
    assert demo.csv_text(3) == demo.csv_text(3) != demo.csv_text(4)
    first = demo.load(3)
    assert first.created == 4 * 15 * 36
    again = demo.load(3)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4 * 15 * 36)
    assert all(code.startswith("ZZ") for code in
               Organisation.objects.values_list("ods_code", flat=True))  # fmt: skip
    assert Metric.objects.count() == 4
    assert set(Organisation.objects.values_list("size_band", flat=True)) == {
        "small",
        "medium",
        "large",
    }
    assert all(o.region_id for o in Organisation.objects.all())


def test_the_demo_improvers_show_a_sustained_shift():
    demo.load(1)
    for slug, ods, start, step in demo.IMPROVERS:
        series = [v for _p, v in organisation_series(Organisation.objects.get(ods_code=ods),
                                                     Metric.objects.get(slug=slug))]  # fmt: skip
        before = sum(series[:start]) / start
        after = sum(series[start:]) / (len(series) - start)
        assert (after - before) * step > 0, slug  # moved the way of the step
        # Sustained: every point after the change is beyond the mean before it.
        assert all((v - before) * step > 0 for v in series[start + 1 :]), slug


def test_the_demo_reuses_the_demo_contents_organisations_and_links_metrics(demo_content):
    stored = Organisation.objects.get(name="Northshire Hospitals NHS Foundation Trust")
    demo.load(1)
    stored.refresh_from_db()
    assert stored.ods_code == "ZZN01"
    metric = Metric.objects.get(slug="ed-four-hour")
    assert list(metric.pathways.values_list("slug", flat=True)) == ["urgent-and-emergency-care"]
    assert metric.standards.count() == 2 and metric.guides.count() == 2
    assert Metric.objects.get(slug="hip-fracture-surgery-36h").standards.get().slug == (
        "hip-fracture-surgery-within-36-hours"
    )
