from django.urls import path

from . import views

app_name = "kbsearch"
urlpatterns = [path("", views.search, name="search")]
