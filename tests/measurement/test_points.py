"""A series' points: pasted text read with per-line errors, shown back losslessly, and the one
check of a whole series that the editor, the model and the import share."""

import math

import pytest
from django.core.exceptions import ValidationError

from kb.measurement.fields import SeriesPointsFormField
from kb.measurement.points import (
    SeriesDataError,
    change_indices,
    parse_points_text,
    points_text,
    validate_series,
)

POINTS = [["Jan 2024", 15.0], ["Feb 2024", 17.5], ["Mar 2024", 16.0]]


def test_pasted_spreadsheet_columns_are_read():
    text = "Month\tStreamed %\nJan 2024\t15\nFeb 2024\t17.5%\n\n"
    assert parse_points_text(text) == [["Jan 2024", 15.0], ["Feb 2024", 17.5]]
    assert parse_points_text('"Jan, 2024", "1,200"') == [["Jan, 2024", 1200.0]]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no data"),
        ("Jan 2024, 15\nFeb 2024", "line 2 should have a period and a value"),
        ("Jan 2024, 15\nFeb 2024, lots", "line 2: 'lots' is not a number"),
        ("Jan 2024, nan", "line 1: the value must be a finite number"),
        ("x" * 50 + ", 3", "line 1: the period is longer than 40"),
        ("\n".join(f"P{n}, {n}" for n in range(600)), "at most 500"),
    ],
)
def test_bad_text_gets_an_error_naming_the_line(text, message):
    with pytest.raises(SeriesDataError, match=message) as error:
        parse_points_text(text)
    assert error.value.field == "points"


@pytest.mark.parametrize(
    "points",
    [
        POINTS,
        [["Jan, 2024", 1200.0], ['Q1 "early"', 0.1], ["Feb", -3.0], ["Mar", 58.123456]],
        [["Big", 1e12], ["Small", 1.5e-7], ["Thousands", 1234567.0], ["Least", -1e12]],
        [["Fraction", 999999999999.5]],
    ],
)
def test_points_shown_as_text_read_back_the_same(points):
    assert parse_points_text(points_text(points)) == points


def test_points_text_writes_whole_numbers_plainly():
    assert points_text([["Jan", 58.0], ["Feb", 1200.0]]) == "Jan, 58\nFeb, 1200"


def test_a_valid_series_comes_back_cleaned():
    valid = validate_series(
        [("Jan", 1), [" Feb ", "2.5%"], ["Mar", "1,200"]], " Feb ", target=30, direction="down"
    )
    assert valid == {
        "points": [["Jan", 1.0], ["Feb", 2.5], ["Mar", 1200.0]],
        "change_at": "Feb",
        "target": 30.0,
        "direction": "down",
    }


@pytest.mark.parametrize(
    ("series", "field", "message"),
    [
        ({"points": "Jan, 1"}, "points", "a list of [period, value] pairs"),
        ({"points": []}, "points", "no data"),
        ({"points": [["Jan", 1], ["Feb"]]}, "points", "point 2 should be a [period, value]"),
        ({"points": [[2024, 1]]}, "points", "point 1: the period must be text"),
        ({"points": [["  ", 1]]}, "points", "point 1: the period is empty"),
        ({"points": [["Jan\t2024", 1]]}, "points", "point 1: the period holds a tab"),
        ({"points": [["x" * 41, 1]]}, "points", "point 1: the period is longer than 40"),
        ({"points": [["Jan", "lots"]]}, "points", "point 1: 'lots' is not a number"),
        ({"points": [["Jan", True]]}, "points", "point 1: 'True' is not a number"),
        ({"points": [["Jan", math.inf]]}, "points", "point 1: the value must be a finite"),
        ({"points": [[f"P{n}", n] for n in range(501)]}, "points", "at most 500"),
        ({"change_at": "Jan 2030"}, "change_at", "'Jan 2030' is not in the data"),
        ({"change_at": "Jan"}, "change_at", "'Jan' is the very first point"),
        ({"target": "30"}, "target", "the target must be a number"),
        ({"target": math.nan}, "target", "the target must be a finite number"),
        ({"direction": "sideways"}, "direction", "up, down or neither"),
    ],
)
def test_a_bad_series_names_the_field_and_the_problem(series, field, message):
    arguments = {"points": [["Jan", 1], ["Feb", 2]], **series}
    with pytest.raises(SeriesDataError, match=message.replace("[", r"\[")) as error:
        validate_series(**arguments)
    assert error.value.field == field


# --- several change periods ----------------------------------------------------------------

MONTHS = [[month, float(n)] for n, month in enumerate(["Jan", "Feb", "Mar", "Apr", "May"])]


