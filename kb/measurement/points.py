"""A measure's data points: read from pasted text, and one check of a whole series.

A series is stored as the structure it is: a list of [period, value] pairs, in time order.
Editors paste two spreadsheet columns into the admin and import files give a list or the same
pasted text; `parse_points_text` reads the text, naming the line it cannot read. Every way in
(the editor, the model and the Markdown import) then calls `validate_series`, the one place that
says what a series may hold. No Django here: callers turn `SeriesDataError` into their own errors.

Rules:

- A period is text of 1 to 40 characters; a value is a finite number no larger than 10^12 either
  way (spc.MAX_ABS_VALUE: beyond it the statistics could overflow). In text, a value may carry
  thousands separators and a trailing "%" ("1,200", "58%"), and cells are separated by a tab or
  (where the line has no tab) a comma; a first line whose value is not a number is a header.
- A series has 1 to 500 points.
- The change periods, when given, are periods of the data other than the first, in time order
  and each once: limits are recalculated from the first point after each change. Several are
  written separated by ";" ("Apr 2024; Apr 2025") or given as a list; a period that itself holds
  a ";" is read whole when the text is exactly that period. Stored as text joined by "; ", of
  at most MAX_CHANGE_AT characters.
- The target, when given, is a finite number within the same bound; the direction is up, down or
  neither.
"""

import csv
import io
import math
import unicodedata

from . import spc

MAX_POINTS = 500
MAX_LABEL = 40
MAX_CHANGE_AT = 200  # room for several periods ("Apr 2024; Apr 2025; ...")
CHANGE_SEPARATOR = ";"
_TOO_LARGE = (
    f"must be between -{spc.MAX_ABS_VALUE_TEXT} and {spc.MAX_ABS_VALUE_TEXT}: "
    "check for a typing slip or use a larger unit (thousands, millions)"
)


