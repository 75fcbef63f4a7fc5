"""The admin upload of variation data: the same importer as the command, behind a file field.

Who may: superusers and holders of `variation.add_metricvalue` (the Moderators group, see
migration 0002). The file's name is shown back only through the guard (a name can hold an NHS
number too); the file is at most `MAX_UPLOAD_BYTES`.
"""

import os

from django import forms
from django.core.exceptions import PermissionDenied
from django.views.generic import FormView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from kb.core.patient_data import contains_nhs_number
from kb.taxonomy.models import Organisation

from .importer import MAX_UPLOAD_BYTES, ImportRefused, import_csv

PERMISSION = "variation.add_metricvalue"


def can_upload(user):
    return user.is_active and (user.is_superuser or user.has_perm(PERMISSION))


def display_name(upload):
    """The uploaded file's own name (no folders), unless it holds an NHS number."""
    name = os.path.basename((upload.name or "").replace("\\", "/"))[:120] or "upload.csv"
    return "upload.csv" if contains_nhs_number(name) else name


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns metric, metric_name, data_type, direction, ods_code, organisation, "
        "period, numerator, denominator; UTF-8; at most 50 MB. The file loads whole or not at "
        "all.",
    )
    new_organisation_type = forms.ChoiceField(
        label="Type of organisations the file adds",
        choices=Organisation.Kind.choices,
        initial=Organisation.Kind.OTHER,
        help_text="Organisations already in the vocabulary keep their type.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.0f} MB; the upload takes at most "
                f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB. Load larger files with "
                "`manage.py import_metric_data`."
            )
        return upload


class UploadView(WagtailAdminTemplateMixin, FormView):
    template_name = "variation/admin/upload.html"
    form_class = UploadForm
    page_title = "Upload metric data"
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        if not can_upload(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        name = display_name(upload)
        context = {"form": self.form_class(), "file_name": name}
        try:
            data = b"".join(upload.chunks())
            result = import_csv(data, name, new_kind=form.cleaned_data["new_organisation_type"])
        except ImportRefused as refusal:
            context.update(errors=refusal.errors, truncated=refusal.truncated)
            response = self.render_to_response(self.get_context_data(**context))
            response.status_code = 400
            return response
        context["result"] = result
        return self.render_to_response(self.get_context_data(**context))
