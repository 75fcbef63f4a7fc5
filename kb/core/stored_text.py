"""Free text as models store it: which fields hold it, checking it and redacting it.

The rule itself is `kb.core.patient_data`; this module applies it to models:

- `nhs_number_fields(instance)`: the fields of an unsaved instance that would store a number.
- `refuse_stored_nhs_numbers`: a pre_save backstop for every model of the project's own apps.
  The doors (forms, the page editor, import) refuse with a message first; this one raises
  `PatientDataError` if some path forgot to, so a number is never written.
- `scan(apps)`: every stored place (model, id, field) holding a number, across every installed
  app (Wagtail's revisions and search index included), optionally redacting it. Used by the
  `scan_patient_data` command and by a data migration (with the historical app registry).

Tables of numbers (a measure's data pasted as "period, value" lines) are checked cell by cell:
digits from neighbouring cells are not one number. A model names such fields in
`patient_data_table_fields`; inside JSON (a page revision) the same names are used as keys.
"""

import logging
import re
from dataclasses import dataclass

from django.db import models, transaction

from .patient_data import contains_nhs_number, redact_nhs_numbers

logger = logging.getLogger("kb.patient_data")

TABLE_FIELDS_ATTR = "patient_data_table_fields"
# Secrets and digests look like text but are not anyone's words; they are never rewritten.
_NOT_FREE_TEXT = re.compile(
    r"hash|token|nonce|password|secret|session|(?:^|_)key$|digest|uuid|^id$", re.I
)
# Whole values that are identifiers made by machines (a block's UUID, a hex digest).
_MACHINE_VALUE = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32,128}", re.I
)
# Apps whose tables hold nothing anyone typed, or whose values must never be rewritten.
SKIPPED_APPS = frozenset({"contenttypes", "sessions", "migrations", "admin"})
_CELL_SEPARATOR = re.compile(r"[\t,;|]")


class PatientDataError(ValueError):
    """Raised when something tries to store a valid NHS number; names the fields, not the
    number."""

    def __init__(self, label, fields):
        self.label = label
        self.fields = list(fields)
        super().__init__(f"refused to store an NHS number in {label}: {', '.join(self.fields)}")


def _table_cells(text):
    for line in str(text).splitlines():
        yield from _CELL_SEPARATOR.split(line)


def text_holds_nhs_number(text, table=False):
    if not text or _MACHINE_VALUE.fullmatch(text):
        return False
    if table:
        return any(contains_nhs_number(cell) for cell in _table_cells(text))
    return contains_nhs_number(text)


def redact_text(text, table=False):
    if not text or _MACHINE_VALUE.fullmatch(text):
        return text
    if not table:
        return redact_nhs_numbers(text)
    lines = []
    for line in str(text).splitlines(keepends=True):
        parts = _CELL_SEPARATOR.split(line)
        separators = _CELL_SEPARATOR.findall(line)
        redacted = [redact_nhs_numbers(part) for part in parts]
        lines.append("".join(p + s for p, s in zip(redacted, separators + [""], strict=True)))
    return "".join(lines)


def _json_holds(value, table_keys, table=False):
    if isinstance(value, str):
        return text_holds_nhs_number(value, table)
    if isinstance(value, dict):
        return any(
            not _NOT_FREE_TEXT.search(str(key))
            and (
                text_holds_nhs_number(key) or _json_holds(item, table_keys, str(key) in table_keys)
            )
            for key, item in value.items()
        )
    if isinstance(value, list | tuple):
        return any(_json_holds(item, table_keys, table) for item in value)
    return False


def _json_redact(value, table_keys, table=False):
    if isinstance(value, str):
        return redact_text(value, table)
    if isinstance(value, dict):
        return {
            key: item
            if _NOT_FREE_TEXT.search(str(key))
            else _json_redact(item, table_keys, str(key) in table_keys)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_json_redact(item, table_keys, table) for item in value]
    return value


def _raw(value):
    """A field's value as plain text or JSON-like data (StreamField and rich text included)."""
    if value is None or isinstance(value, str | dict | list | int | float | bool):
        return value
    if hasattr(value, "get_prep_value"):  # a StreamValue
        return value.get_prep_value()
    if hasattr(value, "source"):  # RichText
        return value.source
    return str(value)


