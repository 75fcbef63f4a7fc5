"""A driver diagram: the aim, its primary drivers, their secondary drivers and the change ideas
to test, as a nested list.

Teams edit it as indented lines (two spaces, or a tab, a level; a leading "-", "*" or "•" is
allowed), which reads like the diagram on a whiteboard:

    Patients are assessed soon after they arrive
      Senior review at the front door
        Consultant in triage from 10am to 10pm

It is stored as [{"text": ..., "children": [...]}] three levels deep, and drawn as an SVG tree
(`render_svg`) that the page shows next to the same tree as a nested list.
"""

import re
import textwrap
from dataclasses import dataclass
from html import escape

LEVELS = ("primary driver", "secondary driver", "change idea")
MAX_NODES = 200
MAX_TEXT = 300
_BULLET = re.compile(r"^[-*•]\s*")


class DriverDiagramError(ValueError):
    """A line that cannot be read, with a message that names it."""


def parse(text):
    """The nested list from indented lines; DriverDiagramError naming the line if it cannot be
    read. Blank lines are skipped."""
    roots, stack, count = [], [], 0
    for number, raw in enumerate(str(text or "").replace("\r\n", "\n").split("\n"), start=1):
        if not raw.strip():
            continue
        expanded = raw.replace("\t", "  ")
        indent = len(expanded) - len(expanded.lstrip(" "))
        depth = indent // 2
        line = _BULLET.sub("", expanded.strip()).strip()
        if not line:
            continue
        if depth >= len(LEVELS):
            raise DriverDiagramError(
                f"Line {number} is indented too far: a diagram has three levels (primary "
                "drivers, secondary drivers and change ideas)"
            )
        if depth > len(stack):
            above = LEVELS[depth - 1] if depth else ""
            raise DriverDiagramError(
                f"Line {number} is indented under no {above or 'line'}: indent each line by "
                "two spaces more than the line it belongs to"
            )
        if len(line) > MAX_TEXT:
            raise DriverDiagramError(
                f"Line {number} is too long: keep each driver or change idea to {MAX_TEXT} "
                "characters or fewer"
            )
        count += 1
        if count > MAX_NODES:
            raise DriverDiagramError(f"A driver diagram can have at most {MAX_NODES} lines")
        node = {"text": line, "children": []}
        del stack[depth:]
        (stack[-1]["children"] if stack else roots).append(node)
        stack.append(node)
    return roots


def as_text(nodes):
    """The indented lines `parse` reads back to the same nodes."""
    lines = []

    def walk(items, depth):
        for item in items or []:
            lines.append("  " * depth + item["text"])
            walk(item.get("children"), depth + 1)

    walk(nodes, 0)
    return "\n".join(lines)


def count_change_ideas(nodes):
    return sum(
        len(secondary.get("children") or [])
        for primary in nodes or []
        for secondary in primary.get("children") or []
    )


# --- drawing -----------------------------------------------------------------------------------
BOX_WIDTH = 190
COLUMN_GAP = 36
LINE_HEIGHT = 16
WRAP = 26
PAD = 8
ROW_GAP = 10
COLUMN_CLASSES = ("aim", "primary", "secondary", "change")
# Presentation attributes only (no <style>: the site's Content Security Policy), in NHS colours:
# the aim dark blue with white text, then lighter boxes left to right, each with a dark outline.
COLUMN_FILLS = ("#005EB8", "#E8EDEE", "#F0F4F5", "#FFFFFF")
COLUMN_TEXT = ("#FFFFFF", "#231F20", "#231F20", "#231F20")
OUTLINE = "#425563"
FONT = 'font-family="Arial, Helvetica, sans-serif" font-size="13"'
COLUMN_HEADINGS = ("Aim", "Primary drivers", "Secondary drivers", "Change ideas")


@dataclass
class _Box:
    column: int
    lines: list
    top: float = 0.0
    children: list = None


def _wrap(text):
    return textwrap.wrap(text, WRAP, break_long_words=True) or [""]


def render_svg(aim, nodes, id_prefix="drivers"):
    """The diagram as an SVG tree: the aim on the left, then one column a level, each box joined
    to the boxes it leads to. Every box is as tall as the tallest, so rows line up. Returns
    "" when there are no drivers."""
    if not nodes:
        return ""

    def build(items, column):
        return [
            _Box(column, _wrap(item["text"]), children=build(item.get("children"), column + 1))
            for item in items
        ]

    aim_box = _Box(0, _wrap(aim or "Aim"), children=build(nodes, 1))
    boxes = []

    def collect(box):
        boxes.append(box)
        for child in box.children:
            collect(child)

    collect(aim_box)
    height = max(len(box.lines) for box in boxes) * LINE_HEIGHT + 2 * PAD
    slot = height + ROW_GAP
    next_row = [0]

    def place(box):
        # Leaves take the next row; a parent sits level with the middle of its children.
        if not box.children:
            box.top = next_row[0] * slot
            next_row[0] += 1
            return
        for child in box.children:
            place(child)
        box.top = (box.children[0].top + box.children[-1].top) / 2

    place(aim_box)
    heading_height = 28
    width = 4 * BOX_WIDTH + 3 * COLUMN_GAP
    total = heading_height + next_row[0] * slot
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="kb-driver-diagram" '
        f'viewBox="0 0 {width} {total:.0f}" width="100%" role="img" '
        f'aria-labelledby="{id_prefix}-title">',
        f'<title id="{id_prefix}-title">Driver diagram: {escape(aim or "")} — the same diagram '
        "follows as a list</title>",
    ]
    for column, heading in enumerate(COLUMN_HEADINGS):
        x = column * (BOX_WIDTH + COLUMN_GAP)
        parts.append(
            f'<text class="kb-driver-diagram__heading" x="{x}" y="16" {FONT} font-weight="bold" '
            f'fill="#231F20">{heading}</text>'
        )

    def draw(box):
        x = box.column * (BOX_WIDTH + COLUMN_GAP)
        y = heading_height + box.top
        kind = COLUMN_CLASSES[box.column]
        parts.append(
            f'<g class="kb-driver-diagram__box kb-driver-diagram__box--{kind}">'
            f'<rect x="{x}" y="{y:.1f}" width="{BOX_WIDTH}" height="{height}" rx="4" '
            f'fill="{COLUMN_FILLS[box.column]}" stroke="{OUTLINE}" stroke-width="1"/>'
        )
        for number, line in enumerate(box.lines):
            baseline = y + PAD + (number + 0.8) * LINE_HEIGHT
            parts.append(
                f'<text x="{x + PAD}" y="{baseline:.1f}" {FONT} '
                f'fill="{COLUMN_TEXT[box.column]}">{escape(line)}</text>'
            )
        parts.append("</g>")
        for child in box.children:
            start_x, start_y = x + BOX_WIDTH, y + height / 2
            end_x = child.column * (BOX_WIDTH + COLUMN_GAP)
            end_y = heading_height + child.top + height / 2
            middle = start_x + COLUMN_GAP / 2
            parts.append(
                f'<path class="kb-driver-diagram__link" d="M{start_x} {start_y:.1f} '
                f'H{middle} V{end_y:.1f} H{end_x}" fill="none" stroke="{OUTLINE}" '
                'stroke-width="1.5"/>'
            )
            draw(child)

    draw(aim_box)
    parts.append("</svg>")
    return "".join(parts)
