"""What a series' chart says: the SPC analysis, its judgement in words, and the summary stored.

`analyse` runs the statistics (spc.py) on a series' points. `summarise` turns the result into
the small JSON-ready summary a series stores when it is saved, so listings and search read a
page's signal without analysing anything:

    {"chart_type": "xmr" | "run",
     "signal": "improvement" | "concern" | "none",
     "variation": one of spc's variation codes,
     "change": "improvement" | "concern" | "neither" | "none" | "" (no recalculated limits),
     "change_text": the change judged in words, or "",
     "summary": the sentence that says what the chart shows}

An empty dict means the points could not be analysed. Rules for the judgement:

- After a change with recalculated limits, the change moved the process when the new mean lies
  beyond the previous process limits; which side, with the direction, makes it an improvement
  or a concern ("neither" when no direction is better). With several recalculations the latest
  change is judged: the last segment against the one before it. The variation summary only
  judges the latest point (the Making Data Count icon), which after a sustained change is
  usually common cause again: this comparison is what readers want from a before-and-after
  chart, so a case study whose change moved the process still reports the improvement.
- A series' signal is "improvement" when its latest variation is special cause improvement or
  the change was an improvement; otherwise "concern" when either is a concern; otherwise "none".
- A page's signal is "improvement" when any of its series shows improvement, "none" when none
  does, and "" when it has no series.
"""

from . import spc
from .points import change_indices

IMPROVEMENT = "improvement"
CONCERN = "concern"
NONE = "none"


def analyse(
    points,
    direction,
    change_at="",
    target=None,
    screen_moving_ranges=False,
    precedence=spc.DEFAULT_PRECEDENCE,
):
    """The SPCResult for a series' points, or None if they cannot be analysed.

    `change_at` is the series' change periods: text with ";" between them, or a list. A period
    not in the data is passed over (validate_series refuses one on the way in)."""
    try:
        points = list(points or [])
        labels = [point[0] for point in points]
        return spc.analyse_series(
            points,
            direction,
            change_points=change_indices(labels, change_at),
            target=target,
            screen_moving_ranges=bool(screen_moving_ranges),
            precedence=precedence,
        )
    except (ValueError, TypeError, IndexError, KeyError):
        return None


def summarise(result, unit="", change_at=""):
    """The summary stored with a series (see the module docstring); {} for no result."""
    if result is None:
        return {}
    change = change_summary(result, unit, change_at)
    code, words = change or ("", "")
    if result.variation == spc.SPECIAL_CAUSE_IMPROVEMENT or code == IMPROVEMENT:
        signal = IMPROVEMENT
    elif result.variation == spc.SPECIAL_CAUSE_CONCERN or code == CONCERN:
        signal = CONCERN
    else:
        signal = NONE
    return {
        "chart_type": result.chart_type,
        "signal": signal,
        "variation": result.variation,
        "change": code,
        "change_text": words,
        "summary": words or result.variation_text,
    }


def change_summary(result, unit="", change_at=""):
    """After recalculated limits: did the latest change move the process beyond its old limits?

    Returns (code, words) with code "improvement", "concern", "neither" or "none"; None when the
    limits were not recalculated at a change. The words name the period the latest segment
    starts at; `change_at` (the series' change periods) is accepted for callers that pass it,
    but that period is always the one the limits were recalculated from.
    """
    if result is None or not result.limits_recalculated:
        return None
    before, after = result.segments[-2], result.segments[-1]
    change_at = result.points[after.start].label
    # With several recalculations, say which change is judged.
    change = f"{'latest ' if len(result.segments) > 2 else ''}change at {change_at}"
    number = spc.format_number
    unit = "%" if unit == "%" else f" {unit}".rstrip()
    if after.centre > before.upper_limit:
        side = spc.UP
        limit = f"above the previous upper limit ({number(before.upper_limit)}{unit})"
    elif after.centre < before.lower_limit:
        side = spc.DOWN
        limit = f"below the previous lower limit ({number(before.lower_limit)}{unit})"
    else:
        return NONE, (
            f"Since the {change}, the mean ({number(after.centre)}{unit}) is "
            "within the previous process limits: no clear change in the process yet."
        )
    if result.direction == spc.NEITHER:
        code, words = spc.NEUTRAL, "a change"
    elif side == result.direction:
        code, words = IMPROVEMENT, "an improvement"
    else:
        code, words = CONCERN, "a deterioration"
    return code, (
        f"The {change} moved the process: the new mean "
        f"({number(after.centre)}{unit}) lies {limit}, {words} beyond common cause variation."
    )


def page_signal(summaries):
    """A page's signal from its series' stored summaries (see the module docstring)."""
    summaries = list(summaries)
    if not summaries:
        return ""
    if any((summary or {}).get("signal") == IMPROVEMENT for summary in summaries):
        return IMPROVEMENT
    return NONE
