"""SPC rules on hand-worked data: limits, each special-cause rule, colouring, summaries."""

import math

import pytest

from kb.measurement.spc import (
    CONCERN,
    CONSISTENTLY_MEETS,
    CONSISTENTLY_MISSES,
    DEFAULT_PRECEDENCE,
    HIT_AND_MISS,
    IMPROVEMENT,
    LEVEL_FIRST,
    MAX_ABS_VALUE,
    NEUTRAL,
    OUTSIDE_LIMITS,
    PLOT_THE_DOTS,
    RUN_CHART_NOTE,
    RUN_CHART_RULE_SET,
    SHIFT,
    TREND,
    TWO_OF_THREE,
    XMR_RULE_SET,
    XMR_SCREENED_RULE_SET,
    analyse_series,
    describe_signals,
    format_number,
)


def analyse(values, direction="up", **options):
    return analyse_series([(f"P{i}", v) for i, v in enumerate(values)], direction, **options)


def flagged(result, rule=None):
    """Indices of the points flagged (by one rule, or by any)."""
    return [p.index for p in result.points if (rule in p.flags if rule else p.is_special_cause)]


# 16 points, 9 and 11 in turn: mean 10; every moving range is 2, so mR-bar 2.
# Limits 10 ± 2.66 × 2 = 4.68 to 15.32; near-limit zone beyond 10 ± 1.77 × 2 = 6.46 / 13.54.
STEADY = [9, 11] * 8

# 9/11 in turn with a high spike (30, index 7) and a low one (-10, index 15).
# Sum 69 + 30 + 71 - 10 = 160, so mean 10.
# Moving ranges: six 2s (12), |30 - 9| = 21, |11 - 30| = 19, six 2s (12), |-10 - 11| = 21
# = 85 over 15, so mR-bar 17/3 = 5.667; limits 10 ± 2.66 × 5.667 = -5.073 to 25.073.
SPIKES = [9, 11, 9, 11, 9, 11, 9, 30, 11, 9, 11, 9, 11, 9, 11, -10]


# --- limits ------------------------------------------------------------------------------


def test_xmr_limits_are_mean_plus_or_minus_2_66_average_moving_ranges():
    result = analyse(STEADY)
    assert result.chart_type == "xmr"
    assert result.rule_set == XMR_RULE_SET
    (segment,) = result.segments
    assert (segment.start, segment.end, segment.centre_kind) == (0, 16, "mean")
    assert segment.centre == pytest.approx(10)
    assert segment.mr_bar == pytest.approx(2)
    assert segment.upper_limit == pytest.approx(15.32)
    assert segment.lower_limit == pytest.approx(4.68)
    assert segment.near_upper == pytest.approx(13.54)
    assert segment.near_lower == pytest.approx(6.46)
    assert result.points[0].moving_range is None
    assert [p.moving_range for p in result.points[1:]] == [2] * 15
    assert flagged(result) == []
    assert result.variation == "common_cause"
    assert result.variation_label == "common cause variation"


def test_rule_set_labels():
    assert (
        analyse(STEADY).rule_set
        == XMR_RULE_SET
        == (
            "NHS Making Data Count XmR rules (2.66 and 1.77 × average moving range; "
            "moving ranges not screened)"
        )
    )
    assert (
        analyse(STEADY, screen_moving_ranges=True).rule_set
        == XMR_SCREENED_RULE_SET
        == (
            "NHS Making Data Count XmR rules (2.66 and 1.77 × average moving range; "
            "moving ranges screened: those of 3.267 × the average or more left out)"
        )
    )
    assert analyse(STEADY[:14]).rule_set == RUN_CHART_RULE_SET == "Run chart (median)"
    assert analyse(STEADY[:14], screen_moving_ranges=True).rule_set == RUN_CHART_RULE_SET


# --- rule 1: outside the limits ----------------------------------------------------------


def test_points_outside_the_limits_high_and_low():
    result = analyse(SPIKES)
    (segment,) = result.segments
    assert segment.centre == pytest.approx(10)
    assert segment.mr_bar == pytest.approx(85 / 15)
    assert segment.upper_limit == pytest.approx(25.0733, abs=1e-4)
    assert segment.lower_limit == pytest.approx(-5.0733, abs=1e-4)
    # 30 > 25.07 and -10 < -5.07; nothing else is flagged by any rule.
    assert flagged(result) == [7, 15]
    assert result.points[7].flags == {OUTSIDE_LIMITS}
    assert result.points[15].flags == {OUTSIDE_LIMITS}
    assert result.points[7].side == "high"
    assert result.points[15].side == "low"


# --- colouring by improvement direction --------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "high_kind", "low_kind"),
    [("up", IMPROVEMENT, CONCERN), ("down", CONCERN, IMPROVEMENT), ("neither", NEUTRAL, NEUTRAL)],
)
def test_signal_kind_follows_the_improvement_direction(direction, high_kind, low_kind):
    result = analyse(SPIKES, direction)
    assert result.points[7].kind == high_kind
    assert result.points[15].kind == low_kind
    assert result.points[0].kind is None  # common cause has no kind


