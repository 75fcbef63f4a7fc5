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
  or a concern ("neither" when no direction is better). The variation summary only judges the
  latest segment, which after a sustained change is usually stable again: this comparison is
  what readers want from a before-and-after chart.
- A series' signal is "improvement" when its latest variation is special cause improvement or
  the change was an improvement; otherwise "concern" when either is a concern; otherwise "none".
- A page's signal is "improvement" when any of its series shows improvement, "none" when none
  does, and "" when it has no series.
"""

from . import spc

IMPROVEMENT = "improvement"
CONCERN = "concern"
NONE = "none"


def analyse(points, direction, change_at="", target=None):
    """The SPCResult for a series' points, or None if they cannot be analysed."""
    points = list(points or [])
    labels = [label for label, _ in points]
    change_at = (change_at or "").strip()
    change = labels.index(change_at) if change_at in labels else None
    try:
        return spc.analyse_series(points, direction, change_point=change or None, target=target)
    except ValueError:
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
    """After recalculated limits: did the change move the process beyond its old limits?

    Returns (code, words) with code "improvement", "concern", "neither" or "none"; None when the
    limits were not recalculated at a change.
    """
    if result is None or not result.limits_recalculated:
        return None
    before, after = result.segments[-2], result.segments[-1]
    change_at = (change_at or "").strip() or result.points[after.start].label
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
            f"Since the change at {change_at}, the mean ({number(after.centre)}{unit}) is "
            "within the previous process limits: no clear change in the process yet."
        )
    if result.direction == spc.NEITHER:
        code, words = spc.NEUTRAL, "a change"
    elif side == result.direction:
        code, words = IMPROVEMENT, "an improvement"
    else:
        code, words = CONCERN, "a deterioration"
    return code, (
        f"The change at {change_at} moved the process: the new mean "
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
