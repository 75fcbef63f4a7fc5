"""The project pages' own views under /projects/, matched before Wagtail's page tree (which
serves /projects/ itself and each /projects/<slug>/)."""

from django.urls import path

from . import views
from .views import project_action as one

app_name = "projects"
urlpatterns = [
    path("new/", views.new_project, name="new"),
    path("mine/", views.my_projects, name="mine"),
    path("<slug:slug>/edit/", one(views.edit), name="edit"),
    path("<slug:slug>/team/", one(views.team), name="team"),
    path("<slug:slug>/team/<int:member_id>/remove/", one(views.remove_member), name="remove"),
    path("<slug:slug>/share/", one(views.share), name="share"),
    path("<slug:slug>/unshare/", one(views.unshare), name="unshare"),
    path("<slug:slug>/write-up/", one(views.write_up_view), name="write_up"),
    path("<slug:slug>/data/", one(views.data), name="data"),
    path("<slug:slug>/measures/new/", one(views.new_measure), name="new_measure"),
    path("<slug:slug>/measures/<int:measure_id>/", one(views.edit_measure), name="measure"),
    path(
        "<slug:slug>/measures/<int:measure_id>/data/",
        one(views.measure_data),
        name="measure_data",
    ),
    path("<slug:slug>/cycles/new/", one(views.new_cycle), name="new_cycle"),
    path("<slug:slug>/cycles/<int:cycle_id>/", one(views.edit_cycle), name="cycle"),
]
