"""The open-data downloads at /open-data/."""

from django.urls import path

from . import views

app_name = "opendata"
urlpatterns = [
    path("", views.index, name="index"),
    # Every file by its name; a name the set does not have is a 404 (views.SERVED_FILES).
    path("<str:filename>", views.download, name="download"),
]
