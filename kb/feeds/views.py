"""The feeds: Django's syndication framework writing Atom 1.0 (RFC 4287).

- /feeds/latest/: everything newly published;
- /feeds/type/<content kind>/: one kind of content (`case-study`, `girft-standard`...: the
  slugs of search's "Content type" facet, which the page types declare as `content_kind`);
- /feeds/pathway/<slug>/ and /feeds/method/<slug>/: what is filed under a care pathway or an
  improvement method;
- /search/feed/?q=...&pathway=...&method=...: the search page's results for the same address.

Each feed is a `KnowledgeFeed`: `describe()` says what it is about (its title, its HTML page,
its own address; a 404 for a slug nobody knows), and `narrow()` which pages it lists, or
`pages()` for a feed whose pages come from elsewhere (search). Reading the pages and writing the
entries is shared (entries.py), so every feed lists only live, public pages and costs the same
few queries. A feed for a Learning and Improvement Network, when networks exist, is one more
subclass: `describe()` finds the network page by its slug, `narrow()` keeps the pages of its
member organisations or focus pathways (with `.distinct()`, as that filter joins many rows).

The Feed instances are shared by every request (they sit in the URL patterns), so nothing about
a request is kept on them: everything a request decides travels in the `Subject` that
`get_object()` returns.
"""

import hashlib
from abc import ABCMeta, abstractmethod
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpResponseBadRequest, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from kb.core.models import knowledge_page_models
from kb.search.facets import facets
from kb.search.service import BadSearchRequest, known_values, read_params, search_documents
from kb.taxonomy.models import ContentKind, ImprovementMethod, Pathway

from .entries import (
    FEED_LENGTH,
    entries,
    kind_label,
    newest_pages,
    page_kinds,
    pages_in_order,
    xml_text,
)

# Shared caches and feed readers may keep a copy this long. Not longer: a page unpublished or
# put behind a view restriction should leave the feeds within minutes.
FEED_MAX_AGE = 300
# The vocabularies entries are filed under, each the URL name of its terms' feeds.
VOCABULARY_FEEDS = ("type", "pathway", "method")


def site_name():
    return settings.WAGTAIL_SITE_NAME


class KnowledgeAtom1Feed(Atom1Feed):
    """Atom 1.0 whose entry categories say where they come from: the term is the slug (stable,
    as in the web addresses), the label its name, and the scheme the address its vocabulary's
    feeds sit under, so that scheme + term + "/" is that term's own feed."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for scheme, term, label in item.get("vocabulary_terms", ()):
            handler.addQuickElement(
                "category", "", {"scheme": scheme, "term": term, "label": label}
            )


@dataclass
class Subject:
    """What one request's feed is about, and all it needs to be written."""

    title: str
    subtitle: str
    link: str  # the HTML page that shows the same content
    feed_url: str  # the feed's own canonical address
    about: object = None  # the term, page types or search result the feed is about
    kind_names: dict | None = None  # {content kind slug: name}: read once if not given
    id: str = ""
    schemes: dict = field(default_factory=dict)
    entries: list = field(default_factory=list)


