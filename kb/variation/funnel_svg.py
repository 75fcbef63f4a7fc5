"""A funnel plot as an accessible SVG, and the words that say what it shows.

Drawn from a `kb.variation.funnel.FunnelResult` only: no database, no Django. Like the SPC
charts (kb/measurement/charts.py) it uses presentation attributes rather than a stylesheet (the
site's CSP allows no inline styles), NHS colours, a <title> and a <desc> that carries the
summary, and every organisation as a point with its own <title> (a tooltip and a name for
assistive technology). The page shows the same data as a table beside it; the picture is never
the only way to read it.

- x: the denominator (the expected count for a standardised ratio), from 0 to the largest;
- y: the value on the plotted scale (a percentage, a rate per N, or a ratio);
- the national value as a solid line; the 95 % limits dashed and the 99.8 % limits solid,
  curving in as denominators grow; limits are clipped to the plot where they run off it;
- organisations within the 95 % limits as grey circles, between 95 % and 99.8 % as open blue
  diamonds, beyond 99.8 % as filled dark blue squares; one organisation can be picked out
  (`highlight`) in NHS warm yellow with its name beside it.
"""

from __future__ import annotations

import math
from html import escape

from .funnel import FunnelResult

FONT_FAMILY = "Arial, Helvetica, sans-serif"
TEXT_COLOUR = "#231F20"
AXIS_COLOUR = "#425563"
TARGET_COLOUR = "#231F20"
LIMIT_95_COLOUR = "#768692"
LIMIT_998_COLOUR = "#425563"
WITHIN_COLOUR = "#768692"
OUTSIDE_COLOUR = "#005EB8"
BEYOND_COLOUR = "#003087"
HIGHLIGHT_COLOUR = "#FFB81C"

BAND_WORDS = {
    "above_998": "above the upper 99.8 % limit",
    "above_95": "above the upper 95 % limit (within 99.8 %)",
    "within": "within the 95 % limits",
    "below_95": "below the lower 95 % limit (within 99.8 %)",
    "below_998": "below the lower 99.8 % limit",
}

_LEFT, _RIGHT, _TOP, _BOTTOM = 72, 24, 24, 100


def number(value: float) -> str:
    """A value as the page writes it: up to three significant decimals, no trailing zeros."""
    if value is None or not math.isfinite(value):
        return "–"
    if abs(value) >= 100:
        text = f"{value:,.1f}"
    elif abs(value) >= 1:
        text = f"{value:,.2f}"
    else:
        text = f"{value:.3f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def describe_funnel(
    result: FunnelResult, unit: str = "", better: str = "", centre: str = "national value"
) -> str:
    """One paragraph: how many organisations sit beyond each limit, and how the limits were made.

    `better` ("higher" or "lower") adds which side is the worse one; `centre` names the value
    the limits are drawn around (a peer group's own, rather than the national value).
    """
    counts = result.counts()
    total = len(result.points)
    suffix = "%" if unit == "%" else (f" {unit}" if unit else "")
    parts = [f"{total} organisation{'s' if total != 1 else ''}; {centre} "
             f"{number(result.target)}{suffix}."]  # fmt: skip
    beyond = []
    for band in ("above_998", "above_95", "below_95", "below_998"):
        if counts[band]:
            noun = "organisation is" if counts[band] == 1 else "organisations are"
            beyond.append(f"{counts[band]} {noun} {BAND_WORDS[band]}")
    if beyond:
        parts.append("; ".join(beyond).capitalize() + ".")
    else:
        parts.append("Every organisation is within the 95 % limits.")
    if better in ("higher", "lower"):
        worse = "below" if better == "higher" else "above"
        parts.append(f"{'Higher' if better == 'higher' else 'Lower'} is better, so {worse} the "
                     "limits is the worse side.")  # fmt: skip
    if result.adjusted:
        parts.append(
            f"Limits are widened for overdispersion (phi {number(result.phi)}, tau² "
            f"{number(result.tau2)}): {result.method}."
        )
    else:
        parts.append(f"Limits are not adjusted for overdispersion (phi {number(result.phi)}).")
    return " ".join(parts)


