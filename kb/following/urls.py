from django.urls import path

from . import views

app_name = "following"
urlpatterns = [
    path("following/", views.manage, name="manage"),
    path("following/follow/", views.follow, name="follow"),
    path("following/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("notifications/", views.notifications, name="notifications"),
]
