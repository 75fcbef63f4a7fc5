"""The request and result shapes every search backend shares."""

import math
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import mark_safe

SORTS = ("relevance", "date")
PAGE_SIZE = 10
# Snippet markers: control characters never survive query or index cleaning, so they cannot
# collide with text; the highlighter escapes everything else before turning them into <mark>.
MARK_START, MARK_END = "\x02", "\x03"


@dataclass
class SearchRequest:
    query: object  # kb.search.query.ParsedQuery
    filters: dict = field(default_factory=dict)  # facet -> set of slugs
    sort: str = "relevance"
    page: int = 1
    page_size: int = PAGE_SIZE


@dataclass
class Hit:
    id: int
    slug: str
    title: str
    url: str
    type: str
    summary: str
    pathways: list
    methods: list
    highlight: str  # safe HTML: escaped text with <mark> around matching words
    publication_date: object = None
    signal: str = ""  # what the page's SPC charts show: "improvement", "none" or ""


@dataclass
class SearchResult:
    count: int
    hits: list
    facets: dict  # facet -> {slug: count}
    page: int
    page_size: int
    backend: str = "database"
    notices: list = field(default_factory=list)

    @property
    def num_pages(self):
        return max(1, math.ceil(self.count / self.page_size))


def marked_to_html(text):
    """Escape snippet text and turn the marker characters into <mark> elements."""
    html = escape(text or "")
    html = html.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    return mark_safe(html)  # noqa: S308 - built from escaped text and our own tags