class _Scale:
    def __init__(self, result: FunnelResult, width: int, height: int):
        self.width, self.height = width, height
        xs = [p.denominator for p in result.points]
        ys = [p.value for p in result.points] + [result.target]
        self.x_max = max(xs) * 1.04 or 1.0
        low, high = min(ys), max(ys)
        # Room for the limits at the smaller organisations, but never so much that the points
        # crowd into a strip: at most the points' own span again on each side.
        span = (high - low) or abs(result.target) or 1.0
        smallest = result.limits_at(min(xs))
        low = max(min(low, smallest.lower_998), low - span)
        high = min(max(high, smallest.upper_998), high + span)
        if result.data_type == "proportion":
            low, high = max(low, 0.0), min(high, result.multiplier)
        pad = (high - low) * 0.06 or 1.0
        self.y_min, self.y_max = low - pad, high + pad
        if result.data_type == "proportion" or low >= 0:
            self.y_min = max(self.y_min, 0.0)

    def x(self, value: float) -> float:
        return _LEFT + (self.width - _LEFT - _RIGHT) * value / self.x_max

    def y(self, value: float) -> float:
        plot = self.height - _TOP - _BOTTOM
        return _TOP + plot * (self.y_max - value) / (self.y_max - self.y_min)


def _ticks(low: float, high: float, count: int = 6) -> list[float]:
    span = high - low
    if span <= 0:
        return [low]
    raw = span / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int((high - first) / step) + 1)]


def _path(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(points))


def render_funnel_svg(
    result: FunnelResult,
    title: str,
    *,
    id_prefix: str = "funnel",
    unit: str = "",
    x_label: str = "Denominator",
    better: str = "",
    highlight: str | None = None,
    width: int = 720,
    height: int = 420,
) -> str:
    """The funnel plot as an <svg> string; all text in it is escaped."""
    prefix = "".join(c if c.isalnum() or c in "-_" else "-" for c in id_prefix) or "funnel"
    scale = _Scale(result, width, height)
    title_id, desc_id, clip_id = f"{prefix}-title", f"{prefix}-desc", f"{prefix}-clip"
    plot_w, plot_h = width - _LEFT - _RIGHT, height - _TOP - _BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{title_id} '
        f'{desc_id}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'font-family="{FONT_FAMILY}" font-size="12" class="funnel-plot">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(describe_funnel(result, unit, better))}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#FFFFFF"/>',
        f'<clipPath id="{clip_id}"><rect x="{_LEFT}" y="{_TOP}" width="{plot_w}" '
        f'height="{plot_h}"/></clipPath>',
    ]
    parts += _axes(scale, unit, x_label)
    curve = result.limit_curve()
    for attribute, colour, dash in (
        ("95", LIMIT_95_COLOUR, ' stroke-dasharray="6 4"'),
        ("998", LIMIT_998_COLOUR, ""),
    ):
        for side in ("lower", "upper"):
            line = [(scale.x(c.denominator), scale.y(getattr(c, f"{side}_{attribute}")))
                    for c in curve]  # fmt: skip
            parts.append(
                f'<path d="{_path(line)}" fill="none" stroke="{colour}" stroke-width="1.5"'
                f'{dash} clip-path="url(#{clip_id})"/>'
            )
    target_y = scale.y(result.target)
    parts.append(
        f'<line x1="{_LEFT}" y1="{target_y:.1f}" x2="{width - _RIGHT}" y2="{target_y:.1f}" '
        f'stroke="{TARGET_COLOUR}" stroke-width="1.5"/>'
    )
    highlighted = None
    for point in result.points:
        if point.name == highlight:
            highlighted = point
            continue
        parts.append(_point(point, scale.x(point.denominator), scale.y(point.value), unit))
    if highlighted is not None:
        x, y = scale.x(highlighted.denominator), scale.y(highlighted.value)
        parts.append(_point(highlighted, x, y, unit, colour=HIGHLIGHT_COLOUR, radius=7))
        anchor = "end" if x > width * 0.7 else "start"
        dx = -10 if anchor == "end" else 10
        parts.append(
            f'<text x="{x + dx:.1f}" y="{y - 8:.1f}" text-anchor="{anchor}" font-weight="bold" '
            f'fill="{TEXT_COLOUR}" stroke="#FFFFFF" stroke-width="3" paint-order="stroke">'
            f"{escape(highlighted.name)}</text>"
        )
    parts += _legend(width, height)
    parts.append("</svg>")
    return "\n".join(parts)


