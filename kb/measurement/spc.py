"""Run charts and XmR charts with NHS England "Making Data Count" rules, as pure functions.

Call `analyse_series(points, direction, change_points=(), target=None,
screen_moving_ranges=False, precedence=PLOT_THE_DOTS)` with a list of (label, value) pairs.
It returns an `SPCResult`: the chart type, the centre line and limits of each segment, every
point's special-cause flags and whether each is improvement or concern, a variation summary
and the assurance against a target, all in words as well as codes. Nothing here touches
Django, so pages, management commands and tests can all call it. docs/spc.md explains the
rules and every deliberate difference from NHS-R's NHSRplotthedots 0.2.2.

Rules (NHS England, Making Data Count, XmR chart with 2.66 and 1.77 × mR-bar):

- 15 or more points: XmR chart. Mean centre line; process limits at mean ± 2.66 × mR-bar
  (3 sigma, sigma = mR-bar / 1.128); the near-limit zone starts at mean ± 1.77 × mR-bar
  (2 sigma). Special cause: (1) a point strictly outside the limits; (2) a shift of 7 or
  more points in a row all above or all below the mean (a point on the mean breaks it);
  (3) a trend of 7 or more points each strictly higher, or each strictly lower, than the
  one before (an equal value breaks it); (4) two of three points in a row in the near-limit
  zone (or beyond the limits) on one side, all three on that side of the mean.
- Moving-range screening (off unless asked for): moving ranges of 3.267 × the segment's
  mR-bar or more are left out and mR-bar is worked out again from the rest, once, before the
  limits are set. 3.267 × mR-bar is the upper range limit of a moving-range chart, so a range
  beyond it is itself a special cause (one jump) and would otherwise widen the limits that
  are meant to catch it. NHSRplotthedots screens this way by default; the Making Data Count
  tools do not.
- Fewer than 15 points: run chart. Median centre line and no limits, because limits from
  so few points would be unreliable. Its signals follow the NHS run-chart guidance: a
  shift of 6 or more points in a row on one side of the median, where points exactly on
  the median are skipped (they neither break nor count towards the run), and a trend of 5
  or more points each rising or each falling, where a repeated value is skipped the same
  way. (A 7-point shift, as on an XmR chart, could hardly ever fire below 15 points: it
  needs exactly 7 points on each side of the median.)
- Each signal points high (above the centre line, or rising) or low. With direction "up"
  high is improvement and low is concern; "down" the reverse; "neither" makes every
  signal "neither". When a point's signals disagree (a falling trend still above the mean)
  `precedence` decides: PLOT_THE_DOTS (the default) ranks outside the limits, then trend,
  then two of three, then shift, as NHSRplotthedots 0.2.2 does; LEVEL_FIRST lets where the
  point sits (outside the limits, shift, two of three) outrank a trend. A point in two
  trends (the top of a rise that then falls) takes the later one's direction.
- The variation summary follows the Making Data Count icon: the latest point decides. If it
  is part of a signal, that signal's kind is the variation; otherwise the variation is
  common cause, and an earlier signal in the latest segment is only mentioned in a note.
- Assurance compares the target with the latest segment's limits (XmR only).
- Change points split the limits into segments, recalculated from each change point only
  when every segment keeps at least 12 points: change points are taken in time order and one
  that would leave fewer than 12 points since the last recalculation, or after it, is
  skipped with a note naming it. The rules then run within each segment separately.
- Values and targets must lie within ±MAX_ABS_VALUE (10^12): far beyond any NHS measure,
  yet small enough that sums, moving ranges and limits of 500 points stay exact to well
  under a unit and can never overflow a float.
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
# The upper range limit of a moving-range chart (D4 for ranges of two points): a moving range
# this many times mR-bar or more is left out when screening is on.
SCREEN_FACTOR = 3.267
SHIFT_LENGTH = 7
TREND_LENGTH = 7
# Run charts follow the NHS (and IHI) run-chart rules, which use shorter runs: a 7-point
# shift is almost impossible below 15 points (it needs exactly 7 points on each side).
RUN_SHIFT_LENGTH = 6
RUN_TREND_LENGTH = 5
# The largest size a value or a target may have. A trillion is far beyond any NHS measure (the
# NHS England budget is about 2 × 10^11 pounds) and keeps every sum, moving range and limit of
# 500 points finite and exact to well under a unit, so nothing can overflow or become inf.
MAX_ABS_VALUE = 1e12
MAX_ABS_VALUE_TEXT = "1,000,000,000,000"

# Which signal decides a point's kind when its signals point different ways.
PLOT_THE_DOTS = "plot_the_dots"  # outside limits, then trend, two of three, shift (0.2.2)
LEVEL_FIRST = "level_first"  # outside limits, shift, two of three, then trend
PRECEDENCES = (PLOT_THE_DOTS, LEVEL_FIRST)
DEFAULT_PRECEDENCE = PLOT_THE_DOTS

XMR_RULE_SET = (
    "NHS Making Data Count XmR rules (2.66 and 1.77 × average moving range; "
    "moving ranges not screened)"
)
XMR_SCREENED_RULE_SET = (
    "NHS Making Data Count XmR rules (2.66 and 1.77 × average moving range; "
    "moving ranges screened: those of 3.267 × the average or more left out)"
)
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

# The order in which each precedence lets a point's signals decide its side (and so its kind).
# Outside the limits, shift and two of three all say which side of the centre line the point
# is on, so they never disagree with each other; only a trend can point the other way (a
# falling run still above the mean). NHSRplotthedots 0.2.2 ranks the trend above two of three
# and shift (its point type: outside limits, 7-point trend, 2 in 3, 7 on one side), so a
# falling run shows as falling however high it sits. LEVEL_FIRST (this project's order
# until it followed 0.2.2) shows where the point sits instead.
_RANKING = {
    PLOT_THE_DOTS: (OUTSIDE_LIMITS, TREND, TWO_OF_THREE, SHIFT),
    LEVEL_FIRST: (OUTSIDE_LIMITS, SHIFT, TWO_OF_THREE, TREND),
}


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
    # With screening: the points whose moving range (from the point before) was left out.
    screened_out: tuple[int, ...] = ()

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
    change_points: tuple[int, ...]  # the change points the limits were recalculated from
    skipped_change_points: tuple[int, ...]  # changes given but not recalculated from
    screen_moving_ranges: bool
    precedence: str
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

    @property
    def changes(self) -> tuple[int, ...]:
        """Every change point given, recalculated from or not, in time order."""
        return tuple(sorted((*self.change_points, *self.skipped_change_points)))


def analyse_series(
    points: Iterable[tuple[str, float]],
    direction: str,
    change_points: Iterable[int] | None = (),
    target: float | None = None,
    screen_moving_ranges: bool = False,
    precedence: str = DEFAULT_PRECEDENCE,
) -> SPCResult:
    """Analyse (label, value) pairs in time order; see the module docstring for the rules.

    `direction` is "up" or "down" (which way is improvement) or "neither". `change_points`
    holds the index of the first point after each change (any order; repeats count once).
    `screen_moving_ranges` leaves out moving ranges of 3.267 × mR-bar or more before the
    limits are set. `precedence` (PLOT_THE_DOTS or LEVEL_FIRST) decides a point's kind when
    its signals disagree. Raises ValueError on bad input.
    """
    labels, values = _validate_points(points)
    direction = _validate_direction(direction)
    change_points = _validate_change_points(change_points, len(values))
    target = _validate_target(target)
    if not isinstance(screen_moving_ranges, bool):
        raise ValueError(
            f"screen_moving_ranges must be True or False, not {screen_moving_ranges!r}"
        )
    if precedence not in PRECEDENCES:
        raise ValueError(f"precedence must be one of {', '.join(PRECEDENCES)}, not {precedence!r}")

    chart_type = XMR if len(values) >= MIN_POINTS_FOR_XMR else RUN
    notes: list[str] = []
    if chart_type == RUN:
        notes.append(RUN_CHART_NOTE)
    bounds, used, skipped = _segment_bounds(chart_type, labels, change_points, notes)

    segments: list[Segment] = []
    point_signals: list[list[Signal]] = [[] for _ in values]
    moving_ranges: list[float | None] = [None] * len(values)
    for index, (start, end) in enumerate(bounds):
        segment_values = values[start:end]
        if chart_type == XMR:
            segment = _xmr_segment(index, start, end, segment_values, screen_moving_ranges)
            found = _xmr_signals(segment_values, segment)
            # Moving ranges stay inside a segment: the jump across a change is not one.
            for offset in range(1, len(segment_values)):
                moving_ranges[start + offset] = abs(
                    segment_values[offset] - segment_values[offset - 1]
                )
            notes.extend(_segment_notes(segment, labels, segment_values, len(bounds)))
        else:
            segment = Segment(index, start, end, statistics.median(segment_values), "median")
            found = _run_chart_signals(segment_values, segment.centre)
        segments.append(segment)
        for offset, signal in found:
            point_signals[start + offset].append(signal)

    segment_of = [s.index for s in segments for _ in range(s.start, s.end)]
    chart_points = tuple(
        _chart_point(
            i,
            labels[i],
            values[i],
            segment_of[i],
            moving_ranges[i],
            point_signals[i],
            direction,
            precedence,
        )
        for i in range(len(values))
    )
    variation, variation_text, variation_note = _variation(chart_points, segments[-1], chart_type)
    if variation_note:
        notes.append(variation_note)
    assurance = _assurance(chart_type, direction, target, segments)
    if chart_type == RUN:
        rule_set = RUN_CHART_RULE_SET
    else:
        rule_set = XMR_SCREENED_RULE_SET if screen_moving_ranges else XMR_RULE_SET
    return SPCResult(
        chart_type=chart_type,
        rule_set=rule_set,
        direction=direction,
        target=target,
        change_points=used,
        skipped_change_points=skipped,
        screen_moving_ranges=screen_moving_ranges,
        precedence=precedence,
        segments=tuple(segments),
        points=chart_points,
        variation=variation,
        variation_label=VARIATION_LABELS[variation],
        variation_text=variation_text,
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
    if not math.isfinite(value):
        return str(value)
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
    except OverflowError:  # an integer too large for a float
        raise ValueError(
            f"{what} is too large: it must be between -{MAX_ABS_VALUE_TEXT} and "
            f"{MAX_ABS_VALUE_TEXT}"
        ) from None
    if not math.isfinite(number):
        raise ValueError(f"{what} must be a finite number, not {value!r}")
    if abs(number) > MAX_ABS_VALUE:
        raise ValueError(
            f"{what} is too large: it must be between -{MAX_ABS_VALUE_TEXT} and "
            f"{MAX_ABS_VALUE_TEXT}, not {number:g}"
        )
    return number


def _validate_direction(direction: str) -> str:
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}")
    return direction


def _validate_change_points(change_points: Iterable[int] | None, count: int) -> tuple[int, ...]:
    if change_points is None:
        return ()
    if isinstance(change_points, str | bytes | int):
        raise ValueError(f"change_points must be a list of point indices, not {change_points!r}")
    try:
        given = list(change_points)
    except TypeError:
        raise ValueError(
            f"change_points must be a list of point indices, not {change_points!r}"
        ) from None
    for change_point in given:
        if isinstance(change_point, bool) or not isinstance(change_point, int):
            raise ValueError(f"change_points must hold point indices, not {change_point!r}")
        if not 0 < change_point < count:
            raise ValueError(
                f"each of change_points must be between 1 and {count - 1} (the index of the "
                f"first point after a change), not {change_point}"
            )
    return tuple(sorted(set(given)))


def _validate_target(target: float | None) -> float | None:
    return None if target is None else _finite_number(target, "target")


# --- segments and limits -----------------------------------------------------------------


def _segment_bounds(
    chart_type: str, labels: Sequence[str], change_points: Sequence[int], notes: list[str]
) -> tuple[list[tuple[int, int]], tuple[int, ...], tuple[int, ...]]:
    """The (start, end) of each segment, the change points used and those skipped.

    Change points are taken in time order; one is used when at least MIN_POINTS_PER_SEGMENT
    points lie between it and the last one used (or the start) and from it to the end. Taking
    the earliest that fits keeps as many recalculations as the data allows, and every segment
    then has at least MIN_POINTS_PER_SEGMENT points: the next one used is at least that far on.
    """
    count = len(labels)
    if not change_points:
        return [(0, count)], (), ()
    if chart_type == RUN:
        where = _and_list([f"the change at {labels[c]}" for c in change_points])
        notes.append(
            f"The median was not recalculated at {where}: recalculating needs an XmR chart "
            f"with at least {MIN_POINTS_PER_SEGMENT} points before and after each change."
        )
        return [(0, count)], (), tuple(change_points)
    used: list[int] = []
    starts = {}  # each change point -> the start of the segment it falls in
    start = 0
    for change_point in change_points:
        starts[change_point] = start
        if (
            change_point - start >= MIN_POINTS_PER_SEGMENT
            and count - change_point >= MIN_POINTS_PER_SEGMENT
        ):
            used.append(change_point)
            start = change_point
    edges = [0, *used, count]
    for change_point in change_points:
        start = starts[change_point]
        before = change_point - start
        since = "before it" if start == 0 else f"since the change at {labels[start]}"
        where = f"the change at {labels[change_point]}"
        if change_point in used:
            end = edges[edges.index(change_point) + 1]
            until = "from it on" if end == count else f"up to the change at {labels[end]}"
            notes.append(
                f"The limits were recalculated from {where}: {before} points {since} and "
                f"{end - change_point} {until}."
            )
        else:
            whole = ", so one set of limits covers all the points" if not used else ""
            notes.append(
                f"The limits were not recalculated at {where}: each part needs at least "
                f"{MIN_POINTS_PER_SEGMENT} points, but there are {before} {since} and "
                f"{count - change_point} from it on{whole}."
            )
    bounds = list(zip(edges, edges[1:], strict=False))
    skipped = tuple(c for c in change_points if c not in used)
    return bounds, tuple(used), skipped


def _and_list(items: Sequence[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _xmr_segment(
    index: int, start: int, end: int, values: Sequence[float], screen: bool
) -> Segment:
    mean = math.fsum(values) / len(values)
    moving_ranges = [abs(b - a) for a, b in zip(values, values[1:], strict=False)]
    mr_bar = math.fsum(moving_ranges) / len(moving_ranges) if moving_ranges else 0.0
    screened_out: tuple[int, ...] = ()
    if screen and mr_bar > 0:
        # Once, as NHSRplotthedots does: ranges at or above the cut-off found with every
        # range are left out, and the average of the rest is not screened again. At least
        # one range is at or below its average, so something is always left.
        cutoff = SCREEN_FACTOR * mr_bar
        kept = [mr for mr in moving_ranges if mr < cutoff]
        screened_out = tuple(
            start + offset + 1 for offset, mr in enumerate(moving_ranges) if mr >= cutoff
        )
        mr_bar = math.fsum(kept) / len(kept)
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
        screened_out=screened_out,
    )


def _segment_notes(
    segment: Segment, labels: Sequence[str], values: Sequence[float], segments: int
) -> list[str]:
    """What a reader needs told about one XmR segment's limits."""
    notes = []
    span = f"from {labels[segment.start]} to {labels[segment.end - 1]}"
    where = f" {span}" if segments > 1 else ""
    if segment.screened_out:
        count = len(segment.screened_out)
        ranges = "moving range" if count == 1 else "moving ranges"
        shown = [labels[i] for i in segment.screened_out[:5]]
        if count > 5:
            shown.append(f"{count - 5} more")
        notes.append(
            f"Screening left out {count} {ranges} of {SCREEN_FACTOR} × the average or more "
            f"(the {'jump' if count == 1 else 'jumps'} into {_and_list(shown)}) before the "
            f"limits{where} were calculated."
        )
    if max(values) == min(values):
        notes.append(f"Every value {span} is the same, so the process limits sit on the mean.")
    elif segment.mr_bar == 0:
        notes.append(
            f"Once screened, every moving range left{where} is 0, so the process limits sit on "
            "the mean."
        )
    return notes


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
    precedence: str,
) -> ChartPoint:
    side = _point_side(signals, precedence)
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


