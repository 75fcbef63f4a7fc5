"""The feeds' addresses, included at the site root: the search feed sits beside the search page
it follows (/search/feed/), the rest under /feeds/. Before Wagtail's page tree, so no page can
take them."""

from django.urls import path

from . import views

app_name = "feeds"
urlpatterns = [
    path("feeds/latest/", views.LatestFeed(), name="latest"),
    path("feeds/type/<slug:slug>/", views.ContentTypeFeed(), name="type"),
    path("feeds/pathway/<slug:slug>/", views.PathwayFeed(), name="pathway"),
    path("feeds/method/<slug:slug>/", views.MethodFeed(), name="method"),
    path("search/feed/", views.SearchFeed(), name="search"),
]
