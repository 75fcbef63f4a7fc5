"""Template filters used across the site."""

from django import template

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