def test_variation_summary_wording_for_each_kind():
    # The latest point (-10) is outside the lower limit, so it sets the summary.
    up, down, neither = (analyse(SPIKES, d) for d in ("up", "down", "neither"))
    assert (up.variation, up.variation_label) == (
        "special_cause_concern",
        "special cause concern",
    )
    assert (down.variation, down.variation_label) == (
        "special_cause_improvement",
        "special cause improvement",
    )
    assert (neither.variation, neither.variation_label) == (
        "special_cause_neither",
        "special cause variation (neither direction)",
    )
    assert up.variation_text.startswith("Special cause concern: the latest point (P15)")
    assert "below the lower process limit" in up.variation_text


# --- rule 2: shift -----------------------------------------------------------------------


def test_a_shift_of_exactly_seven_points_is_flagged():
    # 12, 8 four times then seven 11s: mean 157 / 15 = 10.467, so every 11 is above it and
    # the 8 before them below. mR: seven 4s, |11 - 8| = 3, six 0s = 31 / 14 = 2.214;
    # limits 4.58 to 16.36 and near zone above 14.39: only the shift rule fires.
    result = analyse([12, 8, 12, 8, 12, 8, 12, 8] + [11] * 7)
    assert result.segments[0].centre == pytest.approx(157 / 15)
    assert result.segments[0].mr_bar == pytest.approx(31 / 14)
    assert flagged(result) == flagged(result, SHIFT) == list(range(8, 15))
    assert {result.points[i].kind for i in range(8, 15)} == {IMPROVEMENT}


def test_a_shift_of_six_points_is_not_flagged():
    # Same but six 11s and a closing 8: mean 154 / 15 = 10.267; the run above is only 6.
    result = analyse([12, 8, 12, 8, 12, 8, 12, 8] + [11] * 6 + [8])
    assert result.segments[0].centre == pytest.approx(154 / 15)
    assert flagged(result) == []


def test_a_point_exactly_on_the_mean_breaks_a_shift():
    # 11, 11, 11, 10, 11, 11, 11, 11 then 6, 12, 6, 12, 6, 12, 9: sum 87 + 63 = 150, mean
    # exactly 10. The 10 sits on the mean, so the seven 11s are runs of 3 and 4, not 7.
    # mR: 0, 0, 1, 1, 0, 0, 0, 5, 6, 6, 6, 6, 6, 3 = 40 / 14 = 2.857; near zone beyond
    # 10 ± 5.06, which no point reaches.
    result = analyse([11, 11, 11, 10, 11, 11, 11, 11, 6, 12, 6, 12, 6, 12, 9])
    assert result.segments[0].centre == 10
    assert result.segments[0].mr_bar == pytest.approx(40 / 14)
    assert flagged(result) == []


def test_a_shift_below_the_mean_is_concern_when_up_is_better():
    # The mirror image of the 7-point shift (20 - x): seven 9s below a mean of 9.533.
    result = analyse([8, 12, 8, 12, 8, 12, 8, 12] + [9] * 7)
    assert flagged(result, SHIFT) == list(range(8, 15))
    assert {result.points[i].kind for i in range(8, 15)} == {CONCERN}


# --- rule 3: trend -----------------------------------------------------------------------

# 12, 8 three times, then 7 to 13 rising, then 8, 12: sum 60 + 70 + 20 = 150, mean 10.
# mR: five 4s, seven 1s, 5, 4 = 36 / 14 = 2.571; limits 3.16 to 16.84; near zone beyond
# 10 ± 4.55 (5.45 / 14.55): no point there. Above the mean only 11, 12, 13 in a row.
RISING_SEVEN = [12, 8, 12, 8, 12, 8, 7, 8, 9, 10, 11, 12, 13, 8, 12]


def test_seven_rising_points_are_a_trend():
    result = analyse(RISING_SEVEN)
    assert result.segments[0].centre == 10
    assert result.segments[0].mr_bar == pytest.approx(36 / 14)
    assert flagged(result) == flagged(result, TREND) == list(range(6, 13))
    # Rising is the high side: improvement when up is better, even for 7, 8, 9 below the mean.
    assert {result.points[i].kind for i in range(6, 13)} == {IMPROVEMENT}


def test_seven_falling_points_are_a_trend():
    # The mirror image (20 - x): 13 down to 7, same mean 10 and mR-bar.
    result = analyse([20 - v for v in RISING_SEVEN])
    assert flagged(result) == flagged(result, TREND) == list(range(6, 13))
    assert {result.points[i].kind for i in range(6, 13)} == {CONCERN}
    assert {p.kind for p in analyse([20 - v for v in RISING_SEVEN], "down").points} == {
        None,
        IMPROVEMENT,
    }


def test_six_rising_points_are_not_a_trend():
    # 12, 8 four times (80), then 9 to 13 (55) make 8 to 13 rising: 6 points. Then 8, 12
    # (20): sum 155, mean 10.333. mR: seven 4s, five 1s, 5, 4 = 42 / 14 = 3; no rule fires.
    result = analyse([12, 8, 12, 8, 12, 8, 12, 8, 9, 10, 11, 12, 13, 8, 12])
    assert result.segments[0].centre == pytest.approx(155 / 15)
    assert result.segments[0].mr_bar == pytest.approx(3)
    assert flagged(result) == []