class KnowledgeFeed(Feed, metaclass=ABCMeta):
    """The newest published pages that `narrow()` keeps, at most FEED_LENGTH, as Atom."""

    feed_type = KnowledgeAtom1Feed
    limit = FEED_LENGTH

    def __call__(self, request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        response = super().__call__(request, *args, **kwargs)
        return _cacheable(request, response)

    def get_object(self, request, *args, **kwargs):
        subject = self.describe(request, *args, **kwargs)
        if subject.kind_names is None:
            subject.kind_names = dict(ContentKind.objects.values_list("slug", "name"))
        subject.id = request.build_absolute_uri(subject.feed_url)
        subject.schemes = {name: _scheme(request, name) for name in VOCABULARY_FEEDS}
        subject.entries = entries(
            self.pages(request, subject), request, subject.kind_names, subject.schemes
        )
        return subject

    # -- what each feed says -----------------------------------------------------------------
    @abstractmethod
    def describe(self, request, *args, **kwargs):
        """The feed's Subject; raise Http404 for a subject that does not exist. Every feed
        says what it is about: the base class cannot be made on its own."""

    def page_models(self, subject):
        return knowledge_page_models()

    def narrow(self, queryset, subject):
        """The pages of one page type this feed lists (`queryset`: its live, public pages)."""
        return queryset

    def pages(self, request, subject):
        return newest_pages(
            self.page_models(subject), lambda queryset: self.narrow(queryset, subject), self.limit
        )

    # -- the syndication framework's questions -----------------------------------------------
    def title(self, subject):
        return xml_text(subject.title)

    def subtitle(self, subject):
        return xml_text(subject.subtitle)

    def link(self, subject):
        return subject.link

    def feed_url(self, subject):
        return subject.feed_url

    def feed_guid(self, subject):
        return subject.id

    def author_name(self):
        # Atom asks every entry for an author: the site's, where an entry names none.
        return site_name()

    def items(self, subject):
        return subject.entries

    def item_title(self, item):
        return item.title  # Atom titles are text: no escaping (the framework's RSS habit)

    def item_link(self, item):
        return item.url

    def item_description(self, item):
        # The framework writes the summary as type="html": escaped, plain text stays plain.
        return escape(item.summary)

    def item_pubdate(self, item):
        return item.published

    def item_updateddate(self, item):
        return item.updated

    def item_author_name(self, item):
        return item.author

    def item_guid(self, item):
        return item.id

    def item_extra_kwargs(self, item):
        return {"vocabulary_terms": [(c.scheme, c.term, c.label) for c in item.categories]}


class LatestFeed(KnowledgeFeed):
    """Everything newly published, whatever its kind."""

    def describe(self, request):
        return Subject(
            title=f"Latest from the {site_name()}",
            subtitle="Newly published improvement guides, GIRFT standards, blueprints, case "
            "studies and frontline ideas, newest first.",
            link="/",
            feed_url=reverse("feeds:latest"),
        )


class ContentTypeFeed(KnowledgeFeed):
    """One kind of content: the page types filed under a content kind."""

    def describe(self, request, slug):
        models = page_kinds().get(slug)
        if not models:
            raise Http404
        kinds = {kind.slug: kind for kind in ContentKind.objects.all()}
        kind = kinds.get(slug)
        label = kind_label(models[0])
        return Subject(
            title=f"{label} – {site_name()}",
            subtitle=" ".join(filter(None, [kind and kind.description, "Newest first."])),
            link=_search_link(type=slug),
            feed_url=reverse("feeds:type", args=[slug]),
            about=models,
            kind_names={slug: kind.name for slug, kind in kinds.items()},
        )

    def page_models(self, subject):
        return subject.about


class VocabularyFeed(KnowledgeFeed):
    """The pages filed under one term of a vocabulary the pages link to many-to-many."""

    vocabulary = None  # the term model
    field = ""  # the pages' many-to-many field to it
    facet = ""  # search's facet for the vocabulary, and the URL name of these feeds
    noun = ""  # what a term is, for the subtitle

    def describe(self, request, slug):
        term = get_object_or_404(self.vocabulary, slug=slug)
        return Subject(
            title=f"{term.name} – {site_name()}",
            subtitle=" ".join(
                filter(
                    None,
                    [
                        term.description,
                        f"Guidance, standards, case studies and ideas filed under this "
                        f"{self.noun}, newest first.",
                    ],
                )
            ),
            link=_search_link(**{self.facet: slug}),
            feed_url=reverse(f"feeds:{self.facet}", args=[slug]),
            about=term,
        )

    def narrow(self, queryset, subject):
        # One term: the join gives each page once, so no DISTINCT is needed.
        return queryset.filter(**{self.field: subject.about})


class PathwayFeed(VocabularyFeed):
    vocabulary, field, facet, noun = Pathway, "pathways", "pathway", "care pathway"


class MethodFeed(VocabularyFeed):
    vocabulary, field, facet, noun = ImprovementMethod, "methods", "method", "improvement method"


class SearchFeed(KnowledgeFeed):
    """The search page's results for the same address, as a feed: the same service
    (kb.search.service) reads the parameters and finds the pages.

    Newest first (search's own "Newest first" order) unless the address asks for
    `sort=relevance`. A feed is polled by a program for what is new: in relevance order a new
    page that matches, but ranks below the first FEED_LENGTH, would never reach the subscriber,
    and the entries would reshuffle as other pages come and go. `sort=relevance` is there for
    those who want the search page's own order. `page` is ignored: a feed is the first
    FEED_LENGTH results. Unknown filter values are ignored, as the search page ignores them
    (the subtitle says so); a `sort` nobody could mean is a 400, as on the search page.
    """

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except BadSearchRequest as error:
            return HttpResponseBadRequest(
                f"There is a problem with this feed's address: {error}.\n",
                content_type="text/plain; charset=utf-8",
            )

    def describe(self, request):
        vocabulary = known_values()
        query = request.GET.copy()
        query.pop("page", None)
        if not (query.get("sort") or "").strip():
            query["sort"] = "date"
        params = read_params(query, vocabulary)
        result, parsed = search_documents(params, page_size=self.limit)
        # The address in canonical form: newest first needs no parameter, relevance does.
        canonical = params.querystring(sort="relevance")
        if params.sort == "relevance":
            canonical = "&".join(filter(None, [canonical, "sort=relevance"]))
        return Subject(
            title=f"{_search_title(parsed.text, params, vocabulary)} – {site_name()}",
            subtitle=_search_subtitle(params),
            link=f"{reverse('kbsearch:search')}?{params.querystring()}",
            feed_url=f"{reverse('feeds:search')}?{canonical}".rstrip("?"),
            about=result,
            kind_names=vocabulary["type"],
        )

    def pages(self, request, subject):
        return pages_in_order([(hit.id, hit.type) for hit in subject.about.hits])


def _search_title(text, params, vocabulary):
    """ "Search results for “handover” (Care pathway: Urgent and emergency care)"."""
    chosen = [
        f"{facet.label}: "
        + ", ".join(sorted(vocabulary[facet.name][value] for value in params.filters[facet.name]))
        for facet in facets()
        if params.filters.get(facet.name)
    ]
    title = f"Search results for “{text}”" if text else "Search results"
    return f"{title} ({'; '.join(chosen)})" if chosen else title


def _search_subtitle(params):
    order = "newest first" if params.sort == "date" else "most relevant first"
    subtitle = f"Pages that match this search, {order}."
    if params.ignored:
        ignored = ", ".join(value for _, value in params.ignored)
        subtitle += f" Some filters were not recognised and were ignored: {ignored}."
    return subtitle


def _search_link(**filters):
    """The search page listing what a vocabulary feed lists, in the same order."""
    return f"{reverse('kbsearch:search')}?{urlencode({**filters, 'sort': 'date'})}"


def _scheme(request, name):
    """The address the feeds of a vocabulary's terms sit under (/feeds/pathway/)."""
    return request.build_absolute_uri(reverse(f"feeds:{name}", args=["-"]).removesuffix("-/"))


def _cacheable(request, response):
    """Let shared caches keep a feed for a while, and answer a reader that sends back the ETag
    it was given with 304 Not Modified while the feed is unchanged.

    The ETag is the feed's own hash. Last-Modified (which the framework sets from the newest
    entry) is not used to answer: an entry unpublished or restricted leaves the feed with an
    older newest date, and a reader asking "modified since?" would wrongly be told no.
    """
    if response.status_code != 200:
        return response
    etag = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
    response.headers["ETag"] = etag
    patch_cache_control(response, public=True, max_age=FEED_MAX_AGE)
    return get_conditional_response(request, etag=etag, response=response)
