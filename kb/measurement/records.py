"""A measure series as plain data, for machines: the page API and the open-data export.

One shape wherever a series leaves the site, so an analyst who reads both sees the same keys:

- what the editor gave: `name`, `unit`, `direction` ("up", "down" or "neither": which way is
  better), `target` (or null), `change_at` (the periods the limits were recalculated from, as a
  list), `screen_moving_ranges`, and `points` as `[{"period", "value"}]` in time order;
- the judgement stored when the series was saved (`analysis.summarise`): `chart_type` ("xmr" or
  "run"), `signal` ("improvement", "concern" or "none"), `variation`, `change` and `summary`
  (the words the page shows);
- with `limits=True`, the chart's segments: for each, the first and last period, the mean (or
  the median of a run chart) and the process limits (null on a run chart). This runs the SPC
  analysis, so bulk exports that only need the judgement leave it off.
"""

from kb.core.api_fields import ReadOnlyField

from .points import CHANGE_SEPARATOR

SUMMARY_KEYS = ("chart_type", "signal", "variation", "change", "summary")


def change_periods(text):
    return [period.strip() for period in (text or "").split(CHANGE_SEPARATOR) if period.strip()]


def series_record(series, limits=False):
    """The series as a dict of JSON-ready values (see the module docstring)."""
    stored = series.analysis or {}
    record = {
        "name": series.name,
        "unit": series.unit,
        "direction": series.direction,
        "target": series.target,
        "change_at": change_periods(series.change_at),
        "screen_moving_ranges": bool(series.screen_moving_ranges),
        "points": [{"period": period, "value": value} for period, value in series.points or ()],
    }
    record |= {key: stored.get(key, "") for key in SUMMARY_KEYS}
    if limits:
        result = series.spc_result
        record["segments"] = [
            {
                "first_period": result.points[segment.start].label,
                "last_period": result.points[segment.end - 1].label,
                "centre": segment.centre,
                "centre_kind": segment.centre_kind,
                "lower_limit": segment.lower_limit,
                "upper_limit": segment.upper_limit,
            }
            for segment in (result.segments if result else ())
        ]
    return record


class SeriesField(ReadOnlyField):
    """The page API's measure series: each with its SPC judgement and limits."""

    def to_representation(self, series):
        return [series_record(item, limits=True) for item in series.all()]