def test_an_equal_value_breaks_a_trend():
    # 7, 8, 9, 9, 10, 11, 12, 13 would be 8 rising points but for the repeated 9: runs of
    # 3 and 5. Sum 60 + 79 + 20 = 159 over 16, mean 9.9375; no rule fires.
    result = analyse([12, 8, 12, 8, 12, 8, 7, 8, 9, 9, 10, 11, 12, 13, 8, 12])
    assert result.segments[0].centre == pytest.approx(159 / 16)
    assert flagged(result) == []


# --- rule 4: two of three near a limit ---------------------------------------------------

# 9/11 in turn, then 16, 12, 16, then 11/9 in turn: sum 100 + 44 + 71 = 215 over 20, mean
# 10.75. mR: nine 2s (18), 5, 4, 4, 5, six 2s (12) = 48 / 19 = 2.526. Near zone above
# 10.75 + 1.77 × 2.526 = 15.22, upper limit 10.75 + 2.66 × 2.526 = 17.47: both 16s are in
# the zone, not beyond the limit, and the 12 between them is above the mean.
TWO_HIGH_OF_THREE = [9, 11, 9, 11, 9, 11, 9, 11, 9, 11, 16, 12, 16, 11, 9, 11, 9, 11, 9, 11]


def test_two_of_three_points_in_the_upper_zone_are_flagged():
    result = analyse(TWO_HIGH_OF_THREE)
    (segment,) = result.segments
    assert segment.centre == pytest.approx(215 / 20)
    assert segment.mr_bar == pytest.approx(48 / 19)
    assert segment.near_upper == pytest.approx(15.22, abs=0.01)
    assert segment.upper_limit == pytest.approx(17.47, abs=0.01)
    # Only the two points in the zone are flagged, not the 12 between them.
    assert flagged(result) == flagged(result, TWO_OF_THREE) == [10, 12]
    assert result.points[10].kind == IMPROVEMENT


def test_two_of_three_points_in_the_lower_zone_are_flagged():
    # The mirror image (22 - x): mean 11.25, the two 6s below the zone at 6.78.
    result = analyse([22 - v for v in TWO_HIGH_OF_THREE])
    assert flagged(result) == flagged(result, TWO_OF_THREE) == [10, 12]
    assert result.points[10].side == "low"
    assert result.points[10].kind == CONCERN


def test_two_of_three_needs_all_three_points_on_the_same_side_of_the_mean():
    # As above but 16, 9, 16: sum 212, mean 10.6, so the 9 between is below the mean.
    # mR: 18 + 5 + 7 + 7 + 5 + 12 = 54 / 19 = 2.842: near zone above 10.6 + 5.03 = 15.63,
    # so both 16s are still in it (and under the upper limit 18.16), yet nothing is flagged.
    values = [9, 11, 9, 11, 9, 11, 9, 11, 9, 11, 16, 9, 16, 11, 9, 11, 9, 11, 9, 11]
    result = analyse(values)
    (segment,) = result.segments
    assert segment.centre == pytest.approx(10.6)
    assert segment.mr_bar == pytest.approx(54 / 19)
    assert segment.near_upper < 16 < segment.upper_limit
    assert flagged(result) == []


# --- several rules on one point ----------------------------------------------------------


# 7, 9 four times then 17 down to 11: sum 64 + 98 = 162, mean 10.8. mR: seven 2s, 8,
# six 1s = 28 / 14 = 2; limits 5.48 to 16.12, near zone above 14.34.
# The last seven fall (a falling trend) but all sit above the mean (a shift above).
FALLING_ABOVE_THE_MEAN = [7, 9, 7, 9, 7, 9, 7, 9, 17, 16, 15, 14, 13, 12, 11]


def test_a_point_can_carry_several_flags_and_by_default_a_trend_outranks_a_shift():
    result = analyse(FALLING_ABOVE_THE_MEAN)
    assert result.precedence == PLOT_THE_DOTS == DEFAULT_PRECEDENCE
    (segment,) = result.segments
    assert segment.centre == pytest.approx(10.8)
    assert segment.mr_bar == pytest.approx(2)
    assert result.points[8].flags == {OUTSIDE_LIMITS, SHIFT, TREND, TWO_OF_THREE}
    assert result.points[14].flags == {SHIFT, TREND}
    # NHSRplotthedots 0.2.2's order: outside the limits, then trend, two of three, shift.
    # 17 is above the upper limit: improvement. The rest fall: concern, though above the mean.
    assert result.points[8].kind == IMPROVEMENT
    assert {result.points[i].kind for i in range(9, 15)} == {CONCERN}
    assert result.variation == "special_cause_concern"
    assert describe_signals(result.points[14]) == (
        "part of a run of 7 or more points above the mean; "
        "part of a run of 7 or more points each falling"
    )


