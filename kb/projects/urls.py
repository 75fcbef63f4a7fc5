from django.urls import path

from . import views

urlpatterns = [path("<slug:slug>/", views.api_project, name="api_project")]
