"""What a feed lists: published pages, read in a few queries and turned into feed entries.

Every feed lists pages the same way: live, public (no view restriction on them or on a page
above them, as search and the listings have it), newest first, at most FEED_LENGTH of them. A
feed says which page types it draws on and how to narrow them, or (search) which pages in which
order. Reading them costs the same few queries however many entries there are: one a page type
(with the organisation an entry is credited to joined in), then the pathways and methods of the
pages chosen, one query a vocabulary a page type. Long text a feed never shows (bodies,
sections, their stored HTML) is left unread.
"""

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import F, prefetch_related_objects
from django.http.request import split_domain_port
from django.utils import timezone
from django.utils.text import capfirst
from wagtail.fields import StreamField
from wagtail.models import Page

from kb.core.models import knowledge_page_models, public_pages

FEED_LENGTH = 30
# Newest first by the date the page gives (as the listings, the home page and search's "Newest
# first" order them); of pages with the same date, the one first published here later first.
NEWEST_FIRST = (
    F("publication_date").desc(),
    F("first_published_at").desc(nulls_last=True),
    F("pk").desc(),
)
_OLDEST = datetime.datetime.min.replace(tzinfo=datetime.UTC)
# Characters XML 1.0 cannot carry: Django refuses to write them (a 500), so they never reach it.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value):
    """Text as an XML document may carry it: characters XML 1.0 forbids are dropped."""
    return _NOT_XML.sub("", str(value or ""))


@dataclass(frozen=True)
class Category:
    """A vocabulary term an entry is filed under."""

    scheme: str  # the vocabulary: the address its terms' feeds sit under
    term: str  # the term's slug: stable, as in the web addresses
    label: str  # its name, as readers see it


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    url: str
    summary: str  # plain text
    published: datetime.datetime
    updated: datetime.datetime
    author: str | None
    categories: tuple


def page_kinds():
    """{content kind slug: [the page types filed under it]}, from the page types themselves."""
    kinds = {}
    for model in knowledge_page_models():
        if model.content_kind:
            kinds.setdefault(model.content_kind, []).append(model)
    return kinds


def kind_label(model):
    """A page type's name for many of it: "Case studies", "GIRFT standards"."""
    return capfirst(str(model._meta.verbose_name_plural))


def newest_pages(page_models, narrow=None, limit=FEED_LENGTH):
    """The newest `limit` published pages of these types, each queryset narrowed by `narrow`
    (a function of the queryset) when given. One query a page type."""
    pages = []
    for model in page_models:
        queryset = published(model)
        if narrow is not None:
            queryset = narrow(queryset)
        pages.extend(queryset.order_by(*NEWEST_FIRST)[:limit])
    pages.sort(key=_newest_first_key, reverse=True)
    return pages[:limit]


def pages_in_order(found):
    """found: (page id, content kind) pairs in the order to list them. The pages of them that
    are still published and public, in that order: one query a content kind. (A search index
    a moment behind an unpublish or a new view restriction must not put the page in a feed.)"""
    ids_by_kind = {}
    for page_id, kind in found:
        ids_by_kind.setdefault(kind, []).append(page_id)
    kinds = page_kinds()
    pages = {}
    for kind, ids in ids_by_kind.items():
        for model in kinds.get(kind, ()):
            pages.update((page.pk, page) for page in published(model).filter(pk__in=ids))
    return [pages[page_id] for page_id, _ in found if page_id in pages]


def published(model):
    """The live, public pages of a page type, with what an entry shows and nothing more."""
    queryset = public_pages(model.objects.live()).defer(*_unshown_fields(model))
    if _has_field(model, "organisation"):
        queryset = queryset.select_related("organisation")
    return queryset


def entries(pages, request, kind_names, schemes):
    """Feed entries for the pages, in their order. `kind_names`: {content kind slug: name}
    for the type categories (the page type's own name for a kind the vocabulary lacks);
    `schemes`: {"type", "pathway", "method": the scheme of its categories}."""
    by_model = {}
    for page in pages:
        by_model.setdefault(type(page), []).append(page)
    for group in by_model.values():
        prefetch_related_objects(group, "pathways", "methods")
    hostname = split_domain_port(request.get_host())[0] or "localhost"
    made = []
    for page in pages:
        url = page.get_url(request)
        if not url:  # not under any site: nowhere to link to
            continue
        made.append(_entry(page, url, hostname, kind_names, schemes))
    return made


def _entry(page, url, hostname, kind_names, schemes):
    published_at = timezone.make_aware(
        datetime.datetime.combine(page.publication_date, datetime.time())
    )
    first = page.first_published_at
    organisation = getattr(page, "organisation", None)
    author = (organisation.name if organisation is not None else "") or page.content_owner
    kind = page.content_kind
    terms = [("type", kind, kind_names.get(kind) or page._meta.verbose_name)]
    terms += [("pathway", term.slug, term.name) for term in page.pathways.all()]
    terms += [("method", term.slug, term.name) for term in page.methods.all()]
    return Entry(
        # A tag URI (RFC 4151) from the page's id and the day it first went live: the entry
        # keeps its id when the page is renamed, moved or edited, so readers see an update,
        # not a new entry.
        id=f"tag:{hostname},{(timezone.localdate(first) if first else page.publication_date)}"
        f":page/{page.pk}",
        title=xml_text(page.title),
        url=url,
        summary=xml_text(page.summary),
        published=published_at,
        updated=page.last_published_at or first or published_at,
        author=xml_text(author) or None,
        categories=tuple(
            Category(schemes[vocabulary], slug, xml_text(label))
            for vocabulary, slug, label in terms
            if slug
        ),
    )


def _newest_first_key(page):
    return (page.publication_date, page.first_published_at or _OLDEST, page.pk)


def _has_field(model, name):
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def _unshown_fields(model):
    """The page type's own long text: bodies, Markdown sections and their rendered HTML."""
    return [
        field.name
        for field in model._meta.concrete_fields
        if field.model is not Page
        and field.name != "summary"
        and isinstance(field, models.TextField | models.JSONField | StreamField)
    ]
