"""The search page: full-text search over published pages.

A first version on Wagtail's search backend; faceted search arrives with its own issue.
"""

import re

from django.core.paginator import Paginator
from django.shortcuts import render
from wagtail.models import Page

MAX_QUERY_LENGTH = 200
PAGE_SIZE = 10
# Characters that are syntax to a full-text engine (FTS5 raises on an unbalanced quote).
_SYNTAX = re.compile(r"[\"'*^(){}\[\]:+\-~<>|\\/]|[\x00-\x1f\x7f]")


def clean_query(raw):
    """The user's words without engine syntax, control characters or excess length."""
    text = _SYNTAX.sub(" ", raw or "")[:MAX_QUERY_LENGTH]
    return " ".join(text.split())


def search(request):
    raw = request.GET.get("q", "")
    query = clean_query(raw)
    results = None
    if query:
        from kb.core.models import KnowledgePage  # noqa: F401  (models loaded)

        pages = Page.objects.live().public().specific().exclude(depth__lte=2)
        found = pages.search(query, operator="and")
        paginator = Paginator(found, PAGE_SIZE)
        results = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "search/search.html",
        {"query": query, "raw_query": raw[:MAX_QUERY_LENGTH], "results": results},
    )
