"""/api/: the reference page, the OpenAPI description and Wagtail's page API (v2)."""

from django.urls import path

from . import views
from .endpoints import router

urlpatterns = [
    path("", views.reference, name="api_reference"),
    path("openapi.json", views.openapi_json, name="api_openapi"),
    path("v2/", router.urls),
]