@pytest.mark.parametrize(
    ("change_at", "stored"),
    [
        ("Feb; Apr", "Feb; Apr"),
        (" Feb ;Apr ; ", "Feb; Apr"),
        (["Feb", " Apr "], "Feb; Apr"),
        ("Mar", "Mar"),
        ("", ""),
        (None, ""),
        ([], ""),
    ],
)
def test_several_change_periods_are_read_and_stored_joined(change_at, stored):
    assert validate_series(MONTHS, change_at)["change_at"] == stored


@pytest.mark.parametrize(
    ("change_at", "message"),
    [
        ("Feb; Jun", "the change period 'Jun' is not in the data"),
        ("Feb; Jan", "the change period 'Jan' is the very first point"),
        ("Feb; Feb", "the change period 'Feb' is given twice"),
        ("Apr; Feb", "in time order: 'Feb' comes before 'Apr' in the data"),
        (["Mar", "Feb"], "in time order: 'Feb' comes before 'Mar' in the data"),
    ],
)
def test_bad_change_periods_name_the_one_at_fault(change_at, message):
    with pytest.raises(SeriesDataError, match=message) as error:
        validate_series(MONTHS, change_at)
    assert error.value.field == "change_at"


def test_change_periods_have_a_length_limit():
    points = [[f"Period number {n:03}", float(n)] for n in range(100)]
    periods = [label for label, _ in points[1:20]]
    with pytest.raises(SeriesDataError, match="at most 200 characters"):
        validate_series(points, "; ".join(periods))


def test_a_period_holding_a_semicolon_is_still_one_change():
    points = [["Q1; 2024", 1.0], ["Q2; 2024", 2.0], ["Q3; 2024", 3.0]]
    assert validate_series(points, "Q2; 2024")["change_at"] == "Q2; 2024"
    assert validate_series(points, ["Q2; 2024", "Q3; 2024"])["change_at"] == "Q2; 2024; Q3; 2024"
    assert change_indices([label for label, _ in points], "Q2; 2024") == [1]


def test_change_indices_read_stored_text_leniently():
    labels = [label for label, _ in MONTHS]
    assert change_indices(labels, "Feb; Apr") == [1, 3]
    assert change_indices(labels, "Jan; Jun; Mar") == [2]  # first and unknown passed over
    assert change_indices(labels, "") == []


# --- the range a value may have -----------------------------------------------------------

TOO_LARGE = "must be between -1,000,000,000,000 and 1,000,000,000,000"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("Jan, 1\nFeb, 1e308", "line 2 (Feb)"),
        ("Jan, -1.7e308", "line 1 (Jan)"),
        ("Jan, 1000000000001", "line 1 (Jan)"),
        ("Jan, 1e400", "line 1 (Jan)"),
        ("Jan, 1" + "0" * 400, "line 1 (Jan)"),
    ],
)
def test_pasted_values_beyond_the_bound_are_refused_naming_the_line(text, where):
    with pytest.raises(SeriesDataError) as error:
        parse_points_text(text)
    assert error.value.field == "points"
    assert error.value.message.startswith(f"{where}: the value {TOO_LARGE}")


def test_values_at_the_bound_are_accepted():
    assert parse_points_text("Jan, 1000000000000\nFeb, -1e12") == [["Jan", 1e12], ["Feb", -1e12]]


@pytest.mark.parametrize("value", [1e308, -1.7e308, 1e12 + 1, 10**400, "1e400", "2e12"])
def test_series_values_beyond_the_bound_are_refused(value):
    with pytest.raises(SeriesDataError, match=r"point 2 \(Feb\): the value must be between"):
        validate_series([["Jan", 1], ["Feb", value]])


@pytest.mark.parametrize("target", [1e308, -1e13, 10**400])
def test_a_target_beyond_the_bound_is_refused(target):
    with pytest.raises(SeriesDataError, match=f"the target {TOO_LARGE}") as error:
        validate_series([["Jan", 1]], target=target)
    assert error.value.field == "target"


def test_alternating_huge_values_never_overflow():
    points = [[f"P{n}", 1.7e308 if n % 2 else -1.7e308] for n in range(20)]
    with pytest.raises(SeriesDataError, match="point 1 \\(P0\\): the value must be between"):
        validate_series(points)


@pytest.mark.parametrize("text", ["Jan, 1e308", "Jan, 5\nFeb, 1e400", "Jan, -2e12"])
def test_the_editor_field_gives_a_validation_error_not_a_crash(text):
    with pytest.raises(ValidationError) as error:
        SeriesPointsFormField().clean(text)
    assert TOO_LARGE in error.value.messages[0]