def test_with_level_first_precedence_where_a_point_sits_outranks_a_trend():
    result = analyse(FALLING_ABOVE_THE_MEAN, precedence=LEVEL_FIRST)
    assert result.precedence == LEVEL_FIRST
    assert {result.points[i].kind for i in range(8, 15)} == {IMPROVEMENT}
    assert result.variation == "special_cause_improvement"
    # The precedence only decides the kind: the flags are the same either way.
    default = analyse(FALLING_ABOVE_THE_MEAN)
    assert [p.flags for p in result.points] == [p.flags for p in default.points]


def test_a_trend_that_is_the_only_signal_decides_under_either_precedence():
    for precedence in (PLOT_THE_DOTS, LEVEL_FIRST):
        result = analyse([20 - v for v in RISING_SEVEN], precedence=precedence)
        assert {result.points[i].kind for i in range(6, 13)} == {CONCERN}


def test_a_point_in_a_rise_and_then_a_fall_takes_the_fall():
    # Run chart of 12 points (median 3.5; no run of 6 on one side): 1 to 6 rising (6 points)
    # then 6 down to 1 falling: the 6 at index 5 ends the rise and starts the fall.
    result = analyse([1, 2, 3, 4, 5, 6, 5, 4, 3, 2, 1, 9])
    assert result.chart_type == "run"
    assert [s.side for s in result.points[5].signals if s.rule == TREND] == ["high", "low"]
    assert result.points[5].kind == CONCERN
    assert result.points[4].kind == IMPROVEMENT


@pytest.mark.parametrize("precedence", ["level", "", None])
def test_bad_precedence_is_rejected(precedence):
    with pytest.raises(ValueError, match="precedence must be one of plot_the_dots, level_first"):
        analyse(STEADY, precedence=precedence)


# --- variation summary -------------------------------------------------------------------


def test_summary_follows_the_icon_rule_and_notes_an_earlier_signal():
    # The trend ends at index 12; the last two points are common cause. The Making Data Count
    # icon shows the latest point: common cause. The earlier signal is a note, not the verdict.
    result = analyse(RISING_SEVEN)
    assert result.variation == "common_cause"
    assert result.variation_label == "common cause variation"
    assert result.variation_text.startswith(
        "Common cause variation: the latest point (P14) is not part of a signal"
    )
    assert result.notes[-1] == (
        "The most recent signal, at P12, was special cause improvement: "
        "part of a run of 7 or more points each rising."
    )


def test_no_note_when_the_latest_point_decides_or_nothing_was_flagged():
    assert not any("most recent signal" in note for note in analyse(STEADY).notes)
    assert not any("most recent signal" in note for note in analyse(SPIKES).notes)


def test_summary_uses_the_latest_point_when_it_is_part_of_a_signal():
    # SPIKES with up: an earlier improvement (30) but the latest point is a concern (-10).
    assert analyse(SPIKES, "up").variation == "special_cause_concern"


# --- change point ------------------------------------------------------------------------

# 12 points of 9/11 (mean 10, mR-bar 2) then 12 of 19/21 (mean 20, mR-bar 2).
STEP_UP = [9, 11] * 6 + [19, 21] * 6


def test_limits_are_recalculated_when_both_segments_have_twelve_points():
    result = analyse(STEP_UP, change_points=[12])
    assert result.change_points == (12,) and result.skipped_change_points == ()
    assert result.limits_recalculated
    before, after = result.segments
    assert (before.start, before.end, after.start, after.end) == (0, 12, 12, 24)
    assert before.centre == pytest.approx(10)
    assert before.mr_bar == pytest.approx(2)  # 11 moving ranges of 2
    assert (before.lower_limit, before.upper_limit) == pytest.approx((4.68, 15.32))
    assert after.centre == pytest.approx(20)
    assert after.mr_bar == pytest.approx(2)  # the jump 11 -> 19 is not a moving range
    assert (after.lower_limit, after.upper_limit) == pytest.approx((14.68, 25.32))
    assert result.points[12].moving_range is None
    assert [p.segment for p in result.points] == [0] * 12 + [1] * 12
    # Within each segment the points just alternate: no signals at all.
    assert flagged(result) == []
    assert result.variation == "common_cause"
    assert "since the limits were recalculated" in result.variation_text
    assert any("recalculated from the change at P12" in note for note in result.notes)


@pytest.mark.parametrize(("change_point", "before", "after"), [(11, 11, 13), (13, 13, 11)])
def test_limits_are_not_recalculated_when_a_segment_has_eleven_points(change_point, before, after):
    result = analyse(STEP_UP, change_points=[change_point])
    assert not result.limits_recalculated
    (segment,) = result.segments
    # One set of limits: mean 15; mR 22 × 2 + 8 (11 -> 19) = 52 / 23.
    assert segment.centre == pytest.approx(15)
    assert segment.mr_bar == pytest.approx(52 / 23)
    (note,) = result.notes
    assert "not recalculated" in note
    assert f"{before} before it and {after} from it on" in note
    assert "at least 12 points" in note
    # Over one mean the step shows as two long shifts.
    assert flagged(result, SHIFT) == list(range(24))
    assert result.change_points == ()
    assert result.skipped_change_points == result.changes == (change_point,)


