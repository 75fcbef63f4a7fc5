"""Measure series: turn the pasted text in `data` into `points`, and store each analysis.

Every idea series, and every saved revision of an idea page (so drafts still open in the editor
with their data), gets `points` read from its "period, value" lines by a copy of the parsing rules
as they stood (frozen here, not imported). Rows also get their `analysis`: the statistics come
from kb.measurement.spc (the maths, which this must agree with), the summary's shape and wording
are frozen here. Unapplying writes the points back as text.
"""

import csv
import io
import math

from django.db import migrations

# The statistics themselves are live code on purpose: the stored analysis must agree with the
# maths that draws the chart. Only the summary's shape and wording are frozen below.
from kb.measurement import spc

APP_LABEL, SERIES_MODEL, PAGE_MODEL = "ideas", "IdeaSeries", "ideapage"

MAX_POINTS = 500
MAX_LABEL = 40


def parse_series_data(text):
    """The text parser as it stood: 'Jan 2025, 58' lines -> [('Jan 2025', 58.0), ...];
    ValueError names the bad line."""
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


def text_to_points(text):
    """The stored text as [[period, value], ...]: every point the old parser read.

    Text the parser refused (saved behind the editor's back) keeps the lines it can read one
    at a time. One known case is repaired: the Markdown import wrote values of 1,000 or more
    with a thousands separator after a comma ("Jan 2025, 1,200"), which split into three cells;
    such a line is read as its period and everything after the first comma.
    """
    try:
        return [[label, value] for label, value in parse_series_data(text)]
    except ValueError:
        pass
    points = []
    for line in (text or "").splitlines():
        try:
            (label, value), *_ = parse_series_data(line)
        except ValueError:
            label, _comma, rest = line.partition(",")
            try:
                (label, value), *_ = parse_series_data(f"{label.strip()}\t{rest.strip()}")
            except ValueError:
                continue  # a header, or a line nothing can be made of
        points.append([label, value])
    return points[:MAX_POINTS]


def points_to_text(points):
    """Back to "period, value" lines the old parser reads (for unapplying)."""
    lines = []
    for label, value in points or []:
        if "," in label or '"' in label:
            label = '"' + label.replace('"', '""') + '"'
        value = float(value)
        number = str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
        lines.append(f"{label}, {number}")
    return "\n".join(lines)


def summarise(points, direction, change_at, target, unit):
    """The analysis a series stores (the shape kb.measurement.analysis gives), as it stood."""
    labels = [label for label, _ in points]
    change_at = (change_at or "").strip()
    change = labels.index(change_at) if change_at in labels else None
    try:
        result = spc.analyse_series(points, direction, [change] if change else (), target=target)
    except ValueError:
        return {}
    code, words = "", ""
    if result.limits_recalculated:
        before, after = result.segments[-2], result.segments[-1]
        number = spc.format_number
        shown = "%" if unit == "%" else f" {unit}".rstrip()
        mean = f"{number(after.centre)}{shown}"
        upper, lower = number(before.upper_limit), number(before.lower_limit)
        if after.centre > before.upper_limit:
            side, limit = "up", f"above the previous upper limit ({upper}{shown})"
        elif after.centre < before.lower_limit:
            side, limit = "down", f"below the previous lower limit ({lower}{shown})"
        else:
            side, limit = None, ""
            code, words = (
                "none",
                (
                    f"Since the change at {change_at}, the mean ({mean}) is within the previous "
                    "process limits: no clear change in the process yet."
                ),
            )
        if side is not None:
            if direction == "neither":
                code, kind = "neither", "a change"
            elif side == direction:
                code, kind = "improvement", "an improvement"
            else:
                code, kind = "concern", "a deterioration"
            words = (
                f"The change at {change_at} moved the process: the new mean ({mean}) lies "
                f"{limit}, {kind} beyond common cause variation."
            )
    if result.variation == "special_cause_improvement" or code == "improvement":
        signal = "improvement"
    elif result.variation == "special_cause_concern" or code == "concern":
        signal = "concern"
    else:
        signal = "none"
    return {
        "chart_type": result.chart_type,
        "signal": signal,
        "variation": result.variation,
        "change": code,
        "change_text": words,
        "summary": words or result.variation_text,
    }


def _revisions(apps):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Revision = apps.get_model("wagtailcore", "Revision")
    content_type = ContentType.objects.filter(app_label=APP_LABEL, model=PAGE_MODEL).first()
    if content_type is None:
        return Revision.objects.none()
    return Revision.objects.filter(content_type_id=content_type.pk).only("pk", "content")


def _rewrite_revisions(apps, convert):
    Revision = apps.get_model("wagtailcore", "Revision")
    for revision in _revisions(apps).iterator(chunk_size=200):
        content = revision.content
        series = content.get("series") if isinstance(content, dict) else None
        if not isinstance(series, list):
            continue
        if any([convert(item) for item in series if isinstance(item, dict)]):
            Revision.objects.filter(pk=revision.pk).update(content=content)


def forwards(apps, schema_editor):
    Series = apps.get_model(APP_LABEL, SERIES_MODEL)
    for series in Series.objects.order_by("pk").iterator(chunk_size=200):
        series.points = text_to_points(series.data)
        series.analysis = summarise(
            series.points, series.direction, series.change_at, series.target, series.unit
        )
        series.save(update_fields=["points", "analysis"])

    def convert(item):
        if "data" not in item:
            return False
        item["points"] = text_to_points(item.pop("data"))
        return True

    _rewrite_revisions(apps, convert)


def backwards(apps, schema_editor):
    Series = apps.get_model(APP_LABEL, SERIES_MODEL)
    for series in Series.objects.order_by("pk").iterator(chunk_size=200):
        series.data = points_to_text(series.points)
        series.save(update_fields=["data"])

    def convert(item):
        if "points" not in item:
            return False
        item["data"] = points_to_text(item.pop("points"))
        item.pop("analysis", None)
        return True

    _rewrite_revisions(apps, convert)


class Migration(migrations.Migration):
    dependencies = [
        ("ideas", "0005_series_points"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
