"""URL configuration: search, Wagtail admin and documents, then Wagtail's page tree."""

from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from kb.core.discoverability import robots_txt
from kb.search import views as search_views

urlpatterns = [
    # Wagtail's sitemap: every live page no view restriction covers (kb/core/discoverability.py).
    path("sitemap.xml", sitemap, name="sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # The feeds: /feeds/... and the search feed at /search/feed/, beside the search page.
    path("", include("kb.feeds.urls")),
    path("search/", include("kb.search.urls")),
    # Before Wagtail's page tree: /ideas/ itself is the ideas index page.
    path("ideas/", include("kb.ideas.urls")),
    # Improvement projects' own views (starting one, the team's actions); the pages themselves
    # (/projects/, /projects/<slug>/) are Wagtail's.
    path("projects/", include("kb.projects.site_urls")),
    # Staff accounts: the member's own pages, then django-allauth's sign-up and sign-in.
    path("accounts/", include("kb.accounts.urls")),
    # Following, notifications and unsubscribe links: /following/..., /notifications/.
    path("", include("kb.following.urls")),
    path("api/search/", search_views.api_search, name="api_search"),
    path("api/projects/", include("kb.projects.urls")),
    # Variation data: /variation/..., /organisations/<ods_code>/ and their JSON under /api/.
    path("", include("kb.variation.site_urls")),
    # The reference page, /api/openapi.json and the page API at /api/v2/ (kb/api/).
    path("api/", include("kb.api.urls")),
    # Open data: every public dataset as CSV and JSON, with its data dictionary and licence.
    path("open-data/", include("kb.opendata.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]

handler400 = "kb.core.views.bad_request"
handler403 = "kb.core.views.permission_denied"
handler404 = "kb.core.views.page_not_found"
handler500 = "kb.core.views.server_error"
