"""The data migrations that turned a series' pasted text into points: their frozen conversion."""

import importlib

import pytest

from kb.measurement.analysis import analyse, summarise
from kb.measurement.points import parse_points_text

MIGRATIONS = [
    importlib.import_module("kb.cases.migrations.0005_series_points_from_text"),
    importlib.import_module("kb.ideas.migrations.0006_series_points_from_text"),
]
MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
MONTHS = [f"{month} {year}" for year in (2024, 2025) for month in MONTH_NAMES]
BEFORE = [15, 17, 17, 18, 24, 18, 17, 18, 17, 18, 19, 12]
AFTER = [32, 31, 34, 31, 31, 30, 32, 34, 36, 30, 28, 27]


@pytest.fixture(params=MIGRATIONS, ids=["cases", "ideas"])
def migration(request):
    return request.param


def test_pasted_text_becomes_points(migration):
    text = 'Month\tStreamed %\nJan 2024\t15\nFeb 2024\t17.5%\n\n"Mar, 2024", "1,200"\n'
    assert migration.text_to_points(text) == [
        ["Jan 2024", 15.0],
        ["Feb 2024", 17.5],
        ["Mar, 2024", 1200.0],
    ]


def test_values_the_old_import_wrote_with_thousands_separators_are_repaired(migration):
    text = "Week 1, 1,200\nWeek 2, 1,100.5\nWeek 3, 900"
    assert migration.text_to_points(text) == [
        ["Week 1", 1200.0],
        ["Week 2", 1100.5],
        ["Week 3", 900.0],
    ]


def test_unreadable_lines_are_left_out_rather_than_losing_the_series(migration):
    assert migration.text_to_points("Jan, 1\nnonsense\nFeb, lots\nMar, 3") == [
        ["Jan", 1.0],
        ["Mar", 3.0],
    ]
    assert migration.text_to_points("") == []


def test_unapplying_writes_text_that_reads_back_the_same(migration):
    points = [["Jan, 2024", 1200.0], ['Q1 "early"', 0.1], ["Feb", 58.123456]]
    text = migration.points_to_text(points)
    assert migration.text_to_points(text) == points
    assert parse_points_text(text) == points


@pytest.mark.parametrize(
    ("values", "direction", "change_at", "unit"),
    [
        (BEFORE + AFTER, "up", "Jan 2025", "%"),
        (BEFORE + AFTER, "down", "Jan 2025", "minutes"),
        (BEFORE + AFTER, "neither", "Jan 2025", ""),
        (BEFORE + BEFORE, "up", "Jan 2025", ""),
        (BEFORE[:8], "up", "", ""),
    ],
)
def test_the_stored_analysis_is_what_saving_the_series_stores(
    migration, values, direction, change_at, unit
):
    points = [[label, float(value)] for label, value in zip(MONTHS, values, strict=False)]
    live = summarise(analyse(points, direction, change_at, 30), unit, change_at)
    assert migration.summarise(points, direction, change_at, 30, unit) == live