def test_rules_run_within_each_segment_and_the_summary_reads_the_latest():
    # Segment 0: 9/11 in turn with a 22 in place of the sixth point. Sum 54 + 55 + 22 = 131,
    # mean 10.917, so the 9s are below it and the 11s above (no shift).
    # mR: four 2s, |22 - 9| = 13, |9 - 22| = 13, five 2s = 44 / 11 = 4; upper limit
    # 10.917 + 2.66 × 4 = 21.56 < 22. Segment 1 (19/21 in turn) has no signal.
    before = [9, 11, 9, 11, 9, 22, 9, 11, 9, 11, 9, 11]
    result = analyse(before + [19, 21] * 6, change_points=[12])
    assert result.segments[0].centre == pytest.approx(131 / 12)
    assert result.segments[0].mr_bar == pytest.approx(4)
    assert flagged(result) == [5]
    assert result.points[5].flags == {OUTSIDE_LIMITS}
    # The summary reads the latest segment only, which has no signal.
    assert result.variation == "common_cause"


def test_assurance_uses_the_limits_since_the_change():
    # Since the change the limits are 14.68 to 25.32: a target of 14 is consistently met,
    # though it would be hit and miss against the limits before the change.
    result = analyse(STEP_UP, change_points=[12], target=14)
    assert result.assurance == CONSISTENTLY_MEETS
    assert "the limits since the change" in result.assurance_text


# --- several change points --------------------------------------------------------------

# Three steps of 12 points, each alternating 1 either side of its mean: 10, 20, 30.
THREE_STEPS = [9, 11] * 6 + [19, 21] * 6 + [29, 31] * 6


def test_limits_are_recalculated_at_each_change_point_with_twelve_points_each_side():
    result = analyse(THREE_STEPS, change_points=[24, 12])  # any order
    assert result.change_points == (12, 24)
    assert [(s.start, s.end) for s in result.segments] == [(0, 12), (12, 24), (24, 36)]
    assert [s.centre for s in result.segments] == pytest.approx([10, 20, 30])
    # Moving ranges stay inside each segment: the jumps of 8 at each change are not counted.
    assert [s.mr_bar for s in result.segments] == pytest.approx([2, 2, 2])
    assert [(s.lower_limit, s.upper_limit) for s in result.segments] == [
        pytest.approx((c - 5.32, c + 5.32)) for c in (10, 20, 30)
    ]
    assert result.points[12].moving_range is None and result.points[24].moving_range is None
    assert [p.segment for p in result.points] == [0] * 12 + [1] * 12 + [2] * 12
    assert flagged(result) == []
    assert result.notes == (
        "The limits were recalculated from the change at P12: 12 points before it and 12 up "
        "to the change at P24.",
        "The limits were recalculated from the change at P24: 12 points since the change at "
        "P12 and 12 from it on.",
    )


def test_a_change_point_too_close_to_the_last_is_skipped_with_a_note_and_the_rest_kept():
    # P18 is only 6 points after P12: skipped. P24 is 12 after P12 and 12 before the end.
    result = analyse(THREE_STEPS, change_points=[12, 18, 24])
    assert result.change_points == (12, 24)
    assert result.skipped_change_points == (18,)
    assert result.changes == (12, 18, 24)
    assert [(s.start, s.end) for s in result.segments] == [(0, 12), (12, 24), (24, 36)]
    assert result.notes[1] == (
        "The limits were not recalculated at the change at P18: each part needs at least 12 "
        "points, but there are 6 since the change at P12 and 18 from it on."
    )


def test_a_change_point_too_close_to_the_end_or_start_is_skipped():
    # P30 leaves 6 points after it; P5 has 5 before it. P12 alone is used.
    result = analyse(THREE_STEPS[:30] + [29] * 6, change_points=[5, 12, 30])
    assert result.change_points == (12,)
    assert result.skipped_change_points == (5, 30)
    assert [(s.start, s.end) for s in result.segments] == [(0, 12), (12, 36)]
    assert "there are 5 before it and 31 from it on." in result.notes[0]
    assert "there are 18 since the change at P12 and 6 from it on." in result.notes[2]


def test_when_no_change_point_fits_one_set_of_limits_covers_everything():
    result = analyse(STEP_UP, change_points=[6, 18])
    assert len(result.segments) == 1 and result.skipped_change_points == (6, 18)
    assert all("so one set of limits covers all the points" in note for note in result.notes)


# --- moving-range screening ----------------------------------------------------------------

# 5 and 15 in turn (every moving range 10) with one jump to 100 at index 10.
# Sum 200 - 5 + 100 = 295, mean 14.75: the 15s above it, the 5s below.
# Moving ranges: nine 10s, |100 - 15| = 85 twice, eight 10s = 340 / 19 = 17.895.
# Screening: 3.267 × 17.895 = 58.46, so both 85s go and mR-bar is 170 / 17 = 10.
ONE_JUMP = [5, 15] * 5 + [100, 15] + [5, 15] * 4


