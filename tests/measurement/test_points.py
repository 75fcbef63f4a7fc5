"""A series' points: pasted text read with per-line errors, shown back losslessly, and the one
check of a whole series that the editor, the model and the import share."""

import math

import pytest

from kb.measurement.points import (
    SeriesDataError,
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
        [["Big", 1e16], ["Small", 1.5e-7], ["Thousands", 1234567.0]],
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
