"""Document uploads: an allow-list of file types (settings) and a size limit (here)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from wagtail.documents.forms import BaseDocumentForm


class LimitedDocumentForm(BaseDocumentForm):
    """Wagtail's document form, refusing files over KB_DOCUMENT_MAX_UPLOAD_SIZE."""

    def clean_file(self):
        file = self.cleaned_data.get("file")
        limit = settings.KB_DOCUMENT_MAX_UPLOAD_SIZE
        if file is not None and getattr(file, "size", 0) > limit:
            raise ValidationError(
                f"This file is {filesizeformat(file.size)}. Documents can be at most "
                f"{filesizeformat(limit)}: reduce its size or link to it instead."
            )
        return file
