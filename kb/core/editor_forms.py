"""The patient data guard in the Wagtail editor: pages and snippets alike.

Every page type and snippet of the project's apps is edited through these forms (set in
`CoreConfig.ready`). When any field, inline child (a measure series) or StreamField block holds a
valid NHS number, the field gets an error saying where, and the form keeps only a redacted copy
of what was sent: the editor re-renders with "[NHS number removed]", never the number.
"""

from django.core.exceptions import ValidationError
from wagtail.admin.forms import WagtailAdminModelForm, WagtailAdminPageForm
from wagtail.blocks.base import BlockField
from wagtail.blocks.stream_block import StreamBlockValidationError

from .stored_text import (
    TABLE_FIELDS_ATTR,
    redact_text,
    text_holds_nhs_number,
    value_holds_nhs_number,
)

EDITOR_MESSAGE = (
    "Remove the NHS number from {label}: pages must never hold patient information. We have "
    "replaced it with [NHS number removed] so you can see where it was."
)


class PatientDataEditorMixin:
    def full_clean(self):
        super().full_clean()
        self.guard_patient_data()

    def guard_patient_data(self):
        if not self.is_bound:
            return
        redacted = self.data.copy()
        found_any = False
        children = [
            form for formset in getattr(self, "formsets", {}).values() for form in formset.forms
        ]
        for form in [self, *children]:
            if form is not self:
                form.errors  # noqa: B018 (validate the child first, so our error is kept)
            table_fields = set(getattr(form._meta.model, TABLE_FIELDS_ATTR, ()))
            for name, field in form.fields.items():
                key = form.add_prefix(name)
                table = name in table_fields
                hit = False
                for data_key in _keys_of(self.data, key):
                    values = self.data.getlist(data_key)
                    if any(text_holds_nhs_number(v, table) for v in values if isinstance(v, str)):
                        hit = True
                        redacted.setlist(
                            data_key,
                            [redact_text(v, table) if isinstance(v, str) else v for v in values],
                        )
                cleaned = getattr(form, "cleaned_data", {}).get(name)
                if not hit and cleaned is not None:
                    hit = value_holds_nhs_number(form._meta.model, name, cleaned)
                if hit:
                    found_any = True
                    form.add_error(name, _error_for(field, name))
        if found_any:
            self.data = redacted
            for formset in getattr(self, "formsets", {}).values():
                formset.data = redacted
                for form in formset.forms:
                    form.data = redacted


# StreamField and formset bookkeeping: block ids (UUIDs), types, order, deletion flags.
_BOOKKEEPING = ("-id", "-type", "-order", "-deleted", "-count", "_FORMS", "-DELETE", "-ORDER")


def _keys_of(data, key):
    """The sent keys of one field: itself, or a StreamField's many "body-0-value-..." keys."""
    return [
        k for k in data if k == key or (k.startswith(f"{key}-") and not k.endswith(_BOOKKEEPING))
    ]


def _error_for(field, name):
    label = f"‘{field.label or name}’"
    message = EDITOR_MESSAGE.format(label=label)
    if isinstance(field, BlockField):
        # StreamField renders its own errors: a whole-stream message goes above the blocks.
        return StreamBlockValidationError(non_block_errors=[ValidationError(message)])
    return ValidationError(message, code="nhs_number")


class GuardedPageForm(PatientDataEditorMixin, WagtailAdminPageForm):
    """The page editor's form for every page type of the project."""


class GuardedModelForm(PatientDataEditorMixin, WagtailAdminModelForm):
    """The editor's form for every snippet of the project (vocabularies, synonyms)."""
