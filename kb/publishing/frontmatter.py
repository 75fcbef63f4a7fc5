"""Front matter and body of an editor's Markdown file: parsed and checked, with no database.

The format is described in docs/markdown-import.md. `parse_document` turns a file's text into a
ParsedDocument or raises ImportFailure with the file and line; the allowed values come from the
models' own choices. Writing pages is page_writer.py's job.
"""

import datetime
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.text import slugify

from kb.cases.choices import EvidenceStrength
from kb.core.models import knowledge_page_models
from kb.core.patient_data import find_nhs_numbers
from kb.core.stored_text import text_holds_nhs_number
from kb.ideas.choices import Stage
from kb.measurement.points import SeriesDataError, parse_points_text, validate_series
from kb.taxonomy.models import Organisation

MAX_FILE_BYTES = 1_000_000
FRONT_MATTER_FENCE = "---"
_HEADING = re.compile(r"^##\s+(?P<heading>.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")

# The values a file may use, derived from the models so that the import can never drift from
# them: each knowledge page type's content kind (in the order a batch imports them: pages that
# others refer to first), and the choices the models define.
TYPES = tuple(
    model.import_type or model.content_kind
    for model in sorted(knowledge_page_models(), key=lambda model: model.import_order)
)
TYPE_ORDER = {type_: position for position, type_ in enumerate(TYPES)}
STAGES = tuple(Stage.values)
EVIDENCE = tuple(EvidenceStrength.values)
ORGANISATION_TYPES = tuple(Organisation.Kind.values)


class FrontMatterLoader(yaml.SafeLoader):
    """yaml.SafeLoader that reports bad values (2025-02-30) as YAML errors with their line, and
    refuses aliases (*name), which front matter never needs and which can expand exponentially."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed", mark)
        return super().compose_node(parent, index)


def _checked(construct):
    def checked(loader, node):
        try:
            return construct(loader, node)
        except (ValueError, TypeError, AttributeError) as error:
            raise yaml.constructor.ConstructorError(
                None, None, str(error), node.start_mark
            ) from None

    return checked


# libyaml's loader (where PyYAML has it) parses about ten times as fast, which a bulk import
# notices. It is used only where it answers as FrontMatterLoader would: on front matter that
# cannot hold an alias (no `&` to name an anchor, no `*`), holds only printable characters, and
# is short enough that its nesting cannot overflow the C stack (libyaml recurses without a
# limit: 100,000 `[` crash the process; this length is far below the depth that does). Anything
# it refuses is parsed again by FrontMatterLoader, so errors read the same either way.
FastFrontMatterLoader = getattr(yaml, "CSafeLoader", None)
FAST_LOADER_MAX_CHARS = 8_000
if FastFrontMatterLoader is not None:
    FastFrontMatterLoader = type("FastFrontMatterLoader", (FastFrontMatterLoader,), {})

for _tag in ("int", "float", "timestamp"):
    _tag = f"tag:yaml.org,2002:{_tag}"
    for _loader in (FrontMatterLoader, FastFrontMatterLoader):
        if _loader is not None:
            _loader.add_constructor(_tag, _checked(yaml.SafeLoader.yaml_constructors[_tag]))


def load_front_matter(front_text):
    """The front matter's YAML as Python values; yaml.YAMLError or RecursionError if it is not
    valid (aliases included)."""
    if not front_text.strip():
        return {}
    fast = (
        FastFrontMatterLoader is not None
        and len(front_text) <= FAST_LOADER_MAX_CHARS
        and "&" not in front_text
        and "*" not in front_text
        # The two scanners differ on tabs and unprintable characters (libyaml takes a tab
        # inside a plain value, PyYAML refuses it): such text goes to FrontMatterLoader.
        and front_text.replace("\n", "").isprintable()
    )
    if fast:
        try:
            return yaml.load(front_text, Loader=FastFrontMatterLoader)  # noqa: S506 (safe loader)
        except yaml.YAMLError:
            pass  # reported as FrontMatterLoader words it
    return yaml.load(front_text, Loader=FrontMatterLoader)  # noqa: S506 (safe, no aliases)


class ImportFailure(Exception):
    """A problem with one file, reported with its file name and line."""

    def __init__(self, message, line=None, path=None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.path = path

    def __str__(self):
        where = str(self.path) if self.path else "<text>"
        if self.line:
            where = f"{where}:{self.line}"
        return f"{where}: {self.message}"


@dataclass
class ParsedDocument:
    """A file's validated front matter and its body split into sections."""

    path: Path | None
    type: str
    slug: str
    meta: dict
    intro: str
    sections: list  # [(heading, markdown)]
    digest: str
    key_lines: dict = field(default_factory=dict)

    def line_of(self, key):
        # A key that is missing (or a problem with no key) is reported at the opening fence.
        return self.key_lines.get(key, 1)

    def fail(self, message, key=None):
        raise ImportFailure(message, self.line_of(key), self.path)


