"""Loading variation data from CSV: one importer behind the command, the admin upload and the demo.

Columns (any order, each exactly once, names case-insensitive):
`metric,metric_name,data_type,direction,ods_code,organisation,period,numerator,denominator`.

Why it is built this way:

- **Whole or nothing.** Every row is parsed and checked first (in plain Python, with caches so
  a million rows cost little more than reading them); the checks against what is stored come
  next; only a file with no error is written, in one transaction. All errors up to a cap are
  reported, each as `FILE:LINE: ...` (the header is line 1), so a file is fixed in one go.
- **Re-loading changes nothing.** Values are keyed on (metric, organisation, period); the stored
  ones are read back per metric and a row is inserted, updated or left alone, and counted so.
- **Fast.** Values are written with raw multi-row INSERTs and executemany UPDATEs, not model
  instances: a million rows load in well under a minute on SQLite (bench/variation_import.py).
- **Patient data.** Bulk writes bypass the pre_save backstop of `kb.core.stored_text`, so every
  distinct text cell (metric, names, ODS code) is put to the patient data guard here; a file
  holding an NHS number is refused, naming the line but never the number.
- **One page-cache purge.** Organisations are created with bulk_create (no per-row signals)
  and the page cache is purged once after a successful load.
"""

from __future__ import annotations

import csv
import io
import math
import operator
import re
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils.text import slugify
from wagtail.search import index as search_index

from kb.core import page_cache
from kb.core.patient_data import contains_nhs_number
from kb.taxonomy.models import Organisation

from .models import Metric, MetricValue
from .periods import parse_period
from .sizes import recompute_size_bands

COLUMNS = (
    "metric",
    "metric_name",
    "data_type",
    "direction",
    "ods_code",
    "organisation",
    "period",
    "numerator",
    "denominator",
)
DATA_TYPES = tuple(Metric.DataType.values)
DIRECTIONS = tuple(Metric.Direction.values)
MAX_ERRORS = 50
MAX_NUMBER = 1e12  # the funnel refuses larger values; so does the import
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
INSERT_BATCH = 100  # rows per INSERT statement (7 parameters each: under SQLite's 999)

