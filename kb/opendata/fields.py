"""How a dataset describes itself: its fields, from which its CSV columns, its JSON records'
keys, its JSON Schema and its data dictionary all follow.

A dataset is described once, here, as a list of fields. Each field says what kind of value it
holds (`KINDS`), whether it may be empty, which files carry it (most are in both; a measure
series has its points as a list in JSON and as one CSV row a point) and what it means. The
writers in `files.py` read nothing else, so the files and their documentation cannot drift
apart.
"""

from dataclasses import dataclass

from kb.core.spreadsheets import spreadsheet_safe

LIST_SEPARATOR = "; "


@dataclass(frozen=True)
class Kind:
    """A kind of value: what the data dictionary calls it and its JSON Schema."""

    label: str
    schema: dict
    is_list: bool = False


_POINT = {
    "type": "object",
    "required": ["period", "value"],
    "additionalProperties": False,
    "properties": {
        "period": {"type": "string", "description": "The period, as the team wrote it."},
        "value": {"type": "number", "description": "The value measured in that period."},
    },
}
_COMPONENT = {
    "type": "object",
    "required": ["name", "description"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "description": "The component's name."},
        "description": {"type": "string", "description": "What it is, in Markdown."},
    },
}

KINDS = {
    "integer": Kind("integer", {"type": "integer"}),
    "number": Kind("number", {"type": "number"}),
    "text": Kind("text", {"type": "string"}),
    "markdown": Kind("text (Markdown)", {"type": "string", "contentMediaType": "text/markdown"}),
    "slug": Kind("slug", {"type": "string"}),
    "url": Kind("web address", {"type": "string", "format": "uri"}),
    "date": Kind("date (YYYY-MM-DD)", {"type": "string", "format": "date"}),
    "datetime": Kind("date and time (ISO 8601, UTC)", {"type": "string", "format": "date-time"}),
    "boolean": Kind("true or false", {"type": "boolean"}),
    "slugs": Kind("list of slugs", {"type": "array", "items": {"type": "string"}}, True),
    "texts": Kind("list of text", {"type": "array", "items": {"type": "string"}}, True),
    "points": Kind("list of points (period and value)", {"type": "array", "items": _POINT}, True),
    "components": Kind(
        "list of components (name and description)",
        {"type": "array", "items": _COMPONENT},
        True,
    ),
}

BOTH, CSV_ONLY, JSON_ONLY = "csv json", "csv", "json"


@dataclass(frozen=True)
class Field:
    """One field of a dataset's records: a CSV column, a JSON key, or both."""

    name: str
    kind: str
    description: str
    nullable: bool = False
    choices: tuple = ()
    files: str = BOTH

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: unknown kind {self.kind!r}")

    @property
    def in_csv(self):
        return "csv" in self.files.split()

    @property
    def in_json(self):
        return "json" in self.files.split()

    @property
    def type_label(self):
        """The type as the data dictionary gives it, with how the CSV writes it when that
        needs saying."""
        kind = KINDS[self.kind]
        label = kind.label
        if kind.is_list and self.in_csv:
            shown = "names" if self.kind == "components" else "items"
            label += f'; in CSV the {shown} are separated by "{LIST_SEPARATOR}"'
        if self.nullable:
            label += "; may be empty (null in JSON)"
        return label

    @property
    def full_description(self):
        """The description, naming the values a field with fixed choices may take."""
        if not self.choices:
            return self.description
        shown = ", ".join(f'"{choice}"' for choice in self.choices)
        return f"{self.description} One of: {shown}."

    def json_schema(self):
        schema = dict(KINDS[self.kind].schema)
        if self.choices:
            schema["enum"] = list(self.choices)
        if self.nullable:
            schema = {"anyOf": [schema, {"type": "null"}]}
        return {**schema, "description": self.full_description}

    def csv_cell(self, value):
        """The value as a CSV cell: lists joined, true/false spelled out, empty for null, and
        text escaped so that no spreadsheet reads it as a formula."""
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if self.kind == "components":
            value = LIST_SEPARATOR.join(component["name"] for component in value)
        elif isinstance(value, list):
            value = LIST_SEPARATOR.join(str(item) for item in value)
        return spreadsheet_safe(value)