def parse_document(text, path=None):
    """Parse and check one file's text; raise ImportFailure on any problem."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    if not lines or lines[0].strip() != FRONT_MATTER_FENCE:
        raise ImportFailure(
            "the file must start with front matter: a line of three dashes (---)", 1, path
        )
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == FRONT_MATTER_FENCE)
    except StopIteration:
        raise ImportFailure(
            "the front matter is not closed with a line of three dashes (---)", 1, path
        ) from None
    front_text = "\n".join(lines[1:end])
    try:
        meta = load_front_matter(front_text)
    except RecursionError:
        raise ImportFailure(
            "the front matter is not valid YAML (nested too deeply)", 2, path
        ) from None
    except yaml.YAMLError as error:
        # An unclosed bracket or quote is noticed lines later: report where it was opened.
        context = getattr(error, "context", None) or ""
        opened = context.startswith(("while parsing a flow", "while scanning a quoted"))
        mark = getattr(error, "context_mark" if opened else "problem_mark", None)
        line = mark.line + 2 if mark is not None else 2
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise ImportFailure(f"the front matter is not valid YAML ({problem})", line, path) from None
    if not isinstance(meta, dict):
        raise ImportFailure("the front matter must be a set of 'key: value' lines", 2, path)

    key_lines = {}
    for number, line in enumerate(lines[1:end], start=2):
        match = re.match(r"^([A-Za-z_][\w-]*)\s*:", line)
        if match and match.group(1) not in key_lines:
            key_lines[match.group(1)] = number
    if "slug" not in key_lines and "title" in key_lines:
        key_lines["slug"] = key_lines["title"]  # the slug is made from the title

    def fail(message, key=None):
        raise ImportFailure(message, key_lines.get(key, 1), path)

    type_ = meta.get("type")
    if type_ not in TYPES:
        fail(f"type must be one of {', '.join(TYPES)}; found {type_!r}", "type")
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        fail("a title is required", "title")
    if len(title) > 255:
        fail("the title is longer than 255 characters", "title")
    slug = meta.get("slug") or slugify(title)
    if not isinstance(slug, str) or not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug):
        fail(f"slug must be lowercase letters, digits and hyphens; found {slug!r}", "slug")
    if len(slug) > 255:
        fail("the slug is longer than 255 characters", "slug")

    intro, sections = split_sections(lines[end + 1 :])
    document = ParsedDocument(path, type_, slug, meta, intro, sections, digest, key_lines)
    _check_patient_data(document, lines, end)
    _check_fields(document)
    return document


# Front-matter keys holding tables of numbers, checked a cell at a time: a series' "period,
# value" rows, and an improvement project's measures.
_TABLE_KEYS = ("series", "measures")
PATIENT_DATA_MESSAGE = (
    "{where} holds an NHS number: remove it (pages must never hold patient information)"
)


def _check_patient_data(document, lines, end):
    """Refuse the file if any text it would store holds a valid NHS number, naming the field
    and the line. Front matter is checked a key at a time (the lines from a key to the next),
    the body a section at a time: the same blocks of text the page will store."""
    keys = sorted((line, key) for key, line in document.key_lines.items() if key != "slug")
    for index, (first, key) in enumerate(keys):
        last = keys[index + 1][0] - 1 if index + 1 < len(keys) else end
        block = lines[first - 1 : last]
        if key in _TABLE_KEYS:
            hits = [i for i, line in enumerate(block) if text_holds_nhs_number(line, table=True)]
            offset = hits[0] if hits else None
        else:
            offset = _line_offset_of_number("\n".join(block))
        if offset is not None:
            where = f"the front matter key ‘{key}’"
            raise ImportFailure(
                PATIENT_DATA_MESSAGE.format(where=where), first + offset, document.path
            )
    # Body: the introduction, then each "## heading" and its text, as split_sections saw them.
    first_body_line = end + 2
    parts, current, in_fence = [["the introduction", first_body_line, []]], None, False
    for number, line in enumerate(lines[end + 1 :], start=first_body_line):
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match:
            current = [f"the section ‘{match.group('heading')}’", number, []]
            parts.append(current)
        (current or parts[0])[2].append(line)
    for where, start, part_lines in parts:
        offset = _line_offset_of_number("\n".join(part_lines))
        if offset is not None:
            raise ImportFailure(
                PATIENT_DATA_MESSAGE.format(where=where), start + offset, document.path
            )


def _line_offset_of_number(text):
    """How many lines into `text` the first NHS number starts, or None if it holds none."""
    found = find_nhs_numbers(text)
    return text.count("\n", 0, found[0].start) if found else None


def split_sections(body_lines):
    """Split Markdown at level-two headings (outside code fences): (intro, [(heading, text)])."""
    intro, sections, current, in_fence = [], [], None, False
    for line in body_lines:
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match:
            current = [match.group("heading"), []]
            sections.append(current)
        elif current is None:
            intro.append(line)
        else:
            current[1].append(line)
    return "\n".join(intro).strip(), [(h, "\n".join(body).strip()) for h, body in sections]


def as_list(document, key):
    value = document.meta.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        document.fail(f"{key} must be a list of slugs, like [a-slug, another-slug]", key)
    return [v.strip() for v in value]


def as_date(document, key, default=None):
    value = document.meta.get(key)
    if value is None:
        return default
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        document.fail(f"{key} must be a date written YYYY-MM-DD; found {value!r}", key)


def as_text(document, key, required=False, max_length=None):
    value = document.meta.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            document.fail(
                f"{key} is required for a {document.type}", key if key in document.meta else None
            )
        return ""
    if not isinstance(value, (str, int, float)):
        document.fail(f"{key} must be text", key)
    value = str(value).strip()
    if max_length and len(value) > max_length:
        document.fail(f"{key} is longer than {max_length} characters", key)
    return value


def _check_fields(document):
    """Shape checks that need no database; vocabulary slugs are checked on import."""
    for key in (
        "pathways",
        "methods",
        "specialties",
        "related_standards",
        "related_cases",
        "standards",
        "also_adopted_by",
    ):
        as_list(document, key)
    today = datetime.date.today()
    published = as_date(document, "date", today)
    reviewed = as_date(document, "last_reviewed", published)
    next_review = as_date(document, "next_review", None)
    if next_review and next_review < reviewed:
        document.fail("next_review is before last_reviewed", "next_review")
    for key in ("owner_email", "contact_email"):
        email = as_text(document, key)
        if email:
            try:
                validate_email(email)
            except ValidationError:
                document.fail(f"{key} is not a valid email address: {email!r}", key)
    as_text(document, "summary", max_length=600)
    if document.type == "girft-standard":
        as_text(document, "specialty", required=True)
        as_text(document, "reference", required=True, max_length=40)
        as_text(document, "standard", required=True, max_length=1000)
    if document.type == "case-study":
        as_text(document, "organisation", required=True, max_length=200)
        kind = as_text(document, "organisation_type") or "trust"
        if kind not in ORGANISATION_TYPES:
            document.fail(
                f"organisation_type must be one of {', '.join(ORGANISATION_TYPES)}",
                "organisation_type",
            )
        evidence = as_text(document, "evidence") or "before-and-after"
        if evidence not in EVIDENCE:
            document.fail(f"evidence must be one of {', '.join(EVIDENCE)}", "evidence")
        measures_of(document)
        series_of(document)
    if document.type == "idea":
        as_text(document, "waste_type", required=True)
        stage = as_text(document, "stage") or "idea"
        if stage not in STAGES:
            document.fail(f"stage must be one of {', '.join(STAGES)}", "stage")
        for key in ("estimated_saving_hours", "estimated_saving_money"):
            value = document.meta.get(key)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 0
            ):
                document.fail(f"{key} must be a whole number of 0 or more", key)
        series_of(document)
    if document.type == "blueprint":
        components_of(document)


def series_of(document):
    """Measures over time (run and SPC charts) as dicts ready for CaseStudySeries/IdeaSeries.

    Front matter: `series: [{name, unit, direction: up|down|neither, target, change_at,
    data: [[period, value], ...]}]`; `data` may also be the pasted text, one "period, value"
    a line. The series is checked by kb.measurement's `validate_series`, as the editor's is.
    """
    raw = document.meta.get("series") or []
    if not isinstance(raw, list):
        document.fail("series must be a list of {name, unit, direction, data}", "series")
    found = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or not str(item.get("name") or "").strip():
            document.fail(f"series {number} needs a name", "series")
        name = str(item["name"]).strip()
        data = item.get("data")
        try:
            if isinstance(data, list):
                points = [_yaml_point(row) for row in data]
            else:
                points = parse_points_text(str(data or ""))
            valid = validate_series(
                points,
                change_at=item.get("change_at") or "",  # text, or a YAML list of periods
                target=item.get("target"),
                direction=str(item.get("direction") or "up"),
            )
        except SeriesDataError as error:
            document.fail(f"series {number} ({name}): {error}", "series")
        found.append(
            {
                "name": name[:200],
                "unit": str(item.get("unit") or "").strip()[:40],
                "screen_moving_ranges": item.get("screen_moving_ranges") is True,
                **valid,
            }
        )
    return found


def _yaml_point(row):
    """A [period, value] row as YAML read it: a period YAML took for a date or a number
    (`2025-01-01`, `2024`) is the text that was written."""
    if isinstance(row, list | tuple) and len(row) == 2:
        label, value = row
        if isinstance(label, datetime.date | int | float) and not isinstance(label, bool):
            label = str(label)
        return [label, value]
    return row


def measures_of(document):
    """The case study's measured results as dicts ready for CaseStudyMeasure."""
    raw = document.meta.get("measures") or []
    if not isinstance(raw, list):
        document.fail(
            "measures must be a list of {name, unit, baseline, result, period}", "measures"
        )
    measures = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or not str(item.get("name") or "").strip():
            document.fail(f"measure {number} needs a name", "measures")
        values = {}
        for key in ("baseline", "result"):
            try:
                values[key] = Decimal(str(item.get(key)).replace(",", "").strip())
                if not values[key].is_finite() or abs(values[key]) >= Decimal("1e12"):
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                document.fail(
                    f"measure {number} ({item.get('name')}): {key} must be a number", "measures"
                )
        higher = item.get("higher_is_better", True)
        if not isinstance(higher, bool):
            document.fail(f"measure {number}: higher_is_better must be true or false", "measures")
        measures.append(
            {
                "name": str(item["name"]).strip()[:200],
                "unit": str(item.get("unit") or "").strip()[:40],
                "baseline": values["baseline"],
                "result": values["result"],
                "period": str(item.get("period") or "").strip()[:120],
                "higher_is_better": higher,
            }
        )
    return measures


def components_of(document):
    raw = document.meta.get("components") or []
    if not isinstance(raw, list):
        document.fail("components must be a list of {name, description}", "components")
    components = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or not str(item.get("name") or "").strip():
            document.fail(f"component {number} needs a name", "components")
        components.append(
            (
                "component",
                {
                    "name": str(item["name"]).strip()[:120],
                    "description": str(item.get("description") or "").strip(),
                },
            )
        )
    return components


# --- Writing pages --------------------------------------------------------------------------
