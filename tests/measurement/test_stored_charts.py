"""A series' chart is drawn when the series is saved; serving its page draws nothing.

`stored_chart` holds the SVG and the words and table shown with it, keyed to what it was drawn
from. A page shows the stored copy when the key matches the series in hand, and draws the chart
otherwise (a preview of unsaved edits, or charts stored by other drawing code).
"""

import importlib
from unittest import mock

import pytest
from django.apps import apps

from kb.cases.models import CaseStudyPage, CaseStudySeries
from kb.measurement import charts
from kb.measurement.series import chart_key

MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
MONTHS = [f"{month} {year}" for year in (2024, 2025) for month in MONTH_NAMES]
BEFORE = [15, 17, 17, 18, 24, 18, 17, 18, 17, 18, 19, 12]
AFTER = [32, 31, 34, 31, 31, 30, 32, 34, 36, 30, 28, 27]
POINTS = [[label, float(value)] for label, value in zip(MONTHS, BEFORE + AFTER, strict=True)]


@pytest.fixture
def uncached(settings):
    settings.KB_PAGE_CACHE_SECONDS = 0


@pytest.fixture
def charted_case_study(make_case_study):
    page = make_case_study("Streaming to SDEC")
    page.series = [
        CaseStudySeries(name="Streamed to SDEC", unit="%", direction="up", change_at="Jan 2025",
                        points=POINTS)
    ]  # fmt: skip
    page.save_revision().publish()
    return CaseStudyPage.objects.get(pk=page.pk)  # the published page, not the one in hand


def drawing():
    """Patches for everything that analyses or draws a chart."""
    return (
        mock.patch("kb.measurement.spc.analyse_series", side_effect=AssertionError("analysed")),
        mock.patch("kb.measurement.charts.render_chart_svg", side_effect=AssertionError("drew")),
    )


@pytest.mark.django_db
def test_publishing_stores_the_chart_with_its_words_and_table(charted_case_study):
    series = CaseStudySeries.objects.get()
    stored = series.stored_chart
    assert stored["key"] == chart_key(series)
    assert stored["svg"].startswith("<svg") and f'id="series-{series.pk}-title"' in stored["svg"]
    assert stored["change"] == "improvement"
    assert stored["rule_set"].startswith("NHS Making Data Count XmR rules")
    assert [row[:2] for row in stored["rows"]] == [[label, f"{v:g}"] for label, v in POINTS]


@pytest.mark.django_db
def test_serving_the_page_draws_no_chart_and_serves_the_stored_one(
    client, charted_case_study, uncached
):
    stored_svg = CaseStudySeries.objects.get().stored_chart["svg"]
    analysed, drew = drawing()
    with analysed as analyse, drew as render:
        response = client.get(charted_case_study.url)
    assert response.status_code == 200
    analyse.assert_not_called()
    render.assert_not_called()
    html = response.content.decode()
    assert stored_svg in html
    assert "Improvement after the change." in html
    assert "Show the data for Streamed to SDEC as a table" in html


@pytest.mark.django_db
def test_the_stored_chart_shows_exactly_what_drawing_it_would(client, charted_case_study, uncached):
    stored = client.get(charted_case_study.url).content.decode()
    CaseStudySeries.objects.update(stored_chart={})  # a series saved before charts were stored
    with mock.patch("kb.measurement.charts.render_chart_svg", wraps=charts.render_chart_svg) as r:
        drawn = client.get(charted_case_study.url).content.decode()
    assert r.call_count == 1
    assert drawn == stored


@pytest.mark.django_db
def test_editing_and_publishing_draws_the_chart_again(client, charted_case_study, uncached):
    before = CaseStudySeries.objects.get().stored_chart
    draft = charted_case_study.get_latest_revision_as_object()
    edited = draft.series.all()[0]
    edited.name, edited.direction = "Streamed straight to SDEC", "down"
    edited.points = [*POINTS[:-1], ["Dec 2025", 99.0]]
    draft.series = [edited]
    draft.save_revision().publish()
    after = CaseStudySeries.objects.get()
    assert after.stored_chart["key"] == chart_key(after) != before["key"]
    assert "Streamed straight to SDEC (%)" in after.stored_chart["svg"]
    assert after.stored_chart["rows"][-1][:2] == ["Dec 2025", "99"]
    analysed, drew = drawing()
    with analysed, drew:
        html = client.get(charted_case_study.url).content.decode()
    assert after.stored_chart["svg"] in html and before["svg"] not in html


