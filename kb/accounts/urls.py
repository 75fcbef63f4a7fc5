from django.urls import include, path

from . import views

urlpatterns = [
    path("profile/", views.profile, name="staff_profile"),
    path("profile/download/", views.download_data, name="staff_data_download"),
    path("delete/", views.delete_account, name="staff_delete_account"),
    # allauth's sign-in code page, opened from the email's link too (before allauth's own).
    path("login/code/confirm/", views.confirm_login_code, name="account_confirm_login_code"),
    path("", include("allauth.urls")),
]
