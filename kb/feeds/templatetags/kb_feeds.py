"""`{% feed_links page as feeds %}`: the feeds a page offers feed readers, for its
`<link rel="alternate">` tags (templates/feeds/alternate_links.html, in every page's head).

Read from the page's class alone, never the database: every page carries these links, and the
pages' query budgets (tests/cases/test_page_queries.py) leave nothing for them.
"""

from django import template
from django.urls import NoReverseMatch, reverse

from ..entries import kind_label
from ..views import site_name

register = template.Library()


@register.simple_tag
def feed_links(page=None):
    """[{title, url}], most particular first, as autodiscovery takes the first: a knowledge
    page's own content type (a case study: case studies), a listing's types (the guidance
    library: its guides, standards and blueprints), then the latest of everything."""
    page_class = type(page) if page else None
    kinds = {}
    if getattr(page_class, "content_kind", ""):
        kinds[page_class.content_kind] = page_class
    # Only a page type that names its children: one that names none may hold any page type.
    if page_class is not None and getattr(page_class, "subpage_types", None) is not None:
        for model in page_class.allowed_subpage_models():
            if getattr(model, "content_kind", ""):
                kinds.setdefault(model.content_kind, model)
    wanted = [
        (f"{kind_label(model)} – {site_name()}", "feeds:type", [kind])
        for kind, model in kinds.items()
    ]
    wanted.append((f"Latest from the {site_name()}", "feeds:latest", []))
    links = []
    for title, name, args in wanted:
        try:
            links.append({"title": title, "url": reverse(name, args=args)})
        except NoReverseMatch:
            # Rendered under a URL configuration without the feeds (an error page in a
            # test's own urlconf): the page goes without the link rather than failing.
            continue
    return links