def test_screening_leaves_out_the_large_moving_ranges_and_narrows_the_limits():
    off = analyse(ONE_JUMP)
    on = analyse(ONE_JUMP, screen_moving_ranges=True)
    assert off.segments[0].centre == on.segments[0].centre == pytest.approx(14.75)
    assert off.segments[0].mr_bar == pytest.approx(340 / 19)
    assert (off.segments[0].lower_limit, off.segments[0].upper_limit) == pytest.approx(
        (14.75 - 2.66 * 340 / 19, 14.75 + 2.66 * 340 / 19)
    )
    assert on.segments[0].mr_bar == pytest.approx(10)
    assert (on.segments[0].lower_limit, on.segments[0].upper_limit) == pytest.approx(
        (-11.85, 41.35)
    )
    assert off.segments[0].screened_out == ()
    assert on.segments[0].screened_out == (10, 11)
    # The moving ranges themselves are still shown as they are.
    assert on.points[10].moving_range == 85
    # The jump is outside the limits either way; nothing else is flagged.
    assert flagged(off) == flagged(on) == [10]
    # Which was used, in words.
    assert (off.screen_moving_ranges, on.screen_moving_ranges) == (False, True)
    assert "moving ranges not screened" in off.rule_set
    assert "moving ranges screened" in on.rule_set
    assert not any("Screening" in note for note in off.notes)
    assert on.notes[0] == (
        "Screening left out 2 moving ranges of 3.267 × the average or more (the jumps into "
        "P10 and P11) before the limits were calculated."
    )


def test_screening_is_done_once_not_repeated():
    # ONE_JUMP with the jump at 200 and the last value 55: moving ranges sixteen 10s, 185
    # twice and |55 - 5| = 50, total 580 / 19 = 30.53. Cut-off 99.73: the 185s go, the 50
    # stays, so mR-bar is (160 + 50) / 17 = 12.35. Screening again would drop the 50 too
    # (3.267 × 12.35 = 40.4), as NHSRplotthedots does not.
    values = [5, 15] * 5 + [200, 15] + [5, 15] * 3 + [5, 55]
    segment = analyse(values, screen_moving_ranges=True).segments[0]
    assert segment.screened_out == (10, 11)
    assert segment.mr_bar == pytest.approx(210 / 17)


def test_screening_runs_within_each_segment():
    values = THREE_STEPS[:24] + [29, 31] * 4 + [80] + [31, 29, 31]
    result = analyse(values, change_points=[12, 24], screen_moving_ranges=True)
    assert [s.screened_out for s in result.segments] == [(), (), (32, 33)]
    assert result.segments[1].mr_bar == pytest.approx(2)
    assert "before the limits from P24 to P35 were calculated" in " ".join(result.notes)


def test_screening_a_flat_series_changes_nothing():
    result = analyse([7] * 15, screen_moving_ranges=True)
    assert result.segments[0].mr_bar == 0 and result.segments[0].screened_out == ()


def test_screening_that_leaves_only_zero_moving_ranges_says_so():
    # Fourteen 5s then 100: the one moving range of 95 is screened out, leaving only 0s.
    result = analyse([5] * 14 + [100], screen_moving_ranges=True)
    (segment,) = result.segments
    assert segment.screened_out == (14,)
    assert segment.mr_bar == 0
    assert segment.lower_limit == segment.upper_limit == segment.centre
    assert any("every moving range left is 0" in note for note in result.notes)


@pytest.mark.parametrize("screen", [None, 1, "yes"])
def test_screening_must_be_true_or_false(screen):
    with pytest.raises(ValueError, match="screen_moving_ranges must be True or False"):
        analyse(STEADY, screen_moving_ranges=screen)


# --- a worked example from NHSRplotthedots' own tests ----------------------------------------


@pytest.mark.parametrize(
    ("screen", "mr_bar"),
    # Mean 0. Moving ranges: thirteen 2s, |5.5 - -1| = 6.5 and |-5.5 - 5.5| = 11: 43.5 / 15
    # = 2.9. Screened: 3.267 × 2.9 = 9.47 drops the 11, leaving 32.5 / 14 = 2.321.
    [(False, 43.5 / 15), (True, 32.5 / 14)],
)
def test_two_points_near_the_limits_on_opposite_sides_are_not_two_of_three(screen, mr_bar):
    # Their test of the 2-in-3 fix (0.2.2, issue #143): 1 and -1 in turn, the last two
    # replaced by 5.5 and -5.5. Both sit in a near-limit zone, one on each side of the mean,
    # so neither rule 4 (nor any other) fires, with or without screening.
    values = [1, -1] * 7 + [5.5, -5.5]
    result = analyse(values, screen_moving_ranges=screen)
    (segment,) = result.segments
    assert segment.centre == 0
    assert segment.mr_bar == pytest.approx(mr_bar)
    assert segment.near_upper < 5.5 < segment.upper_limit
    assert segment.lower_limit < -5.5 < segment.near_lower
    assert flagged(result) == []
    assert result.variation == "common_cause"


