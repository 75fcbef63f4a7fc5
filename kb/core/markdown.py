"""Markdown to safe HTML: the one place where user-written Markdown becomes markup.

Rendered with the `markdown` package, then sanitised by nh3 (the Ammonia sanitiser) to an
allow-list of tags and attributes: scripts, styles, event handlers and `javascript:` links never
survive. Headings get ids so long pages can link to their sections.
"""

import html
from functools import lru_cache

import markdown as markdown_lib
import nh3
from django.utils.safestring import mark_safe

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel"}
EXTENSIONS = ["extra", "sane_lists", "toc"]


def sanitise_html(html):
    """Strip everything outside the allow-list; external links get rel=noopener noreferrer."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


@lru_cache(maxsize=2048)
def _render(text):
    html = markdown_lib.markdown(
        text,
        extensions=EXTENSIONS,
        extension_configs={"toc": {"permalink": False}},
        output_format="html",
    )
    return sanitise_html(html)


def render_markdown(text):
    """Markdown source to sanitised HTML, marked safe for templates."""
    if not text:
        return mark_safe("")
    return mark_safe(_render(str(text)))  # noqa: S308 (sanitised by nh3 in _render)


def markdown_to_text(text):
    """Markdown source to plain text, for search indexes and summaries.

    Plain text, not HTML: entities are decoded ("A&E", not "A&amp;E"), so escape it on output.
    """
    if not text:
        return ""
    return html.unescape(nh3.clean(_render(str(text)), tags=set())).strip()
