"""The abstract model every measure series shares: its points, checked once, analysed on save.

A series stores its points as a JSON list of [period, value] pairs (`points.py` holds the
rules) and, each time it is saved, the summary of its SPC analysis (`analysis.py`), so listings
and search read a page's signal without running any statistics. The page itself still draws the
chart from the points when it is shown, analysing each series once per render.
"""

from functools import cached_property

from django.core.exceptions import ValidationError
from django.db import models
from wagtail.admin.panels import FieldPanel, FieldRowPanel

from . import analysis, charts, spc
from .fields import SeriesPointsField
from .points import MAX_LABEL, SeriesDataError, validate_series

SERIES_FIELDS = ("points", "change_at", "target", "direction")


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
        max_length=MAX_LABEL,
        blank=True,
        help_text="The period of the first point after the change, exactly as in the data. "
        "Limits are recalculated from there when both parts have at least 12 points.",
    )
    # Filled on save from the points: see kb.measurement.analysis for what it holds.
    analysis = models.JSONField(default=dict, blank=True, editable=False)

    # The editor sends the points as pasted "period, value" lines: the patient data guard reads
    # them cell by cell, since digits in neighbouring cells are not one number.
    patient_data_table_fields = ("points",)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("unit")]),
        FieldRowPanel([FieldPanel("direction"), FieldPanel("target"), FieldPanel("change_at")]),
        FieldPanel("points"),
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
        super().save(*args, **kwargs)

    @cached_property
    def spc_result(self):
        """The full SPC analysis of the points, for drawing; None if they cannot be read."""
        return analysis.analyse(self.points, self.direction, self.change_at, self.target)

    @property
    def drawn_analysis(self):
        """The summary of the analysis drawn now: what `analysis` stores once saved. A preview
        shows unsaved edits, so the page's own chart reads this rather than the stored copy."""
        return analysis.summarise(self.spc_result, self.unit, self.change_at)

    @property
    def chart_svg(self):
        if self.spc_result is None:
            return ""
        title = f"{self.name} ({self.unit})" if self.unit else self.name
        return charts.render_chart_svg(
            self.spc_result, title, id_prefix=f"series-{self.pk or id(self)}",
            value_axis_label=self.unit or None,
        )  # fmt: skip

    @property
    def chart_description(self):
        return charts.describe_chart(self.spc_result) if self.spc_result else ""

    @property
    def table_rows(self):
        return charts.data_table_rows(self.spc_result) if self.spc_result else []