def _axes(scale: _Scale, unit: str, x_label: str) -> list[str]:
    width, height = scale.width, scale.height
    bottom = height - _BOTTOM
    parts = [
        f'<line x1="{_LEFT}" y1="{bottom}" x2="{width - _RIGHT}" y2="{bottom}" '
        f'stroke="{AXIS_COLOUR}"/>',
        f'<line x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{bottom}" stroke="{AXIS_COLOUR}"/>',
    ]
    for tick in _ticks(scale.y_min, scale.y_max):
        y = scale.y(tick)
        parts.append(f'<line x1="{_LEFT - 4}" y1="{y:.1f}" x2="{_LEFT}" y2="{y:.1f}" '
                     f'stroke="{AXIS_COLOUR}"/>')  # fmt: skip
        parts.append(f'<text x="{_LEFT - 8}" y="{y + 4:.1f}" text-anchor="end" '
                     f'fill="{TEXT_COLOUR}">{escape(number(tick))}</text>')  # fmt: skip
    for tick in _ticks(0, scale.x_max):
        x = scale.x(tick)
        parts.append(f'<line x1="{x:.1f}" y1="{bottom}" x2="{x:.1f}" y2="{bottom + 4}" '
                     f'stroke="{AXIS_COLOUR}"/>')  # fmt: skip
        parts.append(f'<text x="{x:.1f}" y="{bottom + 18}" text-anchor="middle" '
                     f'fill="{TEXT_COLOUR}">{escape(number(tick))}</text>')  # fmt: skip
    parts.append(f'<text x="{(_LEFT + width - _RIGHT) / 2:.1f}" y="{bottom + 38}" '
                 f'text-anchor="middle" fill="{TEXT_COLOUR}">{escape(x_label)}</text>')  # fmt: skip
    if unit:
        mid = (_TOP + bottom) / 2
        parts.append(f'<text x="16" y="{mid:.1f}" text-anchor="middle" fill="{TEXT_COLOUR}" '
                     f'transform="rotate(-90 16 {mid:.1f})">{escape(unit)}</text>')  # fmt: skip
    return parts


def _point(point, x, y, unit, colour=None, radius=4.5) -> str:
    suffix = "%" if unit == "%" else (f" {unit}" if unit else "")
    tooltip = (f"{point.name}: {number(point.value)}{suffix} "
               f"({number(point.numerator)} of {number(point.denominator)}), "
               f"{BAND_WORDS[point.band]}")  # fmt: skip
    label = f"<title>{escape(tooltip)}</title>"
    if colour is not None:
        return (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="{colour}" '
                f'stroke="{TEXT_COLOUR}" stroke-width="1.5">{label}</circle>')  # fmt: skip
    if point.band in ("above_998", "below_998"):
        size = 9
        return (f'<rect x="{x - size / 2:.1f}" y="{y - size / 2:.1f}" width="{size}" '
                f'height="{size}" fill="{BEYOND_COLOUR}">{label}</rect>')  # fmt: skip
    if point.band in ("above_95", "below_95"):
        r = 6
        diamond = (
            f"M{x:.1f},{y - r:.1f} L{x + r:.1f},{y:.1f} L{x:.1f},{y + r:.1f} L{x - r:.1f},{y:.1f} Z"
        )
        return (f'<path d="{diamond}" fill="#FFFFFF" stroke="{OUTSIDE_COLOUR}" '
                f'stroke-width="2">{label}</path>')  # fmt: skip
    return (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="{WITHIN_COLOUR}" '
            f'fill-opacity="0.8">{label}</circle>')  # fmt: skip


def _legend(width: int, height: int) -> list[str]:
    items = [
        ("line", TARGET_COLOUR, "", "National value"),
        ("line", LIMIT_95_COLOUR, ' stroke-dasharray="6 4"', "95 % limits"),
        ("line", LIMIT_998_COLOUR, "", "99.8 % limits"),
        ("dot", WITHIN_COLOUR, "", "Within 95 %"),
        ("diamond", OUTSIDE_COLOUR, "", "Beyond 95 %"),
        ("square", BEYOND_COLOUR, "", "Beyond 99.8 %"),
    ]
    parts = []
    for number_, (kind, colour, dash, text) in enumerate(items):
        if number_ % 3 == 0:  # two rows of three
            x, y = _LEFT, height - (40 if number_ == 0 else 18)
        if kind == "line":
            parts.append(f'<line x1="{x}" y1="{y}" x2="{x + 22}" y2="{y}" stroke="{colour}" '
                         f'stroke-width="1.5"{dash}/>')  # fmt: skip
        elif kind == "dot":
            parts.append(f'<circle cx="{x + 11}" cy="{y}" r="4.5" fill="{colour}"/>')
        elif kind == "diamond":
            shape = f"M{x + 11},{y - 6} L{x + 17},{y} L{x + 11},{y + 6} L{x + 5},{y} Z"
            parts.append(f'<path d="{shape}" fill="#FFFFFF" stroke="{colour}" stroke-width="2"/>')
        else:
            parts.append(f'<rect x="{x + 6.5}" y="{y - 4.5}" width="9" height="9" '
                         f'fill="{colour}"/>')  # fmt: skip
        parts.append(f'<text x="{x + 28}" y="{y + 4}" fill="{TEXT_COLOUR}">{escape(text)}</text>')
        x += 28 + len(text) * 6.4 + 24
    return parts
