"""A series' own options: moving-range screening and several change periods, from the editor to
the stored chart; and no value, however large, gets past the editor or the model to the maths."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from kb.cases.models import CaseStudyPage, CaseStudySeries
from kb.measurement import charts
from kb.measurement.series import CHART_FIELDS, SERIES_FIELDS, chart_key

MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
YEARS = [f"{month} {year}" for year in (2023, 2024, 2025) for month in MONTH_NAMES]
# Three years, each a step up from the last; the last year has one big jump (Jun 2025).
FIRST = [15, 17, 17, 18, 24, 18, 17, 18, 17, 18, 19, 12]
SECOND = [32, 31, 34, 31, 31, 30, 32, 34, 36, 30, 28, 27]
THIRD = [44, 46, 45, 47, 44, 90, 45, 44, 46, 47, 45, 46]
POINTS = [[label, float(v)] for label, v in zip(YEARS, FIRST + SECOND + THIRD, strict=True)]


def clean(series):
    series.full_clean(exclude=["page"])


def test_screening_and_several_changes_are_part_of_what_a_chart_is_drawn_from():
    assert "screen_moving_ranges" in SERIES_FIELDS and "screen_moving_ranges" in CHART_FIELDS
    series = CaseStudySeries(pk=7, name="Streamed", points=POINTS, change_at="Jan 2024")
    key = chart_key(series)
    series.screen_moving_ranges = True
    assert chart_key(series) != key
    series.screen_moving_ranges, series.change_at = False, "Jan 2024; Jan 2025"
    assert chart_key(series) != key


def test_the_series_analysis_uses_its_options():
    series = CaseStudySeries(
        name="Streamed", unit="%", points=POINTS, change_at="Jan 2024; Jan 2025",
        screen_moving_ranges=True,
    )  # fmt: skip
    result = series.spc_result
    assert [result.points[c].label for c in result.change_points] == ["Jan 2024", "Jan 2025"]
    assert result.screen_moving_ranges
    assert result.segments[-1].screened_out == (29, 30)  # the jump into and out of Jun 2025
    chart = series.chart
    assert "moving ranges screened" in chart["rule_set"]
    assert any(note.startswith("Screening left out 2 moving ranges") for note in chart["notes"])
    assert chart["change_text"].startswith("The latest change at Jan 2025 moved the process")
    assert chart["svg"].count('class="spc-change"') == 2
    unscreened = CaseStudySeries(name="Streamed", points=POINTS, change_at="Jan 2024; Jan 2025")
    assert unscreened.spc_result.segments[-1].mr_bar > result.segments[-1].mr_bar
    assert "moving ranges not screened" in unscreened.chart["rule_set"]


def test_the_model_checks_and_tidies_several_change_periods():
    series = CaseStudySeries(name="x", points=POINTS, change_at=" Jan 2024 ;Jan 2025 ")
    clean(series)
    assert series.change_at == "Jan 2024; Jan 2025"
    for bad, message in [
        ("Jan 2025; Jan 2024", "must be in time order: 'Jan 2024' comes before 'Jan 2025'"),
        ("Jan 2024; Jan 2030", "the change period 'Jan 2030' is not in the data"),
    ]:
        with pytest.raises(ValidationError) as error:
            clean(CaseStudySeries(name="x", points=POINTS, change_at=bad))
        assert list(error.value.message_dict) == ["change_at"]
        assert message in error.value.message_dict["change_at"][0]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"points": [["Jan", 1.0], ["Feb", 1e308]]}, "points"),
        ({"points": [["Jan", 1.7e308], ["Feb", -1.7e308]] * 8}, "points"),
        ({"points": [["Jan", 1.0]], "target": 1e308}, "target"),
    ],
)
def test_the_model_refuses_values_too_large_to_analyse(fields, field):
    with pytest.raises(ValidationError) as error:
        clean(CaseStudySeries(name="x", **fields))
    assert list(error.value.message_dict) == [field]
    assert "must be between -1,000,000,000,000 and 1,000,000,000,000" in str(error.value)


def test_a_stored_series_with_values_too_large_shows_no_chart_rather_than_failing():
    # Saved before the bound existed: the page shows no chart, it does not break.
    series = CaseStudySeries(pk=7, name="Old", points=[["Jan", 1e308], ["Feb", -1e308]] * 8)
    assert series.spc_result is None
    assert series.chart is None and series.chart_svg == "" and series.table_rows == []


# --- the editor --------------------------------------------------------------------------


@pytest.fixture
def editor(client, django_user_model):
    client.force_login(
        django_user_model.objects.create_superuser("admin", "admin@example.nhs.uk", "pw-12345678")
    )
    return client


def edit_with_series(client, page, page_edit_data, text, **fields):
    data = page_edit_data(client, page)
    row = {"name": "Streamed", "unit": "%", "direction": "up", "target": "", "change_at": "",
           "points": text, "id": "", "ORDER": "1", "DELETE": "", **fields}  # fmt: skip
    data["series-TOTAL_FORMS"] = "1"
    data["series-INITIAL_FORMS"] = "0"
    for key, value in row.items():
        data[f"series-0-{key}"] = value
    data["action-publish"] = "action-publish"
    return client.post(f"/admin/pages/{page.id}/edit/", data)


def pasted(points):
    return "\n".join(f"{label}, {value:g}" for label, value in points)


@pytest.mark.django_db
def test_the_editor_saves_screening_and_several_change_periods(
    editor, make_case_study, page_edit_data
):
    page = make_case_study("Streaming to SDEC")
    response = edit_with_series(
        editor, page, page_edit_data, pasted(POINTS), change_at="Jan 2024; Jan 2025",
        screen_moving_ranges="on",
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    series = CaseStudyPage.objects.get(pk=page.pk).series.get()
    assert series.screen_moving_ranges is True
    assert series.change_at == "Jan 2024; Jan 2025"
    assert series.stored_chart["key"] == chart_key(series)
    assert "moving ranges screened" in series.stored_chart["rule_set"]
    form = page_edit_data(editor, page)
    assert "series-0-screen_moving_ranges" in form  # the box is ticked
    assert form["series-0-change_at"] == "Jan 2024; Jan 2025"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "fields", "message"),
    [
        ("Jan 2024, 15\nFeb 2024, 1e308", {}, "line 2 (Feb 2024): the value must be between"),
        ("\n".join(f"P{n}, {'-' if n % 2 else ''}1.7e308" for n in range(20)), {},
         "line 1 (P0): the value must be between"),
        ("Jan 2024, 15\nFeb 2024, 1" + "0" * 400, {}, "line 2 (Feb 2024): the value must be"),
        ("Jan 2024, 15\nFeb 2024, 16", {"target": "1e308"}, "the target must be between"),
        ("Jan 2024, 15\nFeb 2024, 16\nMar 2024, 17", {"change_at": "Mar 2024; Feb 2024"},
         "the change periods must be in time order"),
    ],
)  # fmt: skip
def test_the_editor_refuses_bad_input_with_a_message_not_an_error_page(
    editor, make_case_study, page_edit_data, text, fields, message
):
    page = make_case_study("Streaming to SDEC")
    response = edit_with_series(editor, page, page_edit_data, text, **fields)
    assert response.status_code == 200
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert not CaseStudySeries.objects.filter(page=page).exists()


# --- the migration that stores each analysis again ---------------------------------------


@pytest.fixture
def saved_series(make_case_study):
    page = make_case_study("Streaming to SDEC")
    page.series = [
        CaseStudySeries(name="Streamed", unit="%", change_at="Jan 2024; Jan 2025",
                        screen_moving_ranges=True, points=POINTS)
    ]  # fmt: skip
    page.save_revision().publish()
    return CaseStudySeries.objects.get()


@pytest.mark.django_db
def test_the_migration_stores_each_analysis_and_chart_again(saved_series):
    stored_analysis, stored_chart = saved_series.analysis, saved_series.stored_chart
    CaseStudySeries.objects.update(analysis={"signal": "stale"}, stored_chart={})
    migration = importlib.import_module(
        "kb.cases.migrations.0008_series_screening_and_change_points"
    )
    migration.store_analyses_again(apps, None)
    saved = CaseStudySeries.objects.get()
    assert saved.analysis == stored_analysis
    assert saved.stored_chart == stored_chart == saved.drawn_chart
    assert saved.stored_chart["key"] == chart_key(saved)


def test_the_chart_version_changed_so_stored_charts_are_drawn_again():
    assert charts.CHART_VERSION >= 2
