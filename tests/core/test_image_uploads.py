"""Image uploads: raster formats only. An SVG is a document that can carry script, and it would
be served from the site's own origin, so it is refused however it is named."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from wagtail.images import get_image_model

pytestmark = pytest.mark.django_db

SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
)


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "#005eb8").save(buffer, format="PNG")
    return buffer.getvalue()


def upload(client, name, content):
    return client.post(
        "/admin/images/add/",
        {"title": name, "file": SimpleUploadedFile(name, content), "collection": 1},
    )


def test_a_png_uploads(admin_client):
    response = upload(admin_client, "chart.png", png_bytes())
    assert response.status_code == 302
    image = get_image_model().objects.get(title="chart.png")
    assert (image.width, image.height) == (4, 3)


def test_an_svg_is_refused_with_a_clear_message(admin_client):
    response = upload(admin_client, "logo.svg", SVG)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Not a supported image format. Supported formats: GIF, JPG, JPEG, PNG, WEBP." in html
    assert not get_image_model().objects.exists()


def test_an_svg_named_as_a_png_is_refused(admin_client):
    response = upload(admin_client, "logo.png", SVG)
    assert response.status_code == 200
    assert "Not a valid .png image." in response.content.decode()
    assert not get_image_model().objects.exists()


def test_the_bulk_uploader_refuses_an_svg_too(admin_client):
    response = admin_client.post(
        "/admin/images/multiple/add/",
        {"files[]": SimpleUploadedFile("logo.svg", SVG), "collection": 1},
    )
    assert response.status_code == 200
    result = response.json()
    assert result["success"] is False
    assert "Not a supported image format" in result["error_message"]
    assert not get_image_model().objects.exists()


def test_the_upload_form_does_not_offer_svg(admin_client):
    html = admin_client.get("/admin/images/add/").content.decode()
    assert "Supported formats: GIF, JPG, JPEG, PNG, WEBP." in html
    assert "image/svg+xml" not in html and ".svg" not in html
