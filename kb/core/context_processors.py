"""Template context shared by every page: the site's main navigation."""

from django.urls import reverse


def site_navigation(request):
    from wagtail.models import Site

    from .models import children_read_when_routing

    site = Site.find_for_request(request) if request is not None else None
    links = []
    if site is not None:
        root = site.root_page
        # Routing a page below the home page has read the home page's children already.
        children = children_read_when_routing(request, root)
        if children is None:
            pages = root.get_children().live().in_menu()
        else:
            pages = [page for page in children if page.live and page.show_in_menus]
        for page in pages:
            links.append({"url": page.url, "label": page.title})
    links.append({"url": reverse("kbsearch:search"), "label": "Search"})
    return {"primary_links": links}
