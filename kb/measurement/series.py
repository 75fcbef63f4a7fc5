"""The abstract model every measure series shares: its points, checked once, analysed on save.

A series stores its points as a JSON list of [period, value] pairs (`points.py` holds the
rules) and, each time it is saved, the summary of its SPC analysis (`analysis.py`), so listings
and search read a page's signal without running any statistics, and everything its page shows
for it (`stored_chart`: the SVG chart, what it shows in words and the data table), so serving
the page runs no statistics and draws nothing. The stored chart carries a key of what it was
drawn from; when the series in hand differs (a preview of unsaved edits), or the drawing code
has changed since (`charts.CHART_VERSION`), the chart is drawn when shown instead.
"""

import hashlib
import json
from functools import cached_property

from django.core.exceptions import ValidationError
from django.db import models
from wagtail.admin.panels import FieldPanel, FieldRowPanel

from . import analysis, charts, spc
from .fields import SeriesPointsField
from .points import MAX_CHANGE_AT, SeriesDataError, validate_series

# Everything the analysis is drawn from: saving any of them stores the analysis again.
SERIES_FIELDS = ("points", "change_at", "target", "direction", "screen_moving_ranges")
# Everything a stored chart is drawn from, besides the series' id (its SVG's ids name it).
CHART_FIELDS = (*SERIES_FIELDS, "name", "unit")
# What a field a migration's historical model may not have yet reads as: its default.
_FIELD_DEFAULTS = {"screen_moving_ranges": False}


def chart_key(series):
    """What a series' chart is drawn from, and by which version of the drawing code, in short.
    Numbers count as floats, as the database gives them back."""
    fields = (getattr(series, f, _FIELD_DEFAULTS.get(f)) for f in CHART_FIELDS)
    inputs = [charts.CHART_VERSION, series.pk, *fields]
    text = json.dumps(_floats(inputs), separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _floats(value):
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list | tuple):
        return [_floats(item) for item in value]
    return value


def draw_chart(series, result):
    """What a series stores in `stored_chart`: its chart and the words and table shown with it,
    drawn from `result` (its SPC analysis; None when the points cannot be analysed, and then
    only the key is stored). Reads only the series' fields, so a migration's model will do."""
    stored = {"key": chart_key(series)}
    if result is None:
        return stored
    summary = analysis.summarise(result, series.unit, series.change_at)
    title = f"{series.name} ({series.unit})" if series.unit else series.name
    svg = charts.render_chart_svg(
        result, title, id_prefix=f"series-{series.pk or id(series)}",
        value_axis_label=series.unit or None,
    )  # fmt: skip
    return stored | {
        "svg": svg,
        "change": summary["change"],
        "change_text": summary["change_text"],
        "variation_label": result.variation_label,
        "variation_text": result.variation_text,
        "assurance": result.assurance,
        "assurance_label": result.assurance_label,
        "assurance_text": result.assurance_text,
        "rule_set": result.rule_set,
        "notes": list(result.notes),
        "rows": [list(row) for row in charts.data_table_rows(result)],
    }


def series_signal(series):
    """What a page's charts show: "improvement", "none" (no signal yet) or "" (no charts).

    Reads each series' stored analysis: nothing is analysed here."""
    return analysis.page_signal(s.analysis for s in series)