_SLUG = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*", re.ASCII)
_ODS = re.compile(r"[A-Z0-9]{1,10}", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SPACES = re.compile(r"\s+")
NHS_NUMBER_REFUSAL = (
    "the {column} cell holds an NHS number: remove it (KB never stores patient information)"
)


class ImportRefused(Exception):
    """The file was not loaded; `errors` says why, one `FILE:LINE: ...` message each."""

    def __init__(self, errors, truncated=False):
        self.errors = list(errors)
        self.truncated = truncated
        super().__init__("\n".join(self.errors))


@dataclass
class ImportResult:
    """What a successful load did."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    metrics_created: list[str] = field(default_factory=list)
    organisations_created: list[str] = field(default_factory=list)
    organisations_given_codes: list[str] = field(default_factory=list)

    def summary(self):
        parts = [
            f"{self.rows:,} rows: {self.created:,} created, {self.updated:,} updated, "
            f"{self.unchanged:,} unchanged"
        ]
        if self.metrics_created:
            parts.append(f"new metrics: {len(self.metrics_created)}")
        if self.organisations_created:
            parts.append(f"new organisations: {len(self.organisations_created)}")
        if self.organisations_given_codes:
            parts.append(f"ODS codes added to {len(self.organisations_given_codes)} organisations")
        return "; ".join(parts)


def shown(value, limit=40):
    """A cell as an error message may quote it: never an NHS number, never a whole essay."""
    if contains_nhs_number(value):
        return "[NHS number removed]"
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return repr(value)


def same_name(a, b):
    """Names that differ only in case or spacing are the same name (a national file in capitals
    matches the vocabulary's "Northshire Hospitals NHS Foundation Trust")."""
    return _SPACES.sub(" ", a).strip().casefold() == _SPACES.sub(" ", b).strip().casefold()


# --------------------------------------------------------------------------------------------
# Reading


def read_text(data, filename):
    """The file's text (bytes decoded as UTF-8, a byte-order mark dropped), or ImportRefused
    naming the line of the first byte that is not UTF-8."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ImportRefused(
            [
                f"{filename}:{line}: the file is not UTF-8 text; save it as "
                '"CSV UTF-8 (comma delimited)" and load it again'
            ]
        ) from None


def import_file(path, *, new_kind=Organisation.Kind.OTHER, max_errors=MAX_ERRORS):
    """Load a CSV file from disk (no size limit), decoding as it reads so a large file is never
    held in memory twice. Returns ImportResult or raises ImportRefused."""
    with open(path, "rb") as handle:
        return _import_stream(handle, str(path), new_kind=new_kind, max_errors=max_errors)


def import_csv(data, filename, *, new_kind=Organisation.Kind.OTHER, max_errors=MAX_ERRORS):
    """Load CSV `data` (bytes or str) named `filename` in messages."""
    if isinstance(data, str):
        reader = csv.reader(io.StringIO(read_text(data, filename), newline=""), strict=True)
        return import_rows(reader, filename, new_kind=new_kind, max_errors=max_errors)
    return _import_stream(io.BytesIO(data), filename, new_kind=new_kind, max_errors=max_errors)


def _import_stream(binary, filename, *, new_kind, max_errors):
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="strict", newline="")
    try:
        reader = csv.reader(text, strict=True)
        return import_rows(reader, filename, new_kind=new_kind, max_errors=max_errors)
    except UnicodeDecodeError:
        # Rare: read it all again to name the line of the first bad byte.
        binary.seek(0)
        read_text(binary.read(), filename)
        raise
    finally:
        text.detach()


# --------------------------------------------------------------------------------------------
# Checking


@dataclass
class _MetricSeen:
    name: str
    data_type: str
    direction: str
    line: int
    period_kind: str = ""
    values: dict = field(default_factory=dict)  # (ods, period) -> (numerator, denominator, line)


class _Checker:
    """Parses and checks rows, collecting errors up to a cap; nothing touches the database."""

    def __init__(self, filename, max_errors):
        self.filename = filename
        self.max_errors = max_errors
        self.errors = []
        self.truncated = False
        self.metrics: dict[str, _MetricSeen] = {}
        self.organisations: dict[str, tuple[str, int]] = {}  # ods -> (name, first line)
        self.names: dict[str, tuple[str, int]] = {}  # folded name -> (ods, first line)
        self.periods: dict[str, tuple | None] = {}
        self.text_ok: dict[tuple[str, str], str | None] = {}  # (column, value) -> error
        self.rows = 0

    @property
    def full(self):
        return len(self.errors) >= self.max_errors

    def error(self, line, message):
        if self.full:
            self.truncated = True
            return
        if line is None:
            self.errors.append(f"{self.filename}: {message}")
        else:
            self.errors.append(f"{self.filename}:{line}: {message}")

    # --- header

    def header(self, cells):
        """An itemgetter putting a row's cells in COLUMNS order, or None (errors recorded)."""
        names = [cell.strip().lower().removeprefix("\ufeff") for cell in cells]
        missing = [c for c in COLUMNS if c not in names]
        extra = [shown(n) for n in names if n not in COLUMNS]
        repeated = sorted({n for n in names if n in COLUMNS and names.count(n) > 1})
        problems = []
        if missing:
            problems.append("missing " + ", ".join(missing))
        if extra:
            problems.append("unexpected " + ", ".join(extra))
        if repeated:
            problems.append("repeated " + ", ".join(repeated))
        if problems:
            self.error(
                1,
                f"the header must name the columns {','.join(COLUMNS)}: {'; '.join(problems)}",
            )
            return None
        return operator.itemgetter(*[names.index(c) for c in COLUMNS])

    # --- cells seen for the first time (the slow path)

    def text(self, line, column, value, max_length=200):
        """Check a text cell once per distinct value: empty, too long, control characters,
        NHS numbers. Returns True if it may be stored."""
        key = (column, value)
        problem = self.text_ok.get(key, False)
        if problem is False:
            if not value:
                problem = f"the {column} cell is empty"
            elif contains_nhs_number(value):
                problem = NHS_NUMBER_REFUSAL.format(column=column)
            elif len(value) > max_length:
                problem = f"the {column} cell is longer than {max_length} characters"
            elif _CONTROL.search(value):
                problem = f"the {column} cell holds a control character (a tab or line break)"
            else:
                problem = None
            self.text_ok[key] = problem
        if problem:
            self.error(line, problem)
            return False
        return True

    def new_metric(self, line, slug, name, data_type, direction):
        ok = self.text(line, "metric", slug, max_length=80)
        if ok and not _SLUG.fullmatch(slug):
            self.error(
                line,
                f"metric {shown(slug)} is not a slug: use lower-case letters, digits and hyphens",
            )
            ok = False
        ok = self.text(line, "metric_name", name) and ok
        if data_type not in DATA_TYPES:
            ok = False
            if not data_type:
                self.error(line, "the data_type cell is empty")
            else:
                self.error(
                    line,
                    f"data_type {shown(data_type)} is not one of {', '.join(DATA_TYPES)}",
                )
        if direction not in DIRECTIONS:
            ok = False
            if not direction:
                self.error(line, "the direction cell is empty")
            else:
                self.error(
                    line,
                    f"direction {shown(direction)} is not one of {', '.join(DIRECTIONS)} "
                    "(which way is better)",
                )
        return ok

    def new_organisation(self, line, ods, name):
        ok = self.text(line, "ods_code", ods, max_length=10)
        if ok and not _ODS.fullmatch(ods):
            self.error(line, f"ods_code {shown(ods)} must be 1 to 10 letters and digits")
            ok = False
        ok = self.text(line, "organisation", name) and ok
        if ok:
            folded = _SPACES.sub(" ", name).casefold()
            other = self.names.get(folded)
            if other is not None and other[0] != ods:
                self.error(
                    line,
                    f"organisation {shown(name)} is also given ODS code {shown(other[0])} on "
                    f"line {other[1]}: one organisation has one code",
                )
                ok = False
            else:
                self.names[folded] = (ods, line)
        return ok

    def period(self, line, value):
        parsed = self.periods.get(value, False)
        if parsed is False:
            parsed = parse_period(value) if value else None
            self.periods[value] = parsed
        if parsed is None:
            if not value:
                self.error(line, "the period cell is empty")
            else:
                self.error(
                    line,
                    f"period {shown(value)} is not a month (2025-04), quarter (2025-Q2) or "
                    "year (2025)",
                )
        return parsed

    def number(self, line, column, value):
        """The slow path for a number that failed the fast check: say what is wrong."""
        if not value:
            self.error(line, f"the {column} cell is empty")
            return
        try:
            number = float(value)
        except ValueError:
            self.error(line, f"{column} {shown(value)} is not a number")
            return
        if not math.isfinite(number):
            self.error(line, f"{column} {shown(value)} is not a finite number")
        elif number < 0:
            self.error(line, f"{column} {shown(value)} is negative")
        else:
            self.error(line, f"{column} {shown(value)} is larger than {MAX_NUMBER:.0e}")

    # --- the rows

    def rows_of(self, reader, pick):
        metrics = self.metrics
        organisations = self.organisations
        periods = self.periods
        ncols = len(COLUMNS)
        for cells in reader:
            line = reader.line_num
            if len(cells) != ncols or self.full:
                if not cells or not any(c.strip() for c in cells):
                    continue  # blank lines (a trailing newline, a spreadsheet's empty rows)
                if self.full:
                    self.truncated = True
                    return
                self.rows += 1
                self.error(line, f"the row has {len(cells)} cells, the header has {ncols}")
                continue
            self.rows += 1
            slug, mname, dtype, direction, ods, oname, period, num, den = pick(cells)
            slug, mname, dtype, direction = slug.strip(), mname.strip(), dtype.strip(), direction
            direction = direction.strip().lower()
            dtype = dtype.lower()
            ods, oname = ods.strip().upper(), oname.strip()

            seen = metrics.get(slug)
            good = True
            if seen is None:
                if self.new_metric(line, slug, mname, dtype, direction):
                    seen = metrics[slug] = _MetricSeen(mname, dtype, direction, line)
                else:
                    good = False
            elif (mname, dtype, direction) != (seen.name, seen.data_type, seen.direction):
                what = [
                    label
                    for label, a, b in (
                        ("name", mname, seen.name),
                        ("data_type", dtype, seen.data_type),
                        ("direction", direction, seen.direction),
                    )
                    if a != b
                ]
                self.error(
                    line,
                    f"metric {shown(slug)} has a different {' and '.join(what)} from line "
                    f"{seen.line}: one metric has one name, data type and direction",
                )
                good = False

            org = organisations.get(ods)
            if org is None:
                if self.new_organisation(line, ods, oname):
                    organisations[ods] = (oname, line)
                else:
                    good = False
            elif org[0] != oname:
                self.error(
                    line,
                    f"ODS code {shown(ods)} is named {shown(oname)} here but {shown(org[0])} "
                    f"on line {org[1]}: one code has one name",
                )
                good = False

            parsed = periods.get(period)
            if parsed is None:
                parsed = self.period(line, period.strip())
                if parsed is not None:
                    periods[period] = parsed
                else:
                    good = False

            try:
                n = float(num)
                d = float(den)
            except ValueError:
                n = d = math.nan
            if not (0 <= n <= MAX_NUMBER and 0 <= d <= MAX_NUMBER):
                for column, value in (("numerator", num.strip()), ("denominator", den.strip())):
                    try:
                        ok = 0 <= float(value) <= MAX_NUMBER
                    except ValueError:
                        ok = False
                    if not ok:
                        self.number(line, column, value)
                continue
            if d == 0 and n != 0:
                self.error(
                    line,
                    f"numerator {n:g} over a zero denominator: give the denominator, or 0 "
                    "for both when there was no activity",
                )
                good = False
            elif n > d and seen is not None and seen.data_type == "proportion":
                self.error(
                    line,
                    f"numerator {n:g} is larger than denominator {d:g}, impossible for a "
                    "proportion",
                )
                good = False

            if not good or seen is None:
                continue
            canonical, kind, _start = parsed
            if seen.period_kind != kind:
                if seen.period_kind:
                    self.error(
                        line,
                        f"period {shown(canonical)} is a {kind}, but metric {shown(slug)} has "
                        f"{seen.period_kind}s from line {seen.line}: one metric, one kind of "
                        "period",
                    )
                    continue
                seen.period_kind = kind
            key = (ods, canonical)
            before = seen.values.get(key)
            if before is not None:
                self.error(
                    line,
                    f"metric {shown(slug)}, ODS code {shown(ods)}, period {canonical} is "
                    f"already given on line {before[2]}",
                )
                continue
            seen.values[key] = (n, d, line)


def import_rows(reader, filename, *, new_kind=Organisation.Kind.OTHER, max_errors=MAX_ERRORS):
    """Check and load rows from a `csv.reader` (anything iterable with a `line_num`, the header
    first). Returns ImportResult; raises ImportRefused with every error (up to `max_errors`),
    having written nothing."""
    checker = _Checker(filename, max_errors)
    try:
        first = next(reader, None)
        while first is not None and not any(c.strip() for c in first):
            first = next(reader, None)
        if first is None:
            raise ImportRefused([f"{filename}: the file is empty"])
        pick = checker.header(first)
        if pick is None:
            raise ImportRefused(checker.errors)
        checker.rows_of(reader, pick)
    except csv.Error as error:
        checker.error(getattr(reader, "line_num", None), f"the file is not valid CSV ({error})")
    if not checker.errors and checker.rows == 0:
        raise ImportRefused([f"{filename}: the file has a header but no data rows"])
    if checker.errors:
        raise ImportRefused(checker.errors, checker.truncated)
    with transaction.atomic():
        stored = _StoredState(checker, new_kind)
        if stored.errors:
            raise ImportRefused(stored.errors[:max_errors], len(stored.errors) > max_errors)
        result = stored.write()
    if result.created or result.updated or result.organisations_created:
        # Organisations and bands were bulk-written without signals: one purge for them all.
        page_cache.purge()
    return result


# --------------------------------------------------------------------------------------------
# Against what is stored, then writing


class _StoredState:
    """The file's metrics and organisations matched with the stored ones (inside the
    transaction), with the errors that only the database can reveal."""

    def __init__(self, checker: _Checker, new_kind):
        self.checker = checker
        self.filename = checker.filename
        self.new_kind = new_kind
        self.errors = []
        self.metrics = self._match_metrics()
        self.organisations = self._match_organisations()

    def error(self, line, message):
        self.errors.append(f"{self.filename}:{line}: {message}")

    def _match_metrics(self):
        seen = self.checker.metrics
        # Locks the metrics' rows on PostgreSQL: two loads of one metric run one after the other.
        stored = {m.slug: m for m in Metric.objects.select_for_update().filter(slug__in=list(seen))}
        for slug, s in seen.items():
            metric = stored.get(slug)
            if metric is None:
                continue
            differences = []
            if not same_name(metric.name, s.name):
                differences.append(f"named {shown(metric.name, 80)}")
            if metric.data_type != s.data_type:
                differences.append(f"a {metric.data_type}")
            if metric.direction != s.direction:
                differences.append(f"{metric.direction} is better")
            if differences:
                self.error(
                    s.line,
                    f"metric {shown(slug)} is stored as {', '.join(differences)}: correct the "
                    "file, or change the metric in the admin first",
                )
            if metric.period_kind and s.period_kind and metric.period_kind != s.period_kind:
                self.error(
                    s.line,
                    f"metric {shown(slug)} holds {metric.period_kind}s already; this file gives "
                    f"{s.period_kind}s: one metric, one kind of period",
                )
        return stored

    def _match_organisations(self):
        """ods -> Organisation (or None: to create). Stored ODS codes are matched without
        regard to case or spaces; an organisation stored by name without a code adopts it."""
        by_ods, by_name = {}, {}
        for org in Organisation.objects.only("id", "name", "ods_code", "slug", "kind"):
            code = org.ods_code.strip().upper()
            if code:
                by_ods.setdefault(code, []).append(org)
            by_name[_SPACES.sub(" ", org.name).strip().casefold()] = org
        matched = {}
        self.adopt = []
        for ods, (name, line) in self.checker.organisations.items():
            found = by_ods.get(ods, [])
            if len(found) > 1:
                names = ", ".join(shown(o.name, 60) for o in found)
                self.error(
                    line,
                    f"ODS code {shown(ods)} belongs to more than one stored organisation "
                    f"({names}): give each its own code in the admin first",
                )
                continue
            if found:
                org = found[0]
                if not same_name(org.name, name):
                    self.error(
                        line,
                        f"ODS code {shown(ods)} is stored as {shown(org.name, 80)}, not "
                        f"{shown(name, 80)}: correct the file, or rename the organisation in "
                        "the admin first",
                    )
                    continue
                matched[ods] = org
                continue
            org = by_name.get(_SPACES.sub(" ", name).strip().casefold())
            if org is not None:
                if org.ods_code.strip():
                    self.error(
                        line,
                        f"organisation {shown(name, 80)} is stored with ODS code "
                        f"{shown(org.ods_code)}, not {shown(ods)}",
                    )
                    continue
                org.ods_code = ods
                self.adopt.append(org)
                matched[ods] = org
                continue
            matched[ods] = None
        return matched

    # --- writing

    def write(self) -> ImportResult:
        result = ImportResult(rows=sum(len(s.values) for s in self.checker.metrics.values()))
        metric_ids = {}
        for slug, s in self.checker.metrics.items():
            metric = self.metrics.get(slug)
            if metric is None:
                metric = Metric.objects.create(
                    slug=slug,
                    name=s.name,
                    data_type=s.data_type,
                    direction=s.direction,
                    unit={"proportion": "%", "rate": "per 1,000"}.get(s.data_type, ""),
                    period_kind=s.period_kind,
                )
                result.metrics_created.append(slug)
            elif not metric.period_kind:
                metric.period_kind = s.period_kind
                metric.save(update_fields=["period_kind", "updated_at"])
            metric_ids[slug] = metric.pk

        org_ids = self._write_organisations(result)
        with connection.cursor() as cursor:
            for slug, s in self.checker.metrics.items():
                created, updated, unchanged = _write_values(cursor, metric_ids[slug], s, org_ids)
                result.created += created
                result.updated += updated
                result.unchanged += unchanged
        if result.created or result.updated or result.organisations_created:
            recompute_size_bands()
        return result

    def _write_organisations(self, result):
        org_ids = {ods: org.pk for ods, org in self.organisations.items() if org is not None}
        if self.adopt:
            Organisation.objects.bulk_update(self.adopt, ["ods_code"])
            result.organisations_given_codes = [o.name for o in self.adopt]
        new = [ods for ods, org in self.organisations.items() if org is None]
        if not new:
            return org_ids
        taken = set(Organisation.objects.values_list("slug", flat=True))
        objects = []
        for ods in new:
            name = self.checker.organisations[ods][0]
            base = (slugify(name) or "organisation")[:180]
            slug, n = base, 2
            while slug in taken:
                slug, n = f"{base}-{n}", n + 1
            taken.add(slug)
            objects.append(Organisation(name=name, slug=slug, ods_code=ods, kind=self.new_kind))
        Organisation.objects.bulk_create(objects, batch_size=500)
        if any(o.pk is None for o in objects):  # a database that returns no ids from INSERT
            objects = list(Organisation.objects.filter(ods_code__in=new))
        for org in objects:
            org_ids[org.ods_code] = org.pk
            # The admin's organisation chooser searches Wagtail's index, which bulk_create skips.
            search_index.insert_or_update_object(org)
        result.organisations_created = [o.name for o in objects]
        return org_ids


def _write_values(cursor, metric_id, seen: _MetricSeen, org_ids):
    """Insert, update or leave each of one metric's rows; (created, updated, unchanged)."""
    table = connection.ops.quote_name(MetricValue._meta.db_table)
    cursor.execute(
        f"SELECT organisation_id, period, numerator, denominator, id FROM {table} "  # noqa: S608
        "WHERE metric_id = %s",
        [metric_id],
    )
    stored = {(o, p): (n, d, pk) for o, p, n, d, pk in cursor.fetchall()}
    kind = seen.period_kind
    adapt = connection.ops.adapt_datefield_value
    starts = {}
    inserts, updates = [], []
    unchanged = 0
    for (ods, period), (n, d, _line) in seen.values.items():
        org_id = org_ids[ods]
        before = stored.get((org_id, period))
        if before is None:
            start = starts.get(period)
            if start is None:
                start = starts[period] = adapt(parse_period(period)[2])
            inserts.append((metric_id, org_id, period, kind, start, n, d))
        elif before[0] != n or before[1] != d:
            updates.append((n, d, before[2]))
        else:
            unchanged += 1
    columns = (
        "metric_id, organisation_id, period, period_kind, period_start, numerator, denominator"
    )
    for i in range(0, len(inserts), INSERT_BATCH):
        batch = inserts[i : i + INSERT_BATCH]
        placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(batch))
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES {placeholders}",  # noqa: S608
            [value for row in batch for value in row],
        )
    if updates:
        cursor.executemany(
            f"UPDATE {table} SET numerator = %s, denominator = %s WHERE id = %s",  # noqa: S608
            updates,
        )
    return len(inserts), len(updates), unchanged
