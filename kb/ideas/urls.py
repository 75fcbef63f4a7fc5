"""The ideas service's own pages, under /ideas/ beside the published idea pages.

Their first path segments are reserved: no idea page may take one as its slug (models.py).
"""

from django.urls import path

from . import views

app_name = "ideas"
urlpatterns = [
    path("submit/", views.submit, name="submit"),
    path("submitted/<str:key>/", views.submitted, name="submitted"),
    path("status/<str:token>/", views.status, name="status"),
    path("similar/", views.similar, name="similar"),
    path("endorse/<int:page_id>/<slug:kind>/", views.endorse, name="endorse"),
]
