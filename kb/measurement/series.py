"""Reading a measure's data as editors paste it, and the abstract model every series shares.

Editors paste two columns (period and value) straight from a spreadsheet: tab- or
comma-separated, one point a line, an optional header line. `parse_series_data` turns that into
(label, value) pairs or a clear error naming the line.
"""

import csv
import io
import math
from functools import cached_property

from django.core.exceptions import ValidationError
from django.db import models
from wagtail.admin.panels import FieldPanel, FieldRowPanel

from . import charts, spc

MAX_POINTS = 500
MAX_LABEL = 40


def parse_series_data(text):
    """'Jan 2025, 58' lines -> [('Jan 2025', 58.0), ...]; ValueError names the bad line."""
    points = []
    lines = [line for line in (text or "").splitlines() if line.strip()]
    if len(lines) > MAX_POINTS + 1:
        raise ValueError(f"a series can have at most {MAX_POINTS} points")
    for number, line in enumerate(lines, start=1):
        delimiter = "\t" if "\t" in line else ","
        cells = next(csv.reader(io.StringIO(line), delimiter=delimiter, skipinitialspace=True))
        cells = [cell.strip() for cell in cells if cell.strip()]
        if len(cells) != 2:
            raise ValueError(
                f"line {number} should have a period and a value separated by a comma or tab: "
                f"{line.strip()[:60]!r}"
            )
        label, raw_value = cells
        try:
            value = float(raw_value.replace(",", "").rstrip("%"))
        except ValueError:
            if number == 1 and not points:
                continue  # a header line such as "Month, Four-hour %"
            raise ValueError(f"line {number}: {raw_value[:30]!r} is not a number") from None
        if not math.isfinite(value):
            raise ValueError(f"line {number}: the value must be a finite number")
        if len(label) > MAX_LABEL:
            raise ValueError(f"line {number}: the period is longer than {MAX_LABEL} characters")
        points.append((label, value))
    if not points:
        raise ValueError("the series has no data: add one 'period, value' line per point")
    return points


def series_signal(series):
    """What a page's charts show: "improvement", "none" (no signal yet) or "" (no charts)."""
    series = list(series)
    if not series:
        return ""
    return "improvement" if any(s.shows_improvement for s in series) else "none"


def series_data_text(points):
    """[(label, value)] -> the text editors see in the admin."""
    return "\n".join(f"{label}, {spc.format_number(value)}" for label, value in points)


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
    data = models.TextField(
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

    # Checked for NHS numbers cell by cell: digits in neighbouring cells are not one number.
    patient_data_table_fields = ("data",)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("unit")]),
        FieldRowPanel([FieldPanel("direction"), FieldPanel("target"), FieldPanel("change_at")]),
        FieldPanel("data"),
    ]

    class Meta:
        abstract = True

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        try:
            points = parse_series_data(self.data)
        except ValueError as error:
            raise ValidationError({"data": str(error)}) from None
        if self.change_at and self.change_at.strip() not in [label for label, _ in points]:
            raise ValidationError(
                {"change_at": "This period is not in the data. Copy it exactly from the data."}
            )
        if self.change_at and self.change_at.strip() == points[0][0]:
            raise ValidationError({"change_at": "The change cannot be at the very first point."})
        if self.target is not None and not math.isfinite(self.target):
            raise ValidationError({"target": "The target must be a number."})

    @cached_property
    def points(self):
        try:
            return parse_series_data(self.data)
        except ValueError:
            return []

    @cached_property
    def analysis(self):
        """The SPC analysis, or None if the data cannot be read."""
        points = self.points
        if not points:
            return None
        labels = [label for label, _ in points]
        change = labels.index(self.change_at.strip()) if self.change_at.strip() in labels else None
        try:
            return spc.analyse_series(points, self.direction, change_point=change or None,
                                      target=self.target)  # fmt: skip
        except ValueError:
            return None

    @property
    def chart_svg(self):
        if self.analysis is None:
            return ""
        title = f"{self.name} ({self.unit})" if self.unit else self.name
        return charts.render_chart_svg(
            self.analysis, title, id_prefix=f"series-{self.pk or id(self)}",
            value_axis_label=self.unit or None,
        )  # fmt: skip

    @property
    def chart_description(self):
        return charts.describe_chart(self.analysis) if self.analysis else ""

    @property
    def table_rows(self):
        return charts.data_table_rows(self.analysis) if self.analysis else []

    @property
    def change_summary(self):
        """After recalculated limits: did the change move the process beyond its old limits?

        Returns (code, words): "improvement", "concern" or "none". The variation summary only
        judges the latest segment, which after a sustained change is usually stable again; this
        is the comparison readers want from a before-and-after chart.
        """
        result = self.analysis
        if result is None or not result.limits_recalculated:
            return None
        before, after = result.segments[-2], result.segments[-1]
        number, unit = spc.format_number, f" {self.unit}".rstrip() if self.unit != "%" else "%"
        if after.centre > before.upper_limit:
            side, limit = (
                "up",
                f"above the previous upper limit ({number(before.upper_limit)}{unit})",
            )
        elif after.centre < before.lower_limit:
            side, limit = (
                "down",
                f"below the previous lower limit ({number(before.lower_limit)}{unit})",
            )
        else:
            return "none", (
                f"Since the change at {self.change_at}, the mean ({number(after.centre)}{unit}) is "
                "within the previous process limits: no clear change in the process yet."
            )
        code = "neither" if self.direction == spc.NEITHER else (
            "improvement" if side == self.direction else "concern"
        )  # fmt: skip
        words = {"improvement": "an improvement", "concern": "a deterioration",
                 "neither": "a change"}[code]  # fmt: skip
        return code, (
            f"The change at {self.change_at} moved the process: the new mean "
            f"({number(after.centre)}{unit}) lies {limit}, {words} beyond common cause variation."
        )

    @property
    def shows_improvement(self):
        if self.analysis is None:
            return False
        if self.analysis.variation == spc.SPECIAL_CAUSE_IMPROVEMENT:
            return True
        change = self.change_summary
        return bool(change and change[0] == "improvement")
