"""Template filters used across the site."""

from django import template
from django.core.exceptions import DisallowedHost
from django.utils.safestring import mark_safe
from wagtail.models import Page

from kb.core.discoverability import SITE_NAME, json_for_script
from kb.core.markdown import heading_id, render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text, page=None):
    """Render Markdown through the site's sanitiser: `{{ text|markdown:page }}` serves the HTML
    the page stored when it was saved (pass the page whenever there is one)."""
    return render_markdown(text, page=page)


@register.filter(name="heading_id")
def heading_id_filter(heading):
    """The id for a heading an editor typed (a section block's): never one a template uses."""
    return heading_id(heading)


@register.simple_tag
def breadcrumb_pages(page):
    """The page's ancestors below the root, as `page.get_ancestors|slice:"1:"` gives them: the
    parents routing has already put on the page (Page.route caches each one) when it has them
    all, so a served page needs no query for its breadcrumbs; otherwise one query."""
    trail, current = [], page
    while current.depth > 2:
        parent = getattr(current, "_cached_parent_obj", None)
        if parent is None or parent.path != current.path[: -current.steplen]:
            return list(page.get_ancestors()[1:])
        trail.append(parent)
        current = parent
    return trail[::-1]


@register.simple_tag(takes_context=True)
def url_with(context, **changes):
    """The current query string with some parameters replaced (None removes one)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def error_items(form):
    """(anchor, message) pairs for the error summary: the form's own `error_list()` when it has
    one, otherwise each field's errors in field order (anchored at the field), then the rest."""
    if form is None:
        return []
    if hasattr(form, "error_list"):
        return form.error_list()
    items = []
    for field in form:
        items += [(field.auto_id, message) for message in field.errors]
    items += [("", message) for message in form.non_field_errors()]
    return items


@register.filter
def after_label(text, label):
    """`text` without a leading "Label:" that repeats `label` (shown in bold before it), so a
    caption reads "Common cause variation. No point ..." and not the label twice."""
    text, label = str(text or ""), str(label or "")
    if label and text.lower().startswith(label.lower() + ":"):
        rest = text[len(label) + 1 :].strip()
        return rest[:1].upper() + rest[1:]
    return text


@register.inclusion_tag("components/discovery_meta.html", takes_context=True)
def discovery_meta(context):
    """The canonical link, Open Graph and Twitter card tags and the JSON-LD of the page being
    shown: for a Wagtail page its own full URL (the address the sitemap gives); for any other
    view the address without its query string (search results, filters and page numbers are
    not separate documents). Open Graph, Twitter and JSON-LD only for Wagtail pages."""
    request = context.get("request")
    if request is None:
        return {}
    try:
        address = request.build_absolute_uri(request.path)
    except DisallowedHost:
        return {}  # the 400 page for a request with a Host header the site does not serve
    page = context.get("page")
    if not isinstance(page, Page) or page.pk is None:
        return {"canonical": address}
    canonical = page.get_full_url(request) or address
    is_article = getattr(page, "schema_type", "") == "Article"
    description = page.search_description or getattr(page, "summary", "")
    description = description or getattr(page, "intro", "")
    data = page.structured_data(request) if hasattr(page, "structured_data") else None
    modified = getattr(page, "last_modified", None) if is_article else None
    return {
        "canonical": canonical,
        "page": page,
        "title": page.seo_title or page.title,
        "description": " ".join(str(description).split()),
        "og_type": "article" if is_article else "website",
        "site_name": SITE_NAME,
        "published": getattr(page, "publication_date", None) if is_article else None,
        "modified": modified,
        "json_ld": mark_safe(json_for_script(data)) if data else "",  # noqa: S308 (escaped)
    }


@register.simple_tag
def option_count(form, name, value):
    """How many results a listing filter's option gives (the form's `option_counts`), 0 when
    none: `{% option_count filter_form field.name choice.data.value %}`."""
    counts = getattr(form, "option_counts", {}).get(name, {})
    return counts.get(str(value), 0)