@pytest.mark.django_db
def test_saving_some_fields_redraws_only_when_the_chart_depends_on_them(charted_case_study):
    series = CaseStudySeries.objects.get()
    series.name = "Renamed"
    series.save(update_fields=["name"])
    assert "Renamed (%)" in CaseStudySeries.objects.get(pk=series.pk).stored_chart["svg"]
    with mock.patch("kb.measurement.charts.render_chart_svg") as render:
        series.save(update_fields=["sort_order"])
    render.assert_not_called()


@pytest.mark.django_db
def test_a_new_series_chart_names_its_own_id(charted_case_study):
    series = CaseStudySeries.objects.create(page=charted_case_study, name="More", points=POINTS)
    stored = CaseStudySeries.objects.get(pk=series.pk).stored_chart
    assert stored["key"] == chart_key(series)
    assert f'id="series-{series.pk}-title"' in stored["svg"]


def test_unsaved_edits_are_drawn_rather_than_read_from_the_stored_copy():
    fields = {"pk": 7, "name": "Streamed", "unit": "%", "direction": "up", "points": POINTS}
    stored = CaseStudySeries(**fields).drawn_chart
    saved = CaseStudySeries(**fields, stored_chart=stored)
    with mock.patch("kb.measurement.charts.render_chart_svg") as render:
        assert saved.chart["svg"] == stored["svg"]
    render.assert_not_called()
    # A preview of an edit: the series in hand no longer matches its stored copy.
    edited = CaseStudySeries(**(fields | {"points": POINTS[:10]}), stored_chart=stored)
    assert edited.chart["svg"] != stored["svg"]
    assert len(edited.chart["rows"]) == 10
    assert edited.chart["rows"][0][:2] == ("Jan 2024", "15")


def test_charts_stored_by_other_drawing_code_are_drawn_again():
    series = CaseStudySeries(pk=7, name="Streamed", direction="up", points=POINTS)
    series.stored_chart = series.drawn_chart | {"svg": "<svg>old drawing</svg>"}
    assert series.chart["svg"] == "<svg>old drawing</svg>"
    with mock.patch.object(charts, "CHART_VERSION", charts.CHART_VERSION + 1):
        assert series.chart["svg"] != "<svg>old drawing</svg>"


def test_points_that_cannot_be_read_store_no_chart():
    series = CaseStudySeries(pk=7, name="Broken", points=[])
    assert series.drawn_chart == {"key": chart_key(series)}
    assert series.chart is None
    assert series.chart_svg == ""


@pytest.fixture
def charted_idea(site_tree):
    from kb.ideas.models import IdeaPage, IdeaSeries
    from kb.taxonomy.models import WasteType

    idea = IdeaPage(
        title="Reuse theatre trays", summary="Smaller trays.", stage="tested",
        waste_type=WasteType.objects.get(slug="inventory"),
    )  # fmt: skip
    site_tree[3].add_child(instance=idea)
    idea.series = [IdeaSeries(name="Instruments unused", direction="down", points=POINTS)]
    idea.save_revision().publish()
    return idea


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("migration", "series"),
    [
        ("kb.cases.migrations.0007_series_stored_chart", "charted_case_study"),
        ("kb.ideas.migrations.0008_series_stored_chart", "charted_idea"),
    ],
)
def test_the_migration_draws_charts_for_existing_series(request, migration, series):
    page = request.getfixturevalue(series)
    model = type(page).series.rel.related_model
    assert model.objects.get().stored_chart  # drawn on publish
    model.objects.update(stored_chart={})  # as the rows were before the migration
    importlib.import_module(migration).draw_stored_charts(apps, None)
    saved = model.objects.get()
    assert saved.stored_chart == saved.drawn_chart and "svg" in saved.stored_chart
