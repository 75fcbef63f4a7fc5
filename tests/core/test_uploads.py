"""Uploads: only allowed document types, and nothing over the size limit."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.documents import get_document_model

pytestmark = pytest.mark.django_db


def upload(client, name, content):
    return client.post(
        "/admin/documents/add/",
        {"title": name, "file": SimpleUploadedFile(name, content), "collection": 1},
    )


def test_an_allowed_document_uploads(admin_client):
    response = upload(admin_client, "report.pdf", b"%PDF-1.4 small")
    assert response.status_code == 302
    assert get_document_model().objects.filter(title="report.pdf").exists()


@pytest.mark.parametrize("name", ["payload.exe", "page.html", "script.js", "shell.sh"])
def test_other_file_types_are_refused(admin_client, name):
    response = upload(admin_client, name, b"content")
    assert response.status_code == 200
    assert "is not allowed. Allowed extensions are: pdf" in response.content.decode()
    assert not get_document_model().objects.exists()


def test_documents_over_the_size_limit_are_refused(admin_client, settings):
    settings.KB_DOCUMENT_MAX_UPLOAD_SIZE = 1024
    response = upload(admin_client, "big.pdf", b"x" * 2048)
    assert response.status_code == 200
    assert "Documents can be at most 1.0\xa0KB" in response.content.decode()
    assert not get_document_model().objects.exists()
