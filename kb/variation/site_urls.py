"""The variation addresses: pages for people and their JSON (see views.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("variation/", views.metric_list, name="variation_metrics"),
    path("variation/<slug:metric>/", views.metric_funnel, name="variation_funnel"),
    path("organisations/<str:ods_code>/", views.organisation_page, name="variation_organisation"),
    path("api/variation/<slug:metric>/funnel.json", views.funnel_json, name="api_variation_funnel"),
    path("api/organisations/<str:ods_code>/", views.organisation_json, name="api_organisation"),
]
