"""Getting a busy team's numbers into a measure: one value, two pasted columns, or a file.

Every way in ends in `merge`: the new points are added to the series by date (a period already
there takes the new value), the whole series is checked by kb.measurement's `validate_series`
(the one place that says what a series may hold) and then saved, so the chart is redrawn.

A project's periods are dates, so its PDSA cycles can be placed on the charts: a day ("6 Jan
2025", "06/01/2025", "2025-01-06") or a month ("Jan 2025"), stored in that readable form.
"""

import csv
import datetime
import io

from kb.measurement.points import MAX_POINTS, SeriesDataError, parse_points_text, validate_series

MAX_UPLOAD_BYTES = 2_000_000
MAX_UPLOAD_ROWS = MAX_POINTS + 1
_DAY_FORMATS = ("%d %b %Y", "%d %B %Y", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")
_MONTH_FORMATS = ("%b %Y", "%B %Y", "%m/%Y", "%Y-%m")


def read_period(text):
    """(date, label) for a period as typed; label is how it is stored. None if not a date."""
    text = " ".join(str(text or "").split())
    for formats, label_format in ((_DAY_FORMATS, "%-d %b %Y"), (_MONTH_FORMATS, "%b %Y")):
        for pattern in formats:
            try:
                day = datetime.datetime.strptime(text, pattern).date()  # noqa: DTZ007
            except ValueError:
                continue
            if not 1900 <= day.year <= 2200:
                return None
            return day, day.strftime(label_format)
    return None


def dated_points(points, where="line"):
    """[[label, value]] with every label read as a date and written in the stored form; in date
    order. SeriesDataError names the first period that is not a date."""
    found = {}
    for number, (label, value) in enumerate(points, start=1):
        period = read_period(label)
        if period is None:
            raise SeriesDataError(
                "points",
                f"{where} {number}: enter the period as a date, like 6 Jan 2025, 06/01/2025 or "
                f"Jan 2025 (not {str(label)[:40]!r})",
            )
        found[period[0]] = [period[1], value]
    return [found[day] for day in sorted(found)]


def merge(measure, new_points):
    """Add `new_points` ([[label, value]], labels already dated) to the measure's series and
    check the result; returns the points to store. Raises SeriesDataError."""
    by_day = {}
    for label, value in list(measure.points or []) + list(new_points):
        period = read_period(label)
        key = period[0] if period else label
        by_day[key] = [period[1] if period else label, value]
    ordered = [by_day[key] for key in sorted(by_day, key=_sort_key)]
    valid = validate_series(ordered, measure.change_at, measure.target, measure.direction)
    return valid["points"]


def _sort_key(key):
    # Dates in order; any older label that is not a date (there should be none) first.
    return (1, key) if isinstance(key, datetime.date) else (0, datetime.date.min)


def points_from_paste(text):
    return dated_points(parse_points_text(text))


def points_from_upload(upload):
    """The points in an uploaded CSV or Excel (.xlsx) file: its first two columns, a header row
    allowed. SeriesDataError with a message for the person who chose the file."""
    name = (upload.name or "").lower()
    if upload.size > MAX_UPLOAD_BYTES:
        raise SeriesDataError("points", "The file must be smaller than 2 MB")
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(upload)
    elif name.endswith((".csv", ".txt")):
        rows = _csv_rows(upload)
    else:
        raise SeriesDataError("points", "The file must be a CSV or an Excel (.xlsx) file")
    lines = []
    for row in rows:
        cells = ["" if cell is None else cell for cell in row[:2]]
        if not any(str(cell).strip() for cell in cells):
            continue
        if len(cells) < 2:
            cells.append("")
        label, value = cells
        if isinstance(label, datetime.datetime | datetime.date):
            label = label.strftime("%d/%m/%Y")
        lines.append(f"{_cell(label)}\t{_cell(value)}")
        if len(lines) > MAX_UPLOAD_ROWS:
            raise SeriesDataError("points", f"A series can have at most {MAX_POINTS} points")
    if not lines:
        raise SeriesDataError("points", "The file has no rows of data")
    return dated_points(parse_points_text("\n".join(lines)), where="row")


def _cell(value):
    return " ".join(str(value).replace("\t", " ").split())


def _csv_rows(upload):
    raw = upload.read(MAX_UPLOAD_BYTES + 1)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SeriesDataError("points", "The file could not be read as text")
    sample = text[:2000]
    delimiter = "\t" if "\t" in sample and "," not in sample else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))[: MAX_UPLOAD_ROWS + 2]


def _xlsx_rows(upload):
    # openpyxl reads the XML through defusedxml when it is installed (it is pinned), so a
    # crafted file cannot expand entities; read-only mode streams the first sheet's rows.
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 (openpyxl raises many kinds for a bad file)
        raise SeriesDataError("points", "The file could not be read as an Excel workbook") from None
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for row in sheet.iter_rows(max_col=2, values_only=True):
            rows.append(list(row))
            if len(rows) > MAX_UPLOAD_ROWS + 2:
                break
        return rows
    finally:
        workbook.close()
