"""What a chart says, judged once: the stored summary, the change in words, a page's signal."""

from kb.measurement.analysis import analyse, change_summary, page_signal, summarise

MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
MONTHS = [f"{month} {year}" for year in (2024, 2025) for month in MONTH_NAMES]
BEFORE = [15, 17, 17, 18, 24, 18, 17, 18, 17, 18, 19, 12]
AFTER = [32, 31, 34, 31, 31, 30, 32, 34, 36, 30, 28, 27]
STEADY = [20, 22, 19, 21, 20, 22, 21, 19, 20, 21, 22, 20]


def points(values):
    return [[label, float(value)] for label, value in zip(MONTHS, values, strict=False)]


def test_a_sustained_shift_after_the_change_is_an_improvement_when_higher_is_better():
    result = analyse(points(BEFORE + AFTER), "up", change_at="Jan 2025")
    assert result.chart_type == "xmr" and result.limits_recalculated
    code, words = change_summary(result, unit="%", change_at="Jan 2025")
    assert code == "improvement"
    assert words.startswith("The change at Jan 2025 moved the process: the new mean (31.33%)")
    assert "above the previous upper limit" in words


def test_the_same_shift_is_a_concern_when_lower_is_better():
    result = analyse(points(BEFORE + AFTER), "down", change_at="Jan 2025")
    assert change_summary(result, change_at="Jan 2025")[0] == "concern"
    assert summarise(result, change_at="Jan 2025")["signal"] == "concern"


def test_a_change_within_the_old_limits_is_no_clear_change():
    result = analyse(points(STEADY + STEADY), "up", change_at="Jan 2025")
    code, words = change_summary(result, unit="minutes", change_at="Jan 2025")
    assert code == "none"
    assert "the mean (20.58 minutes) is within the previous process limits" in words


def test_no_change_judgement_without_recalculated_limits():
    assert change_summary(analyse(points(BEFORE), "up")) is None
    assert change_summary(None) is None


def test_the_stored_summary_says_what_listings_and_search_need():
    result = analyse(points(BEFORE + AFTER), "up", change_at="Jan 2025")
    summary = summarise(result, unit="%", change_at="Jan 2025")
    assert summary == {
        "chart_type": "xmr",
        "signal": "improvement",
        "variation": result.variation,
        "change": "improvement",
        "change_text": change_summary(result, "%", "Jan 2025")[1],
        "summary": change_summary(result, "%", "Jan 2025")[1],
    }


def test_without_a_change_the_summary_is_the_variation():
    result = analyse(points(BEFORE[:8]), "up")
    summary = summarise(result)
    assert summary["chart_type"] == "run"
    assert summary["change"] == "" and summary["signal"] == "none"
    assert summary["summary"] == result.variation_text


def test_points_that_cannot_be_analysed_give_no_result_and_an_empty_summary():
    assert analyse([], "up") is None
    assert analyse([["Jan", "lots"]], "up") is None
    assert summarise(None) == {}


def test_a_page_signal_is_improvement_if_any_series_shows_it():
    assert page_signal([]) == ""
    assert page_signal([{"signal": "none"}, {}]) == "none"
    assert page_signal([{"signal": "concern"}, {"signal": "improvement"}]) == "improvement"
    assert page_signal([{"signal": "concern"}]) == "none"


# --- several changes, screening, the icon rule ---------------------------------------------

YEARS = [f"{month} {year}" for year in (2023, 2024, 2025) for month in MONTH_NAMES]
THIRD = [44, 46, 45, 47, 44, 46, 45, 44, 46, 47, 45, 46]


def three_years(values):
    return [[label, float(value)] for label, value in zip(YEARS, values, strict=True)]


def test_several_change_periods_recalculate_the_limits_at_each():
    result = analyse(three_years(BEFORE + AFTER + THIRD), "up", change_at="Jan 2024; Jan 2025")
    assert [point.label for point in (result.points[c] for c in result.change_points)] == [
        "Jan 2024",
        "Jan 2025",
    ]
    assert len(result.segments) == 3
    # The latest change is judged: the third year against the second's limits.
    code, words = change_summary(result, unit="%", change_at="Jan 2024; Jan 2025")
    assert code == "improvement"
    assert words.startswith("The latest change at Jan 2025 moved the process: the new mean")
    as_list = analyse(three_years(BEFORE + AFTER + THIRD), "up", change_at=["Jan 2024", "Jan 2025"])
    assert as_list.change_points == result.change_points


def test_a_change_period_too_close_to_the_last_is_skipped_and_the_change_judged_is_the_last_used():
    result = analyse(three_years(BEFORE + AFTER + THIRD), "up", change_at="Jan 2024; Jul 2024")
    assert [result.points[c].label for c in result.skipped_change_points] == ["Jul 2024"]
    code, words = change_summary(result)
    assert words.startswith("The change at Jan 2024 moved the process")
    assert any("not recalculated at the change at Jul 2024" in note for note in result.notes)


def test_screening_is_passed_through():
    values = STEADY + STEADY[:11] + [80]
    off = analyse(points(values), "up")
    on = analyse(points(values), "up", screen_moving_ranges=True)
    assert off.segments[0].mr_bar > on.segments[0].mr_bar
    assert on.screen_moving_ranges and "moving ranges screened" in on.rule_set


def test_the_summary_follows_the_latest_point_but_a_change_that_moved_the_process_still_counts():
    # BEFORE then AFTER: the latest point (27) is within the new limits. The stored signal
    # comes from the change, not from a signal earlier in the latest segment.
    result = analyse(points(BEFORE + AFTER), "up", change_at="Jan 2025")
    assert result.points[-1].is_special_cause is False
    assert result.variation == "common_cause"
    assert summarise(result)["signal"] == "improvement"


def test_an_earlier_signal_alone_no_longer_makes_a_series_improve():
    # A 7-point rise that is over by the last two points: the icon shows common cause.
    rising = [12, 8, 12, 8, 12, 8, 7, 8, 9, 10, 11, 12, 13, 8, 12]
    result = analyse(points(rising), "up")
    summary = summarise(result)
    assert summary["variation"] == "common_cause" and summary["signal"] == "none"
    assert "most recent signal, at Jan 2025, was special cause improvement" in result.notes[-1]


def test_unreadable_input_gives_no_result_rather_than_an_error():
    assert analyse([["Jan", 1e308]], "up") is None
    assert analyse([["Jan", 10**400]], "up") is None
    assert analyse([["Jan"]], "up") is None
    assert analyse(points(STEADY), "sideways") is None
    assert analyse(points(STEADY), "up", target=1e308) is None
