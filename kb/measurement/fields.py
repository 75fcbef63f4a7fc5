"""The field a series' points are stored in: JSON in the database, two columns in the editor.

Stored as [[period, value], ...]. In the page editor the points are shown as "period, value"
lines, and what an editor pastes (two spreadsheet columns) is read back into the list with an
error naming the first line that cannot be read. Comparing two revisions shows the same lines.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from wagtail.admin.compare import TextFieldComparison, register_comparison_class
from wagtail.admin.widgets import AdminAutoHeightTextInput

from .points import SeriesDataError, parse_points_text, points_text


class SeriesPointsFormField(forms.Field):
    """Pasted "period, value" lines in, a list of [period, value] pairs out."""

    widget = AdminAutoHeightTextInput

    def prepare_value(self, value):
        # A stored list is shown as lines; text sent back with an error is shown as typed.
        return points_text(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        if isinstance(value, list | tuple):
            return [list(point) for point in value]
        text = str(value or "").strip()
        if not text:
            return []
        try:
            return parse_points_text(text)
        except SeriesDataError as error:
            raise ValidationError(error.message, code="invalid") from None

    def has_changed(self, initial, data):
        if self.disabled:
            return False
        try:
            value = self.to_python(data)
        except ValidationError:
            return True
        return [list(point) for point in initial or []] != value


class SeriesPointsField(models.JSONField):
    """A JSON list of [period, value] pairs, edited as pasted text."""

    def formfield(self, **kwargs):
        # Skip JSONField's own form field (raw JSON); keep the label, help text and required.
        return models.Field.formfield(self, **{"form_class": SeriesPointsFormField, **kwargs})

    def deconstruct(self):
        # Migrations see a plain JSONField: only the editor's form field differs, so history
        # never needs to import this module.
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.JSONField", args, kwargs


class SeriesPointsComparison(TextFieldComparison):
    """Revisions compared as the lines the editor typed, not as Python lists."""

    def __init__(self, field, obj_a, obj_b):
        super().__init__(field, obj_a, obj_b)
        self.val_a, self.val_b = points_text(self.val_a), points_text(self.val_b)


register_comparison_class(SeriesPointsField, comparison_class=SeriesPointsComparison)
