"""Run charts and XmR charts with NHS England "Making Data Count" rules, as pure functions.

Call `analyse_series(points, direction, change_point=None, target=None)` with a list of
(label, value) pairs. It returns an `SPCResult`: the chart type, the centre line and limits
of each segment, every point's special-cause flags and whether each is improvement or
concern, a variation summary and the assurance against a target, all in words as well as
codes. Nothing here touches Django, so pages, management commands and tests can all call it.

Rules (NHS England, Making Data Count, XmR chart with 2.66 and 1.77 × mR-bar):

- 15 or more points: XmR chart. Mean centre line; process limits at mean ± 2.66 × mR-bar
  (3 sigma, sigma = mR-bar / 1.128); the near-limit zone starts at mean ± 1.77 × mR-bar
  (2 sigma). Special cause: (1) a point strictly outside the limits; (2) a shift of 7 or
  more points in a row all above or all below the mean (a point on the mean breaks it);
  (3) a trend of 7 or more points each strictly higher, or each strictly lower, than the
  one before (an equal value breaks it); (4) two of three points in a row in the near-limit
  zone (or beyond the limits) on one side, all three on that side of the mean.
- Fewer than 15 points: run chart. Median centre line and no limits, because limits from
  so few points would be unreliable. Its signals follow the NHS run-chart guidance: a
  shift of 6 or more points in a row on one side of the median, where points exactly on
  the median are skipped (they neither break nor count towards the run), and a trend of 5
  or more points each rising or each falling, where a repeated value is skipped the same
  way. (A 7-point shift, as on an XmR chart, could hardly ever fire below 15 points: it
  needs exactly 7 points on each side of the median.)
- Each signal points high (above the centre line, or rising) or low. With direction "up"
  high is improvement and low is concern; "down" the reverse; "neither" makes every
  signal "neither". When a point's level (outside the limits, shift, two of three) and a
  trend disagree, the level decides its kind.
- The variation summary looks at the latest segment only: see `_variation`.
- Assurance compares the target with the latest segment's limits (XmR only).
- A change point splits the limits into "before" and "from the change on" only when each
  part has at least 12 points; the rules then run within each segment separately.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby

UP = "up"
DOWN = "down"
NEITHER = "neither"
DIRECTIONS = (UP, DOWN, NEITHER)

XMR = "xmr"
RUN = "run"

MIN_POINTS_FOR_XMR = 15
MIN_POINTS_PER_SEGMENT = 12
LIMIT_FACTOR = 2.66
NEAR_LIMIT_FACTOR = 1.77
SHIFT_LENGTH = 7
TREND_LENGTH = 7
# Run charts follow the NHS (and IHI) run-chart rules, which use shorter runs: a 7-point
# shift is almost impossible below 15 points (it needs exactly 7 points on each side).
RUN_SHIFT_LENGTH = 6
RUN_TREND_LENGTH = 5

XMR_RULE_SET = "NHS Making Data Count XmR rules (2.66 and 1.77 × average moving range)"
RUN_CHART_RULE_SET = "Run chart (median)"
RUN_CHART_NOTE = (
    "Fewer than 15 points: shown as a run chart with a median line; "
    "process limits would be unreliable."
)

# The rules a point can be flagged by (several at once).
OUTSIDE_LIMITS = "outside_limits"
SHIFT = "shift"
TREND = "trend"
TWO_OF_THREE = "two_of_three"

# Which side of the process a signal points to: above the centre line, or rising, is HIGH.
HIGH = "high"
LOW = "low"

# What a signal means given the improvement direction.
IMPROVEMENT = "improvement"
CONCERN = "concern"
NEUTRAL = "neither"

SPECIAL_CAUSE_IMPROVEMENT = "special_cause_improvement"
SPECIAL_CAUSE_CONCERN = "special_cause_concern"
SPECIAL_CAUSE_NEITHER = "special_cause_neither"
COMMON_CAUSE = "common_cause"
VARIATION_LABELS = {
    SPECIAL_CAUSE_IMPROVEMENT: "special cause improvement",
    SPECIAL_CAUSE_CONCERN: "special cause concern",
    SPECIAL_CAUSE_NEITHER: "special cause variation (neither direction)",
    COMMON_CAUSE: "common cause variation",
}
_VARIATION_FOR_KIND = {
    IMPROVEMENT: SPECIAL_CAUSE_IMPROVEMENT,
    CONCERN: SPECIAL_CAUSE_CONCERN,
    NEUTRAL: SPECIAL_CAUSE_NEITHER,
}

CONSISTENTLY_MEETS = "pass"
CONSISTENTLY_MISSES = "fail"
HIT_AND_MISS = "hit_and_miss"
ASSURANCE_LABELS = {
    CONSISTENTLY_MEETS: "consistently meets the target",
    CONSISTENTLY_MISSES: "consistently misses the target",
    HIT_AND_MISS: "hit and miss against the target",
}

# Rules that say where a point sits relative to the centre line. When a point is also in a
# trend going the other way (a falling run that is still above the mean), its level wins:
# that is what the reader sees, and it matches NHS-R "plot the dots" colouring.
_LEVEL_RULES = (OUTSIDE_LIMITS, SHIFT, TWO_OF_THREE)


@dataclass(frozen=True)
class Signal:
    """One rule that flagged a point, and the side of the process it points to."""

    rule: str
    side: str


@dataclass(frozen=True)
class Segment:
    """A stretch of points sharing one centre line (and, on an XmR chart, one set of limits).

    `start` is the index of its first point and `end` the index after its last, as in range().
    The limits and mr_bar are None on a run chart.
    """

    index: int
    start: int
    end: int
    centre: float
    centre_kind: str
    upper_limit: float | None = None
    lower_limit: float | None = None
    near_upper: float | None = None
    near_lower: float | None = None
    mr_bar: float | None = None

    def __len__(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class ChartPoint:
    """One analysed point: its value, segment, special-cause flags and what they mean."""

    index: int
    label: str
    value: float
    segment: int
    moving_range: float | None
    signals: tuple[Signal, ...]
    flags: frozenset[str]
    side: str | None
    kind: str | None

    @property
    def is_special_cause(self) -> bool:
        return bool(self.signals)


@dataclass(frozen=True)
class SPCResult:
    """Everything a page needs to draw, describe and tabulate a measure."""

    chart_type: str
    rule_set: str
    direction: str
    target: float | None
    change_point: int | None
    segments: tuple[Segment, ...]
    points: tuple[ChartPoint, ...]
    variation: str
    variation_label: str
    variation_text: str
    assurance: str | None
    assurance_label: str | None
    assurance_text: str
    notes: tuple[str, ...]

    @property
    def is_xmr(self) -> bool:
        return self.chart_type == XMR

    @property
    def centre_kind(self) -> str:
        return "mean" if self.is_xmr else "median"

    @property
    def latest_segment(self) -> Segment:
        return self.segments[-1]

    @property
    def limits_recalculated(self) -> bool:
        return len(self.segments) > 1


def analyse_series(
    points: Iterable[tuple[str, float]],
    direction: str,
    change_point: int | None = None,
    target: float | None = None,
) -> SPCResult:
    """Analyse (label, value) pairs in time order; see the module docstring for the rules.

    `direction` is "up" or "down" (which way is improvement) or "neither". `change_point` is
    the index of the first point after a change was made. Raises ValueError on bad input.
    """
    labels, values = _validate_points(points)
    direction = _validate_direction(direction)
    change_point = _validate_change_point(change_point, len(values))
    target = _validate_target(target)

    chart_type = XMR if len(values) >= MIN_POINTS_FOR_XMR else RUN
    notes: list[str] = []
    if chart_type == RUN:
        notes.append(RUN_CHART_NOTE)
    bounds = _segment_bounds(chart_type, labels, change_point, notes)

    segments: list[Segment] = []
    point_signals: list[list[Signal]] = [[] for _ in values]
    moving_ranges: list[float | None] = [None] * len(values)
    for index, (start, end) in enumerate(bounds):
        segment_values = values[start:end]
        if chart_type == XMR:
            segment = _xmr_segment(index, start, end, segment_values)
            found = _xmr_signals(segment_values, segment)
            # Moving ranges stay inside a segment: the jump across a change is not one.
            for offset in range(1, len(segment_values)):
                moving_ranges[start + offset] = abs(
                    segment_values[offset] - segment_values[offset - 1]
                )
            if segment.mr_bar == 0:
                notes.append(
                    f"Every value from {labels[start]} to {labels[end - 1]} is the same, "
                    "so the process limits sit on the mean."
                )
        else:
            segment = Segment(index, start, end, statistics.median(segment_values), "median")
            found = _run_chart_signals(segment_values, segment.centre)
        segments.append(segment)
        for offset, signal in found:
            point_signals[start + offset].append(signal)

    segment_of = [s.index for s in segments for _ in range(s.start, s.end)]
    chart_points = tuple(
        _chart_point(
            i, labels[i], values[i], segment_of[i], moving_ranges[i], point_signals[i], direction
        )
        for i in range(len(values))
    )
    variation = _variation(chart_points, segments[-1], chart_type)
    assurance = _assurance(chart_type, direction, target, segments)
    return SPCResult(
        chart_type=chart_type,
        rule_set=XMR_RULE_SET if chart_type == XMR else RUN_CHART_RULE_SET,
        direction=direction,
        target=target,
        change_point=change_point,
        segments=tuple(segments),
        points=chart_points,
        variation=variation[0],
        variation_label=VARIATION_LABELS[variation[0]],
        variation_text=variation[1],
        assurance=assurance[0],
        assurance_label=ASSURANCE_LABELS.get(assurance[0]) if assurance[0] else None,
        assurance_text=assurance[1],
        notes=tuple(notes),
    )


def describe_signals(point: ChartPoint, chart_type: str = XMR) -> str:
    """The rules that flagged a point, in words ("" for common cause)."""
    return "; ".join(_describe_signal(signal, chart_type) for signal in point.signals)


def format_number(value: float) -> str:
    """A value for people to read: four significant figures, no exponent, no trailing zeros."""
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = min(max(0, 3 - magnitude), 6)
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


# --- validation --------------------------------------------------------------------------


def _validate_points(points: Iterable[tuple[str, float]]) -> tuple[list[str], list[float]]:
    if points is None or isinstance(points, str | bytes):
        raise ValueError("points must be a list of (label, value) pairs")
    try:
        items = iter(points)
    except TypeError:
        raise ValueError("points must be a list of (label, value) pairs") from None
    labels: list[str] = []
    values: list[float] = []
    for position, item in enumerate(items, start=1):
        try:
            label, value = item
        except (TypeError, ValueError):
            raise ValueError(f"point {position} must be a (label, value) pair") from None
        if not isinstance(label, str):
            raise ValueError(f"point {position} has a label that is not text: {label!r}")
        labels.append(label)
        values.append(_finite_number(value, f"point {position} ({label})"))
    if not values:
        raise ValueError("the series is empty: at least one point is needed")
    return labels, values


def _finite_number(value: object, what: str) -> float:
    # Strings and booleans would convert to floats silently, hiding a mistake upstream.
    if isinstance(value, str | bytes | bool):
        raise ValueError(f"{what} must be a number, not {value!r}")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, not {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{what} must be a finite number, not {value!r}")
    return number


def _validate_direction(direction: str) -> str:
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}")
    return direction


def _validate_change_point(change_point: int | None, count: int) -> int | None:
    if change_point is None:
        return None
    if isinstance(change_point, bool) or not isinstance(change_point, int):
        raise ValueError(f"change_point must be a point index, not {change_point!r}")
    if not 0 < change_point < count:
        raise ValueError(
            f"change_point must be between 1 and {count - 1} (the index of the first point "
            f"after the change), not {change_point}"
        )
    return change_point


def _validate_target(target: float | None) -> float | None:
    return None if target is None else _finite_number(target, "target")


# --- segments and limits -----------------------------------------------------------------


def _segment_bounds(
    chart_type: str, labels: Sequence[str], change_point: int | None, notes: list[str]
) -> list[tuple[int, int]]:
    count = len(labels)
    if change_point is None:
        return [(0, count)]
    before, after = change_point, count - change_point
    where = f"the change at {labels[change_point]}"
    if chart_type == RUN:
        notes.append(
            f"The median was not recalculated at {where}: recalculating needs an XmR chart "
            f"with at least {MIN_POINTS_PER_SEGMENT} points before and after the change."
        )
        return [(0, count)]
    if before < MIN_POINTS_PER_SEGMENT or after < MIN_POINTS_PER_SEGMENT:
        notes.append(
            f"The limits were not recalculated at {where}: each part needs at least "
            f"{MIN_POINTS_PER_SEGMENT} points, but there are {before} before it and {after} "
            "from it on, so one set of limits covers all the points."
        )
        return [(0, count)]
    notes.append(
        f"The limits were recalculated from {where}: {before} points before it and "
        f"{after} from it on."
    )
    return [(0, change_point), (change_point, count)]


def _xmr_segment(index: int, start: int, end: int, values: Sequence[float]) -> Segment:
    mean = math.fsum(values) / len(values)
    moving_ranges = [abs(b - a) for a, b in zip(values, values[1:], strict=False)]
    mr_bar = math.fsum(moving_ranges) / len(moving_ranges)
    return Segment(
        index=index,
        start=start,
        end=end,
        centre=mean,
        centre_kind="mean",
        upper_limit=mean + LIMIT_FACTOR * mr_bar,
        lower_limit=mean - LIMIT_FACTOR * mr_bar,
        near_upper=mean + NEAR_LIMIT_FACTOR * mr_bar,
        near_lower=mean - NEAR_LIMIT_FACTOR * mr_bar,
        mr_bar=mr_bar,
    )


# --- rules -------------------------------------------------------------------------------
# Each rule takes one segment's values and returns (offset within segment, Signal) pairs.


def _side_of(value: float, centre: float) -> str | None:
    if value > centre:
        return HIGH
    if value < centre:
        return LOW
    return None


def _xmr_signals(values: Sequence[float], segment: Segment) -> list[tuple[int, Signal]]:
    return [
        *_outside_limits(values, segment),
        *_shifts(values, segment.centre, SHIFT_LENGTH, ignore_points_on_centre=False),
        *_trends(values, TREND_LENGTH, ignore_ties=False),
        *_two_of_three(values, segment),
    ]


def _run_chart_signals(values: Sequence[float], median: float) -> list[tuple[int, Signal]]:
    # NHS run-chart convention: points on the median, and repeated values in a trend, are
    # skipped, so they neither break a run nor count towards it.
    return [
        *_shifts(values, median, RUN_SHIFT_LENGTH, ignore_points_on_centre=True),
        *_trends(values, RUN_TREND_LENGTH, ignore_ties=True),
    ]


def _outside_limits(values: Sequence[float], segment: Segment) -> list[tuple[int, Signal]]:
    found = []
    for offset, value in enumerate(values):
        if value > segment.upper_limit:
            found.append((offset, Signal(OUTSIDE_LIMITS, HIGH)))
        elif value < segment.lower_limit:
            found.append((offset, Signal(OUTSIDE_LIMITS, LOW)))
    return found


def _runs(sides: Sequence[str | None], *, skip_neutral: bool) -> list[tuple[str, list[int]]]:
    """Maximal runs of one side: (side, positions). A None (on the centre, or a tie) breaks
    a run, or with skip_neutral is passed over as if it were not there."""
    positioned = list(enumerate(sides))
    if skip_neutral:
        positioned = [(position, side) for position, side in positioned if side is not None]
    runs = []
    for side, run in groupby(positioned, key=lambda pair: pair[1]):
        if side is not None:
            runs.append((side, [position for position, _ in run]))
    return runs


def _shifts(
    values: Sequence[float], centre: float, length: int, *, ignore_points_on_centre: bool
) -> list[tuple[int, Signal]]:
    sides = [_side_of(value, centre) for value in values]
    found = []
    for side, offsets in _runs(sides, skip_neutral=ignore_points_on_centre):
        if len(offsets) >= length:
            found.extend((offset, Signal(SHIFT, side)) for offset in offsets)
    return found


def _trends(values: Sequence[float], length: int, *, ignore_ties: bool) -> list[tuple[int, Signal]]:
    # Step i joins point i to point i + 1, so a run of k rising steps covers k + 1 points.
    # With ignore_ties, tied points inside the run are flagged too but not counted.
    steps = [_side_of(after, before) for before, after in zip(values, values[1:], strict=False)]
    found = []
    for side, step_positions in _runs(steps, skip_neutral=ignore_ties):
        if len(step_positions) + 1 >= length:
            covered = range(step_positions[0], step_positions[-1] + 2)
            found.extend((offset, Signal(TREND, side)) for offset in covered)
    return found


def _two_of_three(values: Sequence[float], segment: Segment) -> list[tuple[int, Signal]]:
    found = []
    for first in range(len(values) - 2):
        window = range(first, first + 3)
        for side, in_zone in (
            (HIGH, lambda v: v > segment.near_upper),
            (LOW, lambda v: v < segment.near_lower),
        ):
            if any(_side_of(values[i], segment.centre) != side for i in window):
                continue
            zone = [i for i in window if in_zone(values[i])]
            if len(zone) >= 2:
                found.extend((i, Signal(TWO_OF_THREE, side)) for i in zone)
    return _without_repeats(found)


def _without_repeats(found: list[tuple[int, Signal]]) -> list[tuple[int, Signal]]:
    # Overlapping three-point windows can find the same point twice.
    return list(dict.fromkeys(found))


# --- meaning -----------------------------------------------------------------------------


def _chart_point(
    index: int,
    label: str,
    value: float,
    segment: int,
    moving_range: float | None,
    signals: list[Signal],
    direction: str,
) -> ChartPoint:
    side = _point_side(signals)
    return ChartPoint(
        index=index,
        label=label,
        value=value,
        segment=segment,
        moving_range=moving_range,
        signals=tuple(signals),
        flags=frozenset(signal.rule for signal in signals),
        side=side,
        kind=_kind(side, direction),
    )


def _point_side(signals: Sequence[Signal]) -> str | None:
    level = [signal.side for signal in signals if signal.rule in _LEVEL_RULES]
    if level:
        return level[0]
    return signals[0].side if signals else None


def _kind(side: str | None, direction: str) -> str | None:
    if side is None:
        return None
    if direction == NEITHER:
        return NEUTRAL
    improving_side = HIGH if direction == UP else LOW
    return IMPROVEMENT if side == improving_side else CONCERN


def _describe_signal(signal: Signal, chart_type: str) -> str:
    high = signal.side == HIGH
    xmr = chart_type == XMR
    if signal.rule == OUTSIDE_LIMITS:
        return "above the upper process limit" if high else "below the lower process limit"
    if signal.rule == SHIFT:
        where = "above" if high else "below"
        length, centre = (SHIFT_LENGTH, "mean") if xmr else (RUN_SHIFT_LENGTH, "median")
        return f"part of a run of {length} or more points {where} the {centre}"
    if signal.rule == TREND:
        how = "rising" if high else "falling"
        length = TREND_LENGTH if xmr else RUN_TREND_LENGTH
        return f"part of a run of {length} or more points each {how}"
    which = "upper" if high else "lower"
    return f"2 of 3 points in a row close to or beyond the {which} process limit"


def _variation(
    points: Sequence[ChartPoint], latest_segment: Segment, chart_type: str
) -> tuple[str, str]:
    """The variation summary, judged on the latest segment as NHS MDC icons are.

    The latest point decides when it is part of a signal; otherwise the most recent signal in
    the latest segment does (a signal since the last recalculation still needs explaining);
    with no signal in the latest segment the variation is common cause.
    """
    segment_points = points[latest_segment.start : latest_segment.end]
    flagged = [point for point in segment_points if point.is_special_cause]
    if not flagged:
        where = "since the limits were recalculated" if latest_segment.index else "in the data"
        rules = "special-cause rules" if chart_type == XMR else "run-chart rules (shift or trend)"
        return COMMON_CAUSE, (
            f"Common cause variation: no point {where} meets the {rules}, so the variation "
            "looks like the process's usual ups and downs."
        )
    latest = segment_points[-1]
    signal_point = latest if latest.is_special_cause else flagged[-1]
    code = _VARIATION_FOR_KIND[signal_point.kind]
    label = VARIATION_LABELS[code]
    reasons = describe_signals(signal_point, chart_type)
    if signal_point is latest:
        text = f"the latest point ({latest.label}) is {reasons}."
    else:
        text = (
            f"the most recent signal was at {signal_point.label} ({reasons}); "
            f"the latest point ({latest.label}) is not itself part of a signal."
        )
    return code, f"{label[0].upper()}{label[1:]}: {text}"


def _assurance(
    chart_type: str, direction: str, target: float | None, segments: Sequence[Segment]
) -> tuple[str | None, str]:
    """Whether the process as it is now (the latest segment) can be relied on to meet the target."""
    if target is None:
        return None, "No target was given, so there is no assurance against a target."
    shown = format_number(target)
    if chart_type == RUN:
        return None, (
            f"Assurance against the target of {shown} is not assessed on a run chart: it needs "
            f"process limits, which need at least {MIN_POINTS_FOR_XMR} points."
        )
    if direction == NEITHER:
        return None, (
            f"Assurance against the target of {shown} is not assessed because neither "
            "direction counts as improvement for this measure."
        )
    latest = segments[-1]
    lower, upper = latest.lower_limit, latest.upper_limit
    limits = f"{format_number(lower)} to {format_number(upper)}"
    if len(segments) > 1:
        limits = f"{limits}, the limits since the change"
    if direction == UP:
        meets, misses = target <= lower, target > upper
    else:
        meets, misses = target >= upper, target < lower
    if meets:
        return CONSISTENTLY_MEETS, (
            f"The process consistently meets the target of {shown}: the target lies outside "
            f"the process limits ({limits}) on the good side, so every point is expected to "
            "meet it unless the process changes."
        )
    if misses:
        return CONSISTENTLY_MISSES, (
            f"The process consistently misses the target of {shown}: the target lies outside "
            f"the process limits ({limits}) on the wrong side, so it will not be met "
            "without changing the process."
        )
    return HIT_AND_MISS, (
        f"The process will hit and miss the target of {shown}: the target lies within the "
        f"process limits ({limits}), so some points will meet it and some will not by "
        "chance alone."
    )
