"""Draw an analysed series (an SPCResult) as an accessible, printable SVG, and as table rows.

The SVG is built by hand rather than with a plotting library: the chart is a handful of
lines and markers, and building it ourselves lets every element carry the accessibility
the page needs (role="img" with <title> and <desc>, shapes as well as colours, a legend)
with no JavaScript, no fonts or stylesheets to fetch, and no heavy dependency. It uses
presentation attributes only (no <style>, no inline style), so it prints as it shows and
survives a strict Content Security Policy.

Colours follow NHS England "Making Data Count": blue for special cause improvement,
orange for concern, purple for special cause with no preferred direction, grey for common
cause. Colour is never the only cue (WCAG 1.4.1): improvement points are large ringed
circles, concern points squares, "neither" points diamonds and common cause small circles,
each named in the legend, in the point's own <title> and in the data table.

Markers (`Marker`) label moments on the chart, such as the start of each PDSA cycle: a numbered
flag on a dotted vertical line at a point, with a <title> for pointer users and a sentence each
in the chart's description, since a screen reader reads the chart as one image.

Every piece of caller text (title, labels) is escaped: labels may be typed by users. Values are
bounded (spc.MAX_ABS_VALUE) and the scale is worked out so that no coordinate can be inf or
NaN, and the axis has a bounded number of ticks however narrow the range of values.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from html import escape
from typing import NamedTuple

from kb.measurement.spc import (
    CONCERN,
    DOWN,
    IMPROVEMENT,
    NEUTRAL,
    UP,
    ChartPoint,
    SPCResult,
    describe_signals,
    format_number,
)

FONT_FAMILY = "Arial, Helvetica, sans-serif"
TEXT_COLOUR = "#231F20"  # NHS black
AXIS_COLOUR = "#425563"  # NHS dark grey
DATA_LINE_COLOUR = "#768692"  # NHS mid grey
TARGET_COLOUR = "#DA291C"  # NHS red, as the Making Data Count target line

# Per point kind: (CSS class suffix, legend text, fill, outline). The outlines are dark so
# every marker keeps at least 3:1 contrast against the white background (WCAG 1.4.11).
POINT_STYLES = {
    None: ("common-cause", "Common cause", "#A6A6A6", "#595959"),
    IMPROVEMENT: ("improvement", "Special cause improvement", "#41B6E6", "#003087"),
    CONCERN: ("concern", "Special cause concern", "#FFB81C", "#7A4A00"),
    NEUTRAL: ("neither", "Special cause (neither direction)", "#7030A0", "#3B1456"),
}
SIGNAL_WORDS = {
    IMPROVEMENT: "Special cause improvement",
    CONCERN: "Special cause concern",
    NEUTRAL: "Special cause (neither direction)",
}

# The version of what a chart looks like. Series store their drawn charts (kb.measurement.series)
# with it: change it whenever the SVG, the words or the table a page shows for a chart change,
# and each stored chart is drawn afresh when shown until its series is saved again.
CHART_VERSION = 2

_MARGIN_LEFT = 64
_MARGIN_RIGHT = 20
_MARGIN_TOP = 24
_MARGIN_BOTTOM = 92  # room for the period labels and two legend rows
_POINT_PADDING = 14  # keeps the first and last markers off the axes
_MAX_TICKS = 12
MARKER_COLOUR = "#003087"  # NHS dark blue: white text on it is well above 4.5:1
_FLAG_HEIGHT = 16


class Marker(NamedTuple):
    """A moment to mark on a chart: at point `index`, showing `label` (short: "1"), described
    by `text` ("PDSA cycle 1: Triage nurse at the front door")."""

    index: int
    label: str
    text: str


class DataTableRow(NamedTuple):
    """One row of the table that stands in for the chart: what a screen reader reads."""

    period: str
    value: str
    signal: str


def data_table_rows(result: SPCResult) -> list[DataTableRow]:
    """The chart as rows of (period, value, signal in words), one per point, in order.

    The strings are plain text: the template escapes them, as Django templates do.
    """
    return [
        DataTableRow(point.label, format_number(point.value), _signal_words(point, result))
        for point in result.points
    ]


def describe_chart(result: SPCResult, markers: Sequence[Marker] = ()) -> str:
    """What the chart shows, in words: used as the SVG's <desc> and usable as a caption.

    Markers (those at a point of the chart) are listed in order, each with its point's period.
    """
    points = result.points
    first, last = points[0].label, points[-1].label
    span = f"for {first}" if len(points) == 1 else f"from {first} to {last}"
    kind = "XmR statistical process control chart" if result.is_xmr else "Run chart"
    direction = {UP: "higher is better", DOWN: "lower is better"}.get(
        result.direction, "neither direction is better"
    )
    count = "1 point" if len(points) == 1 else f"{len(points)} points"
    sentences = [f"{kind} of {count} {span}; {direction}."]
    last = len(result.segments) - 1
    for segment in result.segments:
        where = ""
        if result.limits_recalculated:
            if segment.index == 0:
                where = f"Before the change at {points[segment.end].label}, "
            elif segment.index < last:
                where = (
                    f"From the change at {points[segment.start].label} until the change at "
                    f"{points[segment.end].label}, "
                )
            else:
                where = f"From the change at {points[segment.start].label}, "
        centre = f"{segment.centre_kind} {format_number(segment.centre)}"
        if result.is_xmr:
            limits = (
                f"process limits {format_number(segment.lower_limit)} "
                f"to {format_number(segment.upper_limit)} (dashed lines)"
            )
            text = f"centre line at the {centre}; {limits}."
        else:
            text = f"centre line at the {centre}; no process limits."
        sentences.append(f"{where}{text}" if where else text[0].upper() + text[1:])
    sentences.append(_special_cause_count(points))
    sentences.append(result.variation_text)
    if result.target is not None:
        sentences.append(f"Target {format_number(result.target)} (dash-dot line).")
        sentences.append(result.assurance_text)
    sentences.extend(result.notes)
    shown = _markers_in_range(result, markers)
    if shown:
        sentences.append(f"{len(shown)} marked {'event' if len(shown) == 1 else 'events'}:")
        sentences.extend(
            f"Marker {_sentence(marker.label)}, at {points[marker.index].label}: "
            f"{_sentence(marker.text)}."
            for marker in shown
        )
    return " ".join(sentences)


def render_chart_svg(
    result: SPCResult,
    title: str,
    *,
    id_prefix: str = "spc-chart",
    value_axis_label: str | None = None,
    width: int = 720,
    height: int = 360,
    markers: Sequence[Marker] = (),
) -> str:
    """The chart as an <svg> string. All text in it is escaped, so a template may mark it safe.

    `id_prefix` names the <title> and <desc> ids; give each chart on a page its own. `markers`
    are drawn at their points; one whose index is not a point of the chart is left out.
    """
    prefix = _safe_id(id_prefix)
    title_id, desc_id = f"{prefix}-title", f"{prefix}-desc"
    shown = _markers_in_range(result, markers)
    plot = _Plot(result, width, height, shown)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="{FONT_FAMILY}" font-size="12" '
        f'class="spc-chart spc-chart--{result.chart_type}">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(describe_chart(result, shown))}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#FFFFFF"/>',
        *plot.axes(value_axis_label),
        *plot.process_lines(),
        *plot.target_line(),
        *plot.change_line(),
        *plot.event_markers(),
        plot.data_line(),
        *plot.markers(),
        *plot.legend(),
        "</svg>",
    ]
    return "\n".join(parts)


# --- helpers -----------------------------------------------------------------------------


def _signal_words(point: ChartPoint, result: SPCResult) -> str:
    if not point.is_special_cause:
        return "Common cause"
    return f"{SIGNAL_WORDS[point.kind]}: {describe_signals(point, result.chart_type)}"


def _special_cause_count(points: tuple[ChartPoint, ...]) -> str:
    flagged = [point for point in points if point.is_special_cause]
    if not flagged:
        return "No points show special cause variation."
    counts = [
        f"{count} {word}"
        for kind, word in ((IMPROVEMENT, "improvement"), (CONCERN, "concern"), (NEUTRAL, "neither"))
        if (count := sum(point.kind == kind for point in flagged))
    ]
    verb = "shows" if len(flagged) == 1 else "show"
    return (
        f"{len(flagged)} of {len(points)} points {verb} special cause variation "
        f"({', '.join(counts)})."
    )


def _markers_in_range(result: SPCResult, markers: Sequence[Marker]) -> list[Marker]:
    """The markers at a point of the chart, in the order of their points (stable)."""
    count = len(result.points)
    shown = [
        Marker(*marker)
        for marker in markers or ()
        if isinstance(marker, tuple)
        and len(marker) == 3
        and isinstance(marker[0], int)
        and not isinstance(marker[0], bool)
        and 0 <= marker[0] < count
    ]
    return sorted(shown, key=lambda marker: marker.index)


def _sentence(text: object) -> str:
    return " ".join(str(text).split()).rstrip(".")


def _safe_id(id_prefix: str) -> str:
    # Ids go into attributes and aria references: keep them to letters, digits, - and _.
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", id_prefix).strip("-")
    return cleaned if cleaned[:1].isalpha() else f"spc-{cleaned}".rstrip("-")


def _nice_step(span: float, ticks: int) -> float:
    # span is finite and positive (see _Plot): the step is too.
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        if raw <= multiple * power:
            return multiple * power
    return 10 * power


def _number(value: float) -> str:
    # Coordinates: one decimal place is finer than a pixel and keeps the markup short.
    return f"{value:.1f}"


class _Plot:
    """Scales from data to SVG coordinates and draws each layer of the chart."""

    def __init__(self, result: SPCResult, width: int, height: int, markers: Sequence[Marker] = ()):
        self.result = result
        self.event_marks = list(markers)
        self.left = _MARGIN_LEFT
        self.right = width - _MARGIN_RIGHT
        self.top = _MARGIN_TOP
        self.bottom = height - _MARGIN_BOTTOM
        self.height = height
        values = [point.value for point in result.points]
        for segment in result.segments:
            values.append(segment.centre)
            if segment.upper_limit is not None:
                values.extend((segment.upper_limit, segment.lower_limit))
        if result.target is not None:
            values.append(result.target)
        # Analysed values are finite and bounded; this scale stays finite for any that are not.
        values = [value for value in values if math.isfinite(value)] or [0.0]
        low, high = min(values), max(values)
        size = max(abs(low), abs(high))
        if high == low:
            low, high = low - 1, high + 1
        elif high - low < 1e-9 * size:
            # A range narrower than floating point can tick through at this size (10^12 and a
            # fraction): widen it so each tick is a different number.
            middle, half = (low + high) / 2, 0.5e-9 * size
            low, high = middle - half, middle + half
        padding = (high - low) * 0.08
        self.low, self.high = low - padding, high + padding
        if not math.isfinite(self.high - self.low) or self.high <= self.low:
            self.low, self.high = -1.0, 1.0
        self.step = _nice_step(self.high - self.low, 5)
        self.ticks = self._ticks()
        # Room for the longest tick label (a trillion takes 18 characters) and the value axis
        # label beside it; never less than the usual margin, which fits five characters.
        longest = max((len(text) for _, text in self.ticks), default=0)
        self.left = max(_MARGIN_LEFT, round(30 + _text_width("0" * longest, 6.7)))

    def _ticks(self) -> list[tuple[float, str]]:
        """(value, label) of each tick: at most _MAX_TICKS, counted rather than stepped through,
        so no rounding can keep the loop going."""
        first = math.ceil(self.low / self.step)
        ticks = []
        for count in range(_MAX_TICKS):
            tick = (first + count) * self.step
            if tick > self.high:
                break
            ticks.append((tick, format_number(round(tick, 10))))
        return ticks

    def x(self, index: int) -> float:
        count = len(self.result.points)
        if count == 1:
            return (self.left + self.right) / 2
        usable = self.right - self.left - 2 * _POINT_PADDING
        return self.left + _POINT_PADDING + index * usable / (count - 1)

    def y(self, value: float) -> float:
        share = (value - self.low) / (self.high - self.low)
        y = self.bottom - share * (self.bottom - self.top)
        # Every value drawn is within the scale; this only keeps a coordinate finite and near
        # the chart should a caller ever hand over an SPCResult built some other way.
        if not math.isfinite(y):
            return float(self.top if value > self.high else self.bottom)
        return min(max(y, -self.height), 2.0 * self.height)

    def axes(self, value_axis_label: str | None) -> list[str]:
        parts = ['<g class="spc-axes">']
        for tick, text in self.ticks:
            y = _number(self.y(tick))
            parts.append(
                f'<line x1="{self.left - 5}" y1="{y}" x2="{self.right}" y2="{y}" '
                f'stroke="#E8EDEE" stroke-width="1"/>'
            )
            parts.append(
                f'<text x="{self.left - 8}" y="{y}" text-anchor="end" '
                f'dominant-baseline="middle" fill="{TEXT_COLOUR}">'
                f"{escape(text)}</text>"
            )
        parts.append(
            f'<line x1="{self.left}" y1="{self.top}" x2="{self.left}" y2="{self.bottom}" '
            f'stroke="{AXIS_COLOUR}" stroke-width="1"/>'
        )
        parts.append(
            f'<line x1="{self.left}" y1="{self.bottom}" x2="{self.right}" y2="{self.bottom}" '
            f'stroke="{AXIS_COLOUR}" stroke-width="1"/>'
        )
        points = self.result.points
        label_y = self.bottom + 18
        parts.append(
            f'<text x="{_number(self.x(0))}" y="{label_y}" text-anchor="start" '
            f'fill="{TEXT_COLOUR}">{escape(points[0].label)}</text>'
        )
        if len(points) > 1:
            parts.append(
                f'<text x="{_number(self.x(len(points) - 1))}" y="{label_y}" text-anchor="end" '
                f'fill="{TEXT_COLOUR}">{escape(points[-1].label)}</text>'
            )
        if value_axis_label:
            middle = _number((self.top + self.bottom) / 2)
            parts.append(
                f'<text x="14" y="{middle}" text-anchor="middle" fill="{TEXT_COLOUR}" '
                f'transform="rotate(-90 14 {middle})">{escape(value_axis_label)}</text>'
            )
        parts.append("</g>")
        return parts

    def _segment_span(self, start: int, end: int) -> tuple[str, str]:
        # A lone point still gets a visible stub of centre line.
        stub = 6 if end - start == 1 else 0
        return _number(self.x(start) - stub), _number(self.x(end - 1) + stub)

    def process_lines(self) -> list[str]:
        parts = ['<g class="spc-process-lines">']
        for segment in self.result.segments:
            x1, x2 = self._segment_span(segment.start, segment.end)
            y = _number(self.y(segment.centre))
            parts.append(
                f'<line class="spc-centre-line" x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" '
                f'stroke="{TEXT_COLOUR}" stroke-width="1.5"/>'
            )
            if segment.upper_limit is None:
                continue
            for limit, name in ((segment.upper_limit, "upper"), (segment.lower_limit, "lower")):
                y = _number(self.y(limit))
                parts.append(
                    f'<line class="spc-limit spc-limit--{name}" x1="{x1}" y1="{y}" x2="{x2}" '
                    f'y2="{y}" stroke="{AXIS_COLOUR}" stroke-width="1.5" '
                    f'stroke-dasharray="6 4"/>'
                )
        parts.append("</g>")
        return parts

    def target_line(self) -> list[str]:
        if self.result.target is None:
            return []
        y = _number(self.y(self.result.target))
        return [
            f'<line class="spc-target" x1="{self.left}" y1="{y}" x2="{self.right}" y2="{y}" '
            f'stroke="{TARGET_COLOUR}" stroke-width="2" stroke-dasharray="10 3 2 3"/>'
        ]

    def change_line(self) -> list[str]:
        """A dotted line between the points either side of each change, labelled "Change"."""
        parts = []
        for change in self.result.changes:
            x = _number((self.x(change - 1) + self.x(change)) / 2)
            parts += [
                f'<line class="spc-change" x1="{x}" y1="{self.top}" x2="{x}" y2="{self.bottom}" '
                f'stroke="{AXIS_COLOUR}" stroke-width="1" stroke-dasharray="2 3"/>',
                f'<text x="{x}" y="{self.top - 8}" text-anchor="middle" fill="{TEXT_COLOUR}">'
                "Change</text>",
            ]
        return parts

    def event_markers(self) -> list[str]:
        """Each marker: a dashed line at its point and a numbered flag at the top of the plot.

        Flags that would overlap the one before drop a row (up to four rows, then start again
        at the top), so markers on neighbouring points stay readable."""
        if not self.event_marks:
            return []
        parts = ['<g class="spc-markers">']
        rows: list[float] = []  # the right edge of the last flag in each row
        for marker in self.event_marks:
            label = str(marker.label).strip()[:6]
            x = self.x(marker.index)
            width = max(_FLAG_HEIGHT, 8 + _text_width(label, 7.0))
            left = x - width / 2
            row = next((i for i, edge in enumerate(rows) if left > edge + 2), None)
            if row is None and len(rows) < 4:
                rows.append(0.0)
                row = len(rows) - 1
            elif row is None:
                row = 0
            rows[row] = left + width
            top = self.top + 2 + row * (_FLAG_HEIGHT + 3)
            words = f"{_sentence(marker.text)} ({self.result.points[marker.index].label})"
            parts.append(
                f'<g class="spc-marker" data-index="{marker.index}">'
                f"<title>{escape(words)}</title>"
                f'<line x1="{_number(x)}" y1="{_number(top + _FLAG_HEIGHT)}" x2="{_number(x)}" '
                f'y2="{self.bottom}" stroke="{MARKER_COLOUR}" stroke-width="1.5" '
                f'stroke-dasharray="4 3"/>'
                f'<rect x="{_number(left)}" y="{_number(top)}" width="{_number(width)}" '
                f'height="{_FLAG_HEIGHT}" rx="3" fill="{MARKER_COLOUR}" stroke="#FFFFFF" '
                f'stroke-width="1"/>'
                f'<text x="{_number(x)}" y="{_number(top + _FLAG_HEIGHT / 2)}" '
                f'text-anchor="middle" dominant-baseline="central" font-size="11" '
                f'font-weight="bold" fill="#FFFFFF">{escape(label)}</text>'
                "</g>"
            )
        parts.append("</g>")
        return parts

    def data_line(self) -> str:
        coordinates = " ".join(
            f"{_number(self.x(point.index))},{_number(self.y(point.value))}"
            for point in self.result.points
        )
        return (
            f'<polyline class="spc-data-line" points="{coordinates}" fill="none" '
            f'stroke="{DATA_LINE_COLOUR}" stroke-width="1.5"/>'
        )

    def markers(self) -> list[str]:
        parts = ['<g class="spc-points">']
        for point in self.result.points:
            name = escape(f"{point.label}: {format_number(point.value)}. ")
            words = escape(_signal_words(point, self.result))
            tooltip = f"<title>{name}{words}</title>"
            parts.append(_marker(point.kind, self.x(point.index), self.y(point.value), tooltip))
        parts.append("</g>")
        return parts

    def legend(self) -> list[str]:
        kinds = (
            [None, NEUTRAL]
            if self.result.direction not in (UP, DOWN)
            else [
                None,
                IMPROVEMENT,
                CONCERN,
            ]
        )
        row_one = self.bottom + 44
        row_two = self.bottom + 68
        parts = ['<g class="spc-legend">']
        x = 16.0
        for kind in kinds:
            label = POINT_STYLES[kind][1]
            parts.append(_marker(kind, x + 6, row_one, ""))
            parts.append(_legend_text(x + 18, row_one, label))
            x += 18 + _text_width(label) + 20
        x = 16.0
        centre_name = "Mean" if self.result.is_xmr else "Median"
        lines = [(centre_name, TEXT_COLOUR, "")]
        if self.result.is_xmr:
            lines.append(("Process limits", AXIS_COLOUR, ' stroke-dasharray="6 4"'))
        if self.result.target is not None:
            lines.append(("Target", TARGET_COLOUR, ' stroke-dasharray="10 3 2 3"'))
        if self.result.changes:
            lines.append(("Change made", AXIS_COLOUR, ' stroke-dasharray="2 3"'))
        if self.event_marks:
            lines.append(("Marked event (numbered)", MARKER_COLOUR, ' stroke-dasharray="4 3"'))
        for label, colour, dash in lines:
            parts.append(
                f'<line x1="{_number(x)}" y1="{row_two}" x2="{_number(x + 24)}" y2="{row_two}" '
                f'stroke="{colour}" stroke-width="2"{dash}/>'
            )
            parts.append(_legend_text(x + 30, row_two, label))
            x += 30 + _text_width(label) + 20
        parts.append("</g>")
        return parts


def _text_width(text: str, per_character: float = 6.2) -> float:
    # Arial at 12px averages about 6px a character; the legend only needs rough spacing.
    return len(text) * per_character


def _legend_text(x: float, y: float, text: str) -> str:
    return (
        f'<text x="{_number(x)}" y="{y}" dominant-baseline="middle" fill="{TEXT_COLOUR}">'
        f"{escape(text)}</text>"
    )


def _marker(kind: str | None, x: float, y: float, tooltip: str) -> str:
    """One point's marker: the shape, not just the colour, says what kind of point it is."""
    suffix, _, fill, outline = POINT_STYLES[kind]
    css = f"spc-point spc-point--{suffix}"
    cx, cy = _number(x), _number(y)
    if kind == IMPROVEMENT:
        return (
            f'<circle class="{css}" cx="{cx}" cy="{cy}" r="6" fill="{fill}" '
            f'stroke="{outline}" stroke-width="2">{tooltip}</circle>'
        )
    if kind == CONCERN:
        return (
            f'<rect class="{css}" x="{_number(x - 5.5)}" y="{_number(y - 5.5)}" width="11" '
            f'height="11" fill="{fill}" stroke="{outline}" stroke-width="1.5">{tooltip}</rect>'
        )
    if kind == NEUTRAL:
        diamond = " ".join(
            f"{_number(x + dx)},{_number(y + dy)}" for dx, dy in ((0, -7), (7, 0), (0, 7), (-7, 0))
        )
        return (
            f'<polygon class="{css}" points="{diamond}" fill="{fill}" stroke="{outline}" '
            f'stroke-width="1.5">{tooltip}</polygon>'
        )
    return (
        f'<circle class="{css}" cx="{cx}" cy="{cy}" r="3.5" fill="{fill}" '
        f'stroke="{outline}" stroke-width="1">{tooltip}</circle>'
    )