def _point_side(signals: Sequence[Signal], precedence: str) -> str | None:
    for rule in _RANKING[precedence]:
        sides = [signal.side for signal in signals if signal.rule == rule]
        if sides:
            # Only a trend can appear twice: the top (or bottom) of a rise that then falls.
            # The later trend is the way the process is heading, as in NHSRplotthedots.
            return sides[-1]
    return None


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
) -> tuple[str, str, str | None]:
    """The variation summary (code, words) and a note, by the Making Data Count icon rule.

    The latest point decides: when it is part of a signal, that signal's kind is the
    variation; otherwise it is common cause, as the icon shows. An earlier signal in the
    latest segment does not decide (the process may have settled since) but is worth saying:
    it comes back as the note, None when there is nothing to add.
    """
    segment_points = points[latest_segment.start : latest_segment.end]
    latest = segment_points[-1]
    if latest.is_special_cause:
        code = _VARIATION_FOR_KIND[latest.kind]
        label = VARIATION_LABELS[code]
        reasons = describe_signals(latest, chart_type)
        text = f"the latest point ({latest.label}) is {reasons}."
        return code, f"{label[0].upper()}{label[1:]}: {text}", None
    flagged = [point for point in segment_points if point.is_special_cause]
    if not flagged:
        where = "since the limits were recalculated" if latest_segment.index else "in the data"
        rules = "special-cause rules" if chart_type == XMR else "run-chart rules (shift or trend)"
        return (
            COMMON_CAUSE,
            f"Common cause variation: no point {where} meets the {rules}, so the variation "
            "looks like the process's usual ups and downs.",
            None,
        )
    recent = flagged[-1]
    recent_label = VARIATION_LABELS[_VARIATION_FOR_KIND[recent.kind]]
    return (
        COMMON_CAUSE,
        f"Common cause variation: the latest point ({latest.label}) is not part of a signal, "
        "so, as on the Making Data Count icon, the variation is read as common cause.",
        f"The most recent signal, at {recent.label}, was {recent_label}: "
        f"{describe_signals(recent, chart_type)}.",
    )


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