def free_text_fields(model):
    """The concrete fields of `model` that store free text: characters or JSON, not choices,
    secrets or digests."""
    fields = []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.is_relation or field.choices:
            continue
        if _NOT_FREE_TEXT.search(field.name):
            continue
        kind = field.get_internal_type()
        if kind in ("CharField", "TextField", "JSONField", "SlugField", "EmailField") or (
            isinstance(field, models.CharField | models.TextField | models.JSONField)
        ):
            fields.append(field)
    return fields


def _table_fields(model, frozen=None):
    """A model's table fields: its own declaration, or (for a migration's historical models,
    which carry no class attributes) the frozen mapping {label: field names} given."""
    if frozen is not None:
        return frozenset(frozen.get(model._meta.label, ()))
    return frozenset(getattr(model, TABLE_FIELDS_ATTR, ()))


def all_table_keys(model_list, frozen=None):
    keys = set()
    for model in model_list:
        keys |= _table_fields(model, frozen)
    return frozenset(keys)


def value_holds_nhs_number(model, field_name, value, table_keys=frozenset(), frozen=None):
    table = field_name in _table_fields(model, frozen)
    raw = _raw(value)
    if isinstance(raw, str):
        return text_holds_nhs_number(raw, table)
    return _json_holds(raw, table_keys, table)


def redact_field_value(model, field_name, value, table_keys=frozenset(), frozen=None):
    table = field_name in _table_fields(model, frozen)
    raw = _raw(value)
    if isinstance(raw, str):
        return redact_text(raw, table)
    return _json_redact(raw, table_keys, table)


def nhs_number_fields(instance):
    """Names of the fields of `instance` whose values (as they would be saved) hold a valid
    NHS number."""
    model = type(instance)
    return [
        field.name
        for field in free_text_fields(model)
        if value_holds_nhs_number(model, field.name, getattr(instance, field.attname, None))
    ]


def refuse_stored_nhs_numbers(sender, instance, raw=False, **kwargs):
    """pre_save receiver: the last line of defence for the project's own models."""
    app_config = getattr(sender._meta, "app_config", None)
    if raw or app_config is None or not app_config.name.startswith("kb."):
        return
    fields = nhs_number_fields(instance)
    if fields:
        logger.error("Refused to save an NHS number in %s fields %s", sender._meta.label, fields)
        raise PatientDataError(sender._meta.label, fields)


@dataclass(frozen=True)
class Finding:
    """A stored place holding a valid NHS number. The number itself is never reported."""

    model: str
    pk: object
    field: str

    def __str__(self):
        return f"{self.model} id={self.pk} field={self.field}"


def scannable_models(apps):
    return [
        model
        for model in apps.get_models()
        if not model._meta.proxy
        and model._meta.managed
        and model._meta.app_label not in SKIPPED_APPS
        and free_text_fields(model)
    ]


def scan(apps, redact=False, on_finding=None, table_fields=None):
    """Every (model, id, field) holding a valid NHS number, for all scannable models in `apps`
    (the live registry, or a migration's historical one, which then passes its frozen
    `table_fields`). With `redact`, each is replaced by "[NHS number removed]" in place (a
    queryset update: no signals, no new revisions)."""
    model_list = scannable_models(apps)
    table_keys = all_table_keys(model_list, table_fields)
    findings = []
    for model in model_list:
        fields = free_text_fields(model)
        names = [field.attname for field in fields]
        queryset = model._base_manager.using("default").order_by("pk")
        for row in queryset.values_list("pk", *names).iterator(chunk_size=500):
            pk, values = row[0], row[1:]
            changed = {}
            for field, value in zip(fields, values, strict=True):
                if value_holds_nhs_number(model, field.name, value, table_keys, table_fields):
                    finding = Finding(model._meta.label, pk, field.name)
                    findings.append(finding)
                    if on_finding:
                        on_finding(finding)
                    if redact:
                        changed[field.attname] = _stored_form(
                            field,
                            redact_field_value(model, field.name, value, table_keys, table_fields),
                        )
            if changed:
                with transaction.atomic():
                    model._base_manager.filter(pk=pk).update(**changed)
                logger.warning(
                    "Redacted an NHS number in %s id=%s fields %s",
                    model._meta.label,
                    pk,
                    sorted(changed),
                )
    return findings


def _stored_form(field, value):
    """A redacted raw value in the form the field's update() accepts."""
    if isinstance(value, list) and hasattr(field, "stream_block"):
        return field.to_python(value)
    return value
