"""The request and result shapes every search backend shares, and exact facet counting."""

import math
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import mark_safe

FACETS = ("type", "pathway", "method", "specialty", "region")
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


def count_and_filter(rows, filters):
    """Exact multi-select faceting over candidate rows.

    `rows` are (id, score, date, {facet: [values]}). A row is a result when, for every facet
    with selected values, it has at least one of them (OR within a facet, AND across facets).
    Each facet's counts ignore that facet's own selection, so a reader sees how many results
    each further value of the facet would add. Returns (matching rows, counts).
    """
    active = [(facet, values) for facet, values in filters.items() if values]
    counts = {facet: {} for facet in FACETS}
    matching = []
    for row in rows:
        values = row[3]
        failed = [facet for facet, wanted in active if not wanted.intersection(values[facet])]
        if len(failed) > 1:
            continue
        facets_to_count = failed or FACETS
        for facet in facets_to_count:
            bucket = counts[facet]
            for value in values[facet]:
                bucket[value] = bucket.get(value, 0) + 1
        if not failed:
            matching.append(row)
    return matching, counts


def order_rows(rows, sort, has_query):
    """Relevance (lower score is better, then newest) or newest first."""
    if sort == "relevance" and has_query:
        return sorted(rows, key=lambda r: (r[1], -(r[2].toordinal() if r[2] else 0), r[0]))
    return sorted(rows, key=lambda r: (-(r[2].toordinal() if r[2] else 0), r[0]))