class SeriesDataError(ValueError):
    """A series that breaks a rule. `field` names the part at fault: "points", "change_at",
    "target" or "direction"; str(error) is the message for the person who typed it."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


def parse_points_text(text):
    """'Jan 2025, 58' lines -> [['Jan 2025', 58.0], ...]; SeriesDataError names the bad line."""
    points = []
    lines = [line for line in (text or "").splitlines() if line.strip()]
    if len(lines) > MAX_POINTS + 1:  # one line more for a header
        raise SeriesDataError("points", f"a series can have at most {MAX_POINTS} points")
    for number, line in enumerate(lines, start=1):
        delimiter = "\t" if "\t" in line else ","
        cells = next(csv.reader(io.StringIO(line), delimiter=delimiter, skipinitialspace=True))
        cells = [cell.strip() for cell in cells if cell.strip()]
        if len(cells) != 2:
            raise SeriesDataError(
                "points",
                f"line {number} should have a period and a value separated by a comma or tab: "
                f"{line.strip()[:60]!r}",
            )
        label, value = cells
        if number == 1 and _number_or_none(value) is None:
            continue  # a header line such as "Month, Four-hour %"
        points.append(_checked_point(label, value, f"line {number}"))
    if not points:
        raise SeriesDataError("points", _NO_DATA)
    return points


def points_text(points):
    """[[label, value], ...] -> the "period, value" lines editors see and edit in the admin.

    Read back by `parse_points_text` to the same points: a period holding a comma or a quote is
    quoted, and a value is written in full (no thousands separator, no rounding)."""
    return "\n".join(f"{_text_cell(label)}, {_text_number(value)}" for label, value in points or [])


def validate_series(points, change_at="", target=None, direction=spc.UP):
    """Check a whole series; return its parts cleaned, or raise SeriesDataError.

    `points` is a list of [period, value] pairs (values may be numbers or text such as "58%").
    `change_at` is text ("Apr 2024; Apr 2025") or a list of periods. Returns
    {"points": [[str, float], ...], "change_at": str, "target": float | None,
    "direction": str}, the values to store ("change_at" joined by "; ").
    """
    if direction not in spc.DIRECTIONS:
        raise SeriesDataError("direction", "the direction must be up, down or neither")
    if target is not None:
        if isinstance(target, bool) or not isinstance(target, int | float):
            raise SeriesDataError("target", "the target must be a number")
        try:
            target = float(target)
        except OverflowError:  # an integer too large for a float
            raise SeriesDataError("target", f"the target {_TOO_LARGE}") from None
        if not math.isfinite(target):
            raise SeriesDataError("target", "the target must be a finite number")
        if abs(target) > spc.MAX_ABS_VALUE:
            raise SeriesDataError("target", f"the target {_TOO_LARGE}")
    if not isinstance(points, list | tuple):
        raise SeriesDataError("points", "the data must be a list of [period, value] pairs")
    if not points:
        raise SeriesDataError("points", _NO_DATA)
    if len(points) > MAX_POINTS:
        raise SeriesDataError("points", f"a series can have at most {MAX_POINTS} points")
    cleaned = []
    for number, point in enumerate(points, start=1):
        if not isinstance(point, list | tuple) or len(point) != 2:
            raise SeriesDataError("points", f"point {number} should be a [period, value] pair")
        cleaned.append(_checked_point(*point, f"point {number}"))
    labels = [label for label, _ in cleaned]
    periods = _change_periods(change_at, labels)
    positions = {}
    for period in periods:
        if period not in labels:
            raise SeriesDataError(
                "change_at",
                f"the change period {period!r} is not in the data: copy it exactly from the data",
            )
        if period == labels[0]:
            raise SeriesDataError(
                "change_at",
                f"the change period {period!r} is the very first point: the change must come "
                "after at least one point",
            )
        if period in positions:
            raise SeriesDataError("change_at", f"the change period {period!r} is given twice")
        position = labels.index(period)
        earlier = [other for other, at in positions.items() if at > position]
        if earlier:
            raise SeriesDataError(
                "change_at",
                f"the change periods must be in time order: {period!r} comes before "
                f"{earlier[0]!r} in the data",
            )
        positions[period] = position
    change_at = f"{CHANGE_SEPARATOR} ".join(periods)
    if len(change_at) > MAX_CHANGE_AT:
        raise SeriesDataError(
            "change_at",
            f"the change periods are too long together: at most {MAX_CHANGE_AT} characters",
        )
    return {"points": cleaned, "change_at": change_at, "target": target, "direction": direction}


def change_indices(labels, change_at):
    """The index of the point each change period names, for spc.analyse_series.

    Lenient, for reading stored series: a period not in the data, or the first, is passed over
    (validate_series refuses them on the way in)."""
    labels = list(labels)
    found = []
    for period in _change_periods(change_at, labels):
        if period in labels and labels.index(period) > 0:
            found.append(labels.index(period))
    return found


_NO_DATA = "the series has no data: add one 'period, value' line per point"


def _change_periods(change_at, labels):
    """`change_at` as a list of periods. Text is split at ";" unless it is exactly one of the
    `labels` (a period holding a ";"); list items are periods as given. YAML may give a date or
    a number where a period was meant: each is read as the text written."""
    if change_at is None or change_at == "":
        return []
    if isinstance(change_at, list | tuple):
        items = [_period_text(item) for item in change_at]
    else:
        text = _period_text(change_at)
        items = [text] if text in labels else text.split(CHANGE_SEPARATOR)
    return [item.strip() for item in items if item.strip()]


def _period_text(value):
    if value is None or isinstance(value, bool):
        return ""
    return str(value)


def _checked_point(label, value, where):
    if not isinstance(label, str):
        raise SeriesDataError("points", f"{where}: the period must be text, not {label!r}")
    label = label.strip()
    if not label:
        raise SeriesDataError("points", f"{where}: the period is empty")
    if any(unicodedata.category(character) == "Cc" for character in label):
        # A tab or line break would split the line the editor sees; databases refuse a null.
        raise SeriesDataError(
            "points", f"{where}: the period holds a tab, line break or other control character"
        )
    if len(label) > MAX_LABEL:
        raise SeriesDataError(
            "points", f"{where}: the period is longer than {MAX_LABEL} characters"
        )
    number = _number_or_none(value)
    if number is None:
        raise SeriesDataError("points", f"{where}: {str(value)[:30]!r} is not a number")
    if math.isinf(number) and not _says_infinity(value):
        # A number too large for a float at all ("1e400", or a huge integer).
        raise SeriesDataError("points", f"{where} ({label}): the value {_TOO_LARGE}")
    if not math.isfinite(number):
        raise SeriesDataError("points", f"{where}: the value must be a finite number")
    if abs(number) > spc.MAX_ABS_VALUE:
        raise SeriesDataError("points", f"{where} ({label}): the value {_TOO_LARGE}")
    return [label, number]


def _says_infinity(value):
    if isinstance(value, float):
        return True
    return str(value).strip().lstrip("+-").lower().startswith("inf")


def _text_cell(label):
    label = str(label)
    return '"' + label.replace('"', '""') + '"' if "," in label or '"' in label else label


def _text_number(value):
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _number_or_none(value):
    """A cell's number ("1,200" and "58%" included), or None if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip().replace(",", "").rstrip("%")
    elif not isinstance(value, int | float):
        return None
    try:
        return float(value)
    except ValueError:
        return None
    except OverflowError:  # an integer too large for a float
        return math.inf
