"""Template context shared by every page: the site's main navigation."""

from django.urls import reverse


def site_navigation(request):
    from wagtail.models import Site

    site = Site.find_for_request(request) if request is not None else None
    links = []
    if site is not None:
        root = site.root_page.specific
        for page in root.get_children().live().in_menu().specific():
            links.append({"url": page.url, "label": page.title})
    links.append({"url": reverse("kbsearch:search"), "label": "Search"})
    return {"primary_links": links}
