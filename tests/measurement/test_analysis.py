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
