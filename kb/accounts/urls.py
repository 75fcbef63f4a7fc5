from django.urls import include, path

from . import views

urlpatterns = [
    path("profile/", views.profile, name="staff_profile"),
    path("profile/download/", views.download_data, name="staff_data_download"),
    path("delete/", views.delete_account, name="staff_delete_account"),
    path("", include("allauth.urls")),
]