class MeasureSeriesBase(models.Model):
    """A measure tracked over time, drawn as an XmR (SPC) or run chart."""

    DIRECTIONS = [
        (spc.UP, "Higher is better"),
        (spc.DOWN, "Lower is better"),
        (spc.NEITHER, "Neither (no better direction)"),
    ]

    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=40, blank=True, help_text='For example "%" or "minutes".')
    direction = models.CharField(
        "improvement direction", max_length=10, choices=DIRECTIONS, default=spc.UP
    )
    target = models.FloatField(null=True, blank=True)
    points = SeriesPointsField(
        "data",
        help_text="One point a line: the period and the value, separated by a comma or a tab "
        "(paste two columns from a spreadsheet). For example: Jan 2025, 58. Fewer than 15 "
        "points are shown as a run chart.",
    )
    change_at = models.CharField(
        "change made at",
        max_length=MAX_CHANGE_AT,
        blank=True,
        help_text="The period of the first point after each change, exactly as in the data; "
        'separate several with a semicolon, in time order (for example "Apr 2024; Apr 2025"). '
        "Limits are recalculated from each one that leaves at least 12 points on both sides.",
    )
    screen_moving_ranges = models.BooleanField(
        "screen out large moving ranges",
        default=False,
        help_text="Leave out moving ranges (the jumps between one point and the next) of 3.267 "
        "times their average or more before calculating the process limits, so a one-off jump "
        "does not widen them. Off by default, as in the Making Data Count tools; NHS-R's plot "
        "the dots screens by default. The chart says which was used.",
    )
    # Filled on save from the points: see kb.measurement.analysis for what it holds.
    analysis = models.JSONField(default=dict, blank=True, editable=False)
    # Filled on save: what the page shows for the series (`draw_chart`). Left out of revisions:
    # it is drawn again whenever the series is saved.
    stored_chart = models.JSONField(default=dict, blank=True, editable=False, serialize=False)

    # The editor sends the points as pasted "period, value" lines: the patient data guard reads
    # them cell by cell, since digits in neighbouring cells are not one number.
    patient_data_table_fields = ("points",)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("unit")]),
        FieldRowPanel([FieldPanel("direction"), FieldPanel("target"), FieldPanel("change_at")]),
        FieldPanel("points"),
        FieldPanel("screen_moving_ranges"),
    ]

    class Meta:
        abstract = True

    def __str__(self):
        return self.name

    def clean_fields(self, exclude=None):
        """Each field, then the series as a whole (`validate_series`).

        The whole-series check runs here rather than in clean() because only here do we know
        which fields were not read (a form's field error, or excluded): checking a change period
        against points the editor's paste failed to replace would add a misleading error.
        """
        errors = {}
        try:
            super().clean_fields(exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        unread = set(exclude or ()) | set(errors)
        if not unread.intersection(SERIES_FIELDS):
            try:
                valid = validate_series(self.points, self.change_at, self.target, self.direction)
            except SeriesDataError as error:
                errors[error.field] = [error.message]
            else:
                self.points, self.change_at = valid["points"], valid["change_at"]
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.__dict__.pop("spc_result", None)  # analyse the points as they are now
        self.analysis = self.drawn_analysis
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and set(update_fields) & {*SERIES_FIELDS, "unit"}:
            kwargs["update_fields"] = {*update_fields, "analysis"}
        redraw = update_fields is None or bool(set(update_fields) & set(CHART_FIELDS))
        if redraw and self.pk is not None:
            self.stored_chart = self.drawn_chart
            if update_fields is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "stored_chart"}
        super().save(*args, **kwargs)
        if redraw and self.stored_chart.get("key") != chart_key(self):
            # A new series has its id only now, and its chart's SVG ids name it.
            self.stored_chart = self.drawn_chart
            type(self)._base_manager.filter(pk=self.pk).update(stored_chart=self.stored_chart)

    @cached_property
    def spc_result(self):
        """The full SPC analysis of the points, for drawing; None if they cannot be read."""
        return analysis.analyse(
            self.points,
            self.direction,
            self.change_at,
            self.target,
            screen_moving_ranges=self.screen_moving_ranges,
        )

    @property
    def drawn_analysis(self):
        """The summary of the analysis drawn now: what `analysis` stores once saved. A preview
        shows unsaved edits, so the page's own chart reads this rather than the stored copy."""
        return analysis.summarise(self.spc_result, self.unit, self.change_at)

    @property
    def drawn_chart(self):
        """What `stored_chart` holds once saved, drawn now."""
        return draw_chart(self, self.spc_result)

    @property
    def chart(self):
        """What the page shows for the series: the chart stored when it was saved if that was
        drawn from the series as it is now, else drawn now. None when the points cannot be
        read. Keys: svg, change and change_text (the change judged), variation_label and
        variation_text, assurance, assurance_label and assurance_text (against the target),
        rule_set, notes, and rows (charts.DataTableRow, the data as a table)."""
        shown = self.stored_chart
        if not shown or shown.get("key") != chart_key(self):
            shown = self.drawn_chart
        if "svg" not in shown:
            return None
        return shown | {"rows": [charts.DataTableRow(*row) for row in shown["rows"]]}

    @property
    def chart_svg(self):
        chart = self.chart
        return chart["svg"] if chart else ""

    @property
    def chart_description(self):
        return charts.describe_chart(self.spc_result) if self.spc_result else ""

    @property
    def table_rows(self):
        return charts.data_table_rows(self.spc_result) if self.spc_result else []
