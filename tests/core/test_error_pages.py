"""Branded error pages that never leak a traceback."""

import pytest
from django.test import Client
from django.urls import path

from kb import urls as kb_urls


@pytest.mark.django_db
def test_unknown_address_gets_the_branded_404(client, site_tree):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert "nhsuk-header" in html
    assert 'href="/search/"' in html
    assert "Traceback" not in html


def _boom(request):
    raise RuntimeError("secret internal detail")


urlpatterns = [path("boom/", _boom), *kb_urls.urlpatterns]
handler404 = kb_urls.handler404
handler500 = kb_urls.handler500


@pytest.mark.django_db
def test_server_error_shows_the_branded_500_without_details(settings, site_tree):
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, there is a problem with the service" in html
    assert "secret internal detail" not in html
    assert "Traceback" not in html