# --- the range a value may have -----------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        [1e308] * 15,
        [1.7e308, -1.7e308] * 8,
        [1, 2, 1e12 + 1],
        [-1e13],
        [10**400],
    ],
)
def test_values_beyond_the_bound_are_refused_with_a_clear_message(values):
    with pytest.raises(ValueError, match=r"is too large: it must be between -1,000,000,000,000"):
        analyse(values)


def test_the_message_names_the_point():
    with pytest.raises(ValueError, match=r"point 3 \(P2\) is too large"):
        analyse([1, 2, 1e308])


@pytest.mark.parametrize("target", [1e13, -1e308, 10**400])
def test_a_target_beyond_the_bound_is_refused(target):
    with pytest.raises(ValueError, match="target is too large"):
        analyse(STEADY, target=target)


def test_values_at_the_bound_give_finite_limits():
    result = analyse([MAX_ABS_VALUE, -MAX_ABS_VALUE] * 8, target=MAX_ABS_VALUE)
    (segment,) = result.segments
    assert segment.mr_bar == 2 * MAX_ABS_VALUE
    for number in (segment.upper_limit, segment.lower_limit, segment.near_upper):
        assert math.isfinite(number)
    assert format_number(segment.upper_limit) == "5,320,000,000,000"


# --- assurance ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "target", "expected"),
    [
        # STEADY limits are 4.68 to 15.32.
        ("up", 4, CONSISTENTLY_MEETS),
        ("up", 12, HIT_AND_MISS),
        ("up", 16, CONSISTENTLY_MISSES),
        ("down", 16, CONSISTENTLY_MEETS),
        ("down", 12, HIT_AND_MISS),
        ("down", 4, CONSISTENTLY_MISSES),
    ],
)
def test_assurance_against_a_target(direction, target, expected):
    result = analyse(STEADY, direction, target=target)
    assert result.assurance == expected
    assert result.assurance_text


def test_assurance_at_the_limits_themselves():
    (segment,) = analyse(STEADY).segments
    # Up: a target on the lower limit is met every time; on the upper limit it is not sure.
    assert analyse(STEADY, "up", target=segment.lower_limit).assurance == CONSISTENTLY_MEETS
    assert analyse(STEADY, "up", target=segment.upper_limit).assurance == HIT_AND_MISS
    assert analyse(STEADY, "down", target=segment.upper_limit).assurance == CONSISTENTLY_MEETS
    assert analyse(STEADY, "down", target=segment.lower_limit).assurance == HIT_AND_MISS


def test_assurance_wording():
    met = analyse(STEADY, "up", target=4)
    assert met.assurance_label == "consistently meets the target"
    assert met.assurance_text.startswith("The process consistently meets the target of 4")
    assert "4.68 to 15.32" in met.assurance_text
    missed = analyse(STEADY, "up", target=16)
    assert missed.assurance_label == "consistently misses the target"
    assert "will not be met without changing the process" in missed.assurance_text
    hit_and_miss = analyse(STEADY, "up", target=12)
    assert hit_and_miss.assurance_label == "hit and miss against the target"
    assert "some points will meet it and some will not" in hit_and_miss.assurance_text


def test_no_assurance_without_a_target_or_a_direction():
    no_target = analyse(STEADY, "up")
    assert no_target.assurance is None
    assert no_target.assurance_label is None
    assert "No target was given" in no_target.assurance_text
    neither = analyse(STEADY, "neither", target=12)
    assert neither.assurance is None
    assert "neither direction counts as improvement" in neither.assurance_text


# --- run charts --------------------------------------------------------------------------


def test_fewer_than_fifteen_points_give_a_run_chart_with_a_median():
    result = analyse([5, 3, 8, 6, 7], target=4)
    assert result.chart_type == "run"
    assert result.rule_set == "Run chart (median)"
    (segment,) = result.segments
    assert segment.centre_kind == "median"
    assert segment.centre == 6  # sorted 3, 5, 6, 7, 8
    assert segment.upper_limit is None
    assert segment.lower_limit is None
    assert segment.near_upper is None
    assert segment.near_lower is None
    assert segment.mr_bar is None
    assert result.points[1].moving_range is None
    assert RUN_CHART_NOTE in result.notes
    assert RUN_CHART_NOTE == (
        "Fewer than 15 points: shown as a run chart with a median line; "
        "process limits would be unreliable."
    )
    assert result.assurance is None
    assert "not assessed on a run chart" in result.assurance_text


def test_fourteen_points_are_a_run_chart_and_fifteen_an_xmr_chart():
    assert analyse(STEADY[:14]).chart_type == "run"
    assert analyse(STEADY[:15]).chart_type == "xmr"


def test_run_chart_median_of_an_even_number_of_points():
    assert analyse([1, 2, 3, 10]).segments[0].centre == 2.5


def test_run_chart_shift_of_six_skips_points_on_the_median():
    # 13 points: six lows, six highs and one 5; sorted, the 7th is 5, so the median is 5.
    # Highs 9, 8, 9, (5), 8, 9, 8: the 5 on the median is skipped, leaving a run of six.
    result = analyse([1, 2, 1, 9, 8, 9, 5, 8, 9, 8, 2, 1, 2])
    assert result.segments[0].centre == 5
    assert flagged(result) == flagged(result, SHIFT) == [3, 4, 5, 7, 8, 9]
    assert result.points[6].flags == frozenset()  # on the median: not part of the run
    assert result.points[3].kind == IMPROVEMENT
    # The latest point (2) is not in the run: common cause, with the run as a note.
    assert result.variation == "common_cause"
    assert "6 or more points above the median" in result.notes[-1]


def test_run_chart_shift_of_five_is_not_flagged():
    # Median 5 again (six lows, six highs, one 5); the highs run 9, 8, (5), 9, 8, 9 = 5.
    result = analyse([1, 2, 1, 2, 9, 8, 5, 9, 8, 9, 1, 9, 2])
    assert result.segments[0].centre == 5
    assert flagged(result) == []
    assert result.variation == "common_cause"


def test_run_chart_trend_of_five_counts_a_repeated_value_once():
    # 1, 2, 2, 3, 7, 8: five different rising values (the repeated 2 is skipped), so a
    # trend; all six points are flagged. Median of the ten values is 2.5; no shift.
    result = analyse([4, 1, 2, 2, 3, 7, 8, 1, 9, 0], "down")
    assert result.segments[0].centre == 2.5
    assert flagged(result) == flagged(result, TREND) == [1, 2, 3, 4, 5, 6]
    assert result.points[1].kind == CONCERN


def test_run_chart_trend_of_four_is_not_flagged():
    assert flagged(analyse([4, 1, 2, 3, 7, 1, 9, 0])) == []


def test_run_chart_ignores_the_change_points_with_a_note():
    result = analyse([5, 3, 8, 6, 7, 9], change_points=[3, 5])
    assert len(result.segments) == 1
    assert result.skipped_change_points == (3, 5)
    assert (
        "The median was not recalculated at the change at P3 and the change at P5: "
        "recalculating needs an XmR chart"
    ) in " ".join(result.notes)


def test_a_single_point_is_a_run_chart():
    result = analyse([4.5])
    assert result.chart_type == "run"
    assert result.segments[0].centre == 4.5
    assert result.variation == "common_cause"


def test_all_equal_values_collapse_the_limits_onto_the_mean():
    result = analyse([7] * 15)
    (segment,) = result.segments
    assert segment.upper_limit == segment.lower_limit == 7
    assert flagged(result) == []  # every point is on the mean: no shift, no trend
    assert any("sit on the mean" in note for note in result.notes)


# --- input validation --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ([], "empty"),
        ([("Jan", math.nan)], "finite"),
        ([("Jan", math.inf)], "finite"),
        ([("Jan", -math.inf)], "finite"),
        ([("Jan", "12")], "must be a number"),
        ([("Jan", None)], "must be a number"),
        ([("Jan", True)], "must be a number"),
        ([("Jan",)], r"\(label, value\) pair"),
        ([12], r"\(label, value\) pair"),
        ([(2024, 12)], "label that is not text"),
        (None, "list of"),
        ("Jan", "list of"),
        (12, "list of"),
    ],
)
def test_bad_points_are_rejected(points, message):
    with pytest.raises(ValueError, match=message):
        analyse_series(points, "up")


def test_a_bad_point_is_named_in_the_message():
    with pytest.raises(ValueError, match=r"point 2 \(Feb\) must be a finite number"):
        analyse_series([("Jan", 1), ("Feb", math.nan)], "up")


@pytest.mark.parametrize("direction", ["higher", "", None, "UP"])
def test_bad_direction_is_rejected(direction):
    with pytest.raises(ValueError, match="direction must be one of up, down, neither"):
        analyse_series([("Jan", 1)], direction)


@pytest.mark.parametrize("change_point", [0, 16, -1, 1.5, "3", True, None])
def test_bad_change_point_is_rejected(change_point):
    with pytest.raises(ValueError, match="change_points"):
        analyse(STEADY, change_points=[4, change_point])


@pytest.mark.parametrize("change_points", [12, "12", b"12", 1.5])
def test_change_points_must_be_a_list(change_points):
    with pytest.raises(ValueError, match="change_points must be a list of point indices"):
        analyse(STEADY, change_points=change_points)


def test_change_points_are_sorted_and_counted_once():
    result = analyse(STEP_UP, change_points=(12, 12))
    assert result.change_points == (12,)
    assert analyse(STEADY, change_points=None).changes == ()


@pytest.mark.parametrize("target", [math.nan, math.inf, "12"])
def test_bad_target_is_rejected(target):
    with pytest.raises(ValueError, match="target"):
        analyse(STEADY, target=target)


def test_integers_and_floats_are_both_accepted():
    result = analyse_series([("Jan", 1), ("Feb", 2.5)], "up", target=3)
    assert [p.value for p in result.points] == [1.0, 2.5]
    assert result.target == 3.0


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (10.0, "10"),
        (10.5, "10.5"),
        (4.68, "4.68"),
        (25.0733, "25.07"),
        (-5.0733, "-5.073"),
        (12345.6, "12,346"),
        (0.0345, "0.0345"),
    ],
)
def test_format_number(value, text):
    assert format_number(value) == text
