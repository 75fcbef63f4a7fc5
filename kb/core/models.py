"""The home page and the fields every knowledge page shares.

`KnowledgePage` is the abstract base of guides, GIRFT standards, blueprints and case studies:
summary, pathways, methods, specialties, publication date, owner and review dates. Keeping them
in one place means the listing pages, the freshness report and search treat every kind alike.
"""

import datetime
from functools import cache, cached_property

from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.lookups import StartsWith
from django.http import Http404
from django.utils import timezone
from django.utils.functional import classproperty
from django.utils.text import slugify
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page, PageViewRestriction
from wagtail.search import index

from kb.taxonomy.models import Pathway

from .api_fields import knowledge_api_fields
from .blocks import BodyBlock, markdown_in_stream, section_heading_ids, stream_text
from .discoverability import PUBLISHER, SITE_NAME
from .markdown import markdown_key, markdown_problem, markdown_to_text, render_stored_markdown

REVIEW_SOON_DAYS = 30


def default_next_review():
    return timezone.localdate() + datetime.timedelta(days=365)


def rendered_markdown_field():
    """`rendered_markdown` of a knowledge page type: its Markdown rendered when it was saved,
    {markdown_key(text): sanitised HTML}, which templates serve instead of rendering on every
    request. Declared on each concrete type (not on KnowledgePage, so that adding it to a type
    is that app's migration); left out of revisions, it is rebuilt on every save."""
    return models.JSONField(default=dict, blank=True, editable=False, serialize=False)


# --- Serving a page in few queries ----------------------------------------------------------
# Wagtail's own routing costs two queries a level of the URL (the child, then its specific
# row), and its view restriction check two more (the ancestors, then their restrictions).
# HomePage.route reads the whole path in one query and the restricted pages' paths in another
# (a handful of rows), then fetches the page with what its template shows
# (`serve_select_related`). Pages that take `RoutedPageMixin` answer the view restriction check
# from what routing read, and filter the pages they link to as Wagtail's public() would,
# without reading the restrictions again. Each query is kept simple: on a served page, building
# Django's SQL costs more than running it.


def _restricted_q():
    """True for a page that a view restriction covers (on it or on an ancestor)."""
    restrictions = PageViewRestriction.objects.filter(StartsWith(OuterRef("path"), F("page__path")))
    return Q(Exists(restrictions))


def public_pages(queryset, restricted_paths=None):
    """`queryset.public()`: without the pages a view restriction covers. Wagtail's public()
    reads every restriction first, in a query of its own; given the paths of the restricted
    pages (as routing read them) this needs none, and otherwise filters in the same query.
    (A preview's in-memory relation is not a queryset: as before.)"""
    if not isinstance(queryset, models.QuerySet):
        return queryset.public()
    if restricted_paths is None:
        return queryset.exclude(_restricted_q())
    covered = Q()
    for path in restricted_paths:
        covered |= Q(path__startswith=path)
    return queryset.exclude(covered) if covered else queryset


class RoutedPageMixin:
    """Pages served by HomePage.route: no query for the view restriction check."""

    # Relations the page's template shows, fetched with the page when it is served.
    serve_select_related = ()

    def get_view_restrictions(self):
        if self.__dict__.get("kb_view_restricted") is False:
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()

    def public_related(self, queryset):
        """`queryset.public()`, from the restrictions routing read when it served this page."""
        return public_pages(queryset, self.__dict__.get("kb_restricted_paths"))


def _fetch_for_serving(page, aliased):
    """`page.specific`, with its `serve_select_related`; for a RoutedPageMixin page, also what
    the view restriction check needs: whether any restriction covers it (or an alias on its
    path makes Wagtail look elsewhere), and the paths of every restricted page for its links."""
    model = page.specific_class
    if model is None:
        return page.specific
    related = getattr(model, "serve_select_related", ())
    pages = model._default_manager.select_related(*related) if related else model._default_manager
    try:
        specific = pages.get(pk=page.pk)
    except model.DoesNotExist:
        raise Http404 from None
    # As Page.specific does: keep what the routing put on the page (its cached parent).
    for name, value in page.__dict__.items():
        specific.__dict__.setdefault(name, value)
    if issubclass(model, RoutedPageMixin):
        restricted = tuple(PageViewRestriction.objects.values_list("page__path", flat=True))
        covered = any(page.path.startswith(path) for path in restricted)
        specific.kb_view_restricted = covered or aliased
        specific.kb_restricted_paths = restricted
    return specific


def route_in_one_query(page, request, path_components):
    """What `page.route(request, path_components)` returns, reading in one query the pages on
    the path, `page`'s ancestors and its children (for the site menu), and in another the
    paths of the pages view restrictions are on.

    Each level is routed as Page.route does: the child of the page with that slug, whose own
    route() takes the rest of the path. A page type with a route() of its own gets the rest of
    the path as usual (and is fetched in full first, as Wagtail would).
    """
    depth, last, step = page.depth, page.depth + len(path_components), page.steplen
    below = Q(path__startswith=page.path, depth__gt=depth, depth__lte=last)
    above = [page.path[:end] for end in range(step, len(page.path), step)]
    candidates = list(
        Page.objects.filter(
            below & (Q(depth=depth + 1) | Q(slug__in=set(path_components))) | Q(path__in=above)
        ).order_by("path")
    )
    request._kb_children = (
        page.pk,
        [p for p in candidates if p.depth == depth + 1 and p.path.startswith(page.path)],
    )
    aliased = bool(page.alias_of_id) or any(p.alias_of_id for p in candidates if p.depth < depth)
    parent = page
    for number, slug in enumerate(path_components):
        child = next(
            (
                p
                for p in candidates
                if p.depth == parent.depth + 1 and p.slug == slug and p.path.startswith(parent.path)
            ),
            None,
        )
        if child is None:
            raise Http404
        child._cached_parent_obj = parent  # as Page.route does: breadcrumbs read it
        aliased = aliased or bool(child.alias_of_id)
        remaining = path_components[number + 1 :]
        if not remaining:
            return _fetch_for_serving(child, aliased).route(request, [])
        specific = child.specific_deferred
        if type(specific).route is not Page.route:
            return child.specific.route(request, remaining)
        parent = specific
    raise Http404  # not reached: path_components is never empty here


def children_read_when_routing(request, page):
    """`page`'s children (live or not, in tree order) if routing this request read them."""
    found = getattr(request, "_kb_children", None)
    if found and found[0] == page.pk:
        return found[1]
    return None


def related_in_one_query(page, terms, links):
    """What a page shows of its relations, in one UNION query rather than one each:

    - `terms`: names of its many-to-many fields to vocabularies; {name: [objects]} with their
      id, slug and name read, in name order as the models' Meta.ordering asks;
    - `links`: (name, order) pairs naming reverse many-to-many relations from other page
      types (cited_by_guides, say); {name: [live pages]} as plain pages with their id, path,
      title and address read, in `order` (a Page field). Not filtered for view restrictions.

    Fields not read are loaded when first used.
    """
    sql, readers = _related_sql(type(page), tuple(terms), tuple(links), connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [page.pk] * len(readers))
        rows = cursor.fetchall()
    found = [{name: [] for name in terms}, {name: [] for name, _ in links}]
    for number, *values in rows:
        kind, name, model, fields = readers[number]
        found[kind][name].append(model.from_db(connection.alias, fields, values[: len(fields)]))
    return found


@cache
def _related_sql(page_model, terms, links, vendor):
    """The SQL `related_in_one_query` runs (the page's id once per branch) and how to read
    each branch's rows. Written once per page type: building it with the ORM on every request
    cost more than running it. Every branch gives its number, four columns (a term's last one
    empty) and the column it sorts by."""
    quote = connection.ops.quote_name
    branches, readers = [], []

    def fields_of(model, names):
        # In the model's field order, as from_db takes them.
        return [f for f in model._meta.concrete_fields if f.name in names]

    for name in terms:
        field = page_model._meta.get_field(name)
        through, model = field.remote_field.through._meta, field.related_model
        wanted = fields_of(model, ("id", "slug", "name"))
        columns = [f"t.{quote(f.column)}" for f in wanted] + ["NULL"]
        branches.append(
            (
                columns + [f"t.{quote(model._meta.get_field('name').column)}"],
                f"{quote(through.db_table)} m INNER JOIN {quote(model._meta.db_table)} t "
                f"ON t.{quote(model._meta.pk.column)} = "
                f"m.{quote(through.get_field(field.m2m_reverse_field_name()).column)} "
                f"WHERE m.{quote(through.get_field(field.m2m_field_name()).column)} = %s",
            )
        )
        readers.append((0, name, model, [f.attname for f in wanted]))
    for name, order in links:
        field = page_model._meta.get_field(name).remote_field  # the other page type's field
        through = field.remote_field.through._meta
        wanted = fields_of(Page, ("id", "path", "title", "url_path"))
        branches.append(
            (
                [f"p.{quote(f.column)}" for f in wanted]
                + [f"p.{quote(Page._meta.get_field(order).column)}"],
                f"{quote(through.db_table)} m INNER JOIN {quote(Page._meta.db_table)} p "
                f"ON p.{quote(Page._meta.pk.column)} = "
                f"m.{quote(through.get_field(field.m2m_field_name()).column)} "
                f"WHERE m.{quote(through.get_field(field.m2m_reverse_field_name()).column)} = %s "
                f"AND p.{quote(Page._meta.get_field('live').column)}",
            )
        )
        readers.append((1, name, Page, [f.attname for f in wanted]))
    # Only quoted table and column names from the models and our own numbers: no values.
    sql = " UNION ALL ".join(
        f"SELECT {number}, {', '.join(columns)} FROM {tables}"  # noqa: S608
        for number, (columns, tables) in enumerate(branches)
    )
    return f"{sql} ORDER BY 1, 6", readers


class KnowledgePage(RoutedPageMixin, Page):
    """Fields and behaviour shared by every kind of guidance and case study."""

    # Slug of the ContentKind vocabulary term this page type is filed under (search facet).
    content_kind = ""
    # The home page's context name for the latest pages of this type ("" if not listed there),
    # and what their cards need beyond the page itself.
    home_listing = ""
    home_listing_related = ()
    # Where a batch import writes this type: pages that others refer to come first (GIRFT
    # standards before the blueprints and guides citing them).
    import_order = 100
    # The `type:` a Markdown file names this type by ("" for its content kind).
    import_type = ""
    # Whether editors review pages of this type by a date (the freshness report and reminders).
    review_dates = True
    # (field name, heading) of the Markdown sections this type has, in reading order. Markdown
    # import fills them from `## heading` sections; pages list them as contents.
    section_fields = ()
    # The many-to-many vocabularies the page shows (see `classification`), and the reverse
    # many-to-many relations from other page types it links to, each with the Page field its
    # list is in order of (see `linked_pages`): all read in one query.
    classification_fields = ("pathways", "methods", "specialties")
    linked_page_fields = ()
    # The schema.org type of the page's JSON-LD ("" for none; see `structured_data`).
    schema_type = ""
    # What the page API (/api/v2/) shows of this type beyond what every knowledge page shows
    # (kb.core.api_fields): Wagtail APIFields, in order.
    api_extra_fields = ()

    summary = models.TextField(
        max_length=600,
        help_text="One or two sentences shown in listings and search results.",
    )
    pathways = ParentalManyToManyField("taxonomy.Pathway", blank=True, related_name="+")
    methods = ParentalManyToManyField(
        "taxonomy.ImprovementMethod", blank=True, related_name="+", verbose_name="methods"
    )
    specialties = ParentalManyToManyField("taxonomy.Specialty", blank=True, related_name="+")
    publication_date = models.DateField(default=timezone.localdate)
    content_owner = models.CharField(
        "owner",
        max_length=200,
        blank=True,
        help_text="The team or person responsible for this page.",
    )
    owner_email = models.EmailField(
        blank=True, help_text="Review reminders are sent here. Not shown to readers."
    )
    last_reviewed = models.DateField(null=True, blank=True)
    next_review = models.DateField("next review date", default=default_next_review)
    body = StreamField(BodyBlock(), blank=True, use_json_field=True)
    # SHA-256 of the Markdown file this page was last imported from, so that importing the same
    # file again changes nothing.
    import_hash = models.CharField(max_length=64, blank=True, editable=False)

    classification_panels = [
        FieldPanel("pathways", widget=forms.CheckboxSelectMultiple),
        FieldPanel("methods", widget=forms.CheckboxSelectMultiple),
        FieldPanel("specialties"),
    ]
    ownership_panels = [
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("content_owner"), FieldPanel("owner_email")]),
                FieldRowPanel(
                    [
                        FieldPanel("publication_date"),
                        FieldPanel("last_reviewed"),
                        FieldPanel("next_review"),
                    ]
                ),
            ],
            heading="Ownership and review",
        )
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary", boost=3),
        index.SearchField("body"),
        index.SearchField("sections_text"),
        index.SearchField("content_owner"),
        index.RelatedFields("pathways", [index.SearchField("name"), index.FilterField("slug")]),
        index.RelatedFields("methods", [index.SearchField("name"), index.FilterField("slug")]),
        index.RelatedFields("specialties", [index.SearchField("name")]),
        index.FilterField("publication_date"),
        index.FilterField("next_review"),
    ]

    class Meta:
        abstract = True

    @classproperty
    def api_fields(cls):
        """Wagtail's API fields for this type, built from what the type declares."""
        return knowledge_api_fields(cls)

    def clean(self):
        super().clean()
        if self.last_reviewed and self.next_review and self.next_review < self.last_reviewed:
            raise ValidationError(
                {"next_review": "The next review date must be after the last review."}
            )
        _, errors = self.render_markdown_for_storage()
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        """Render the page's Markdown once, here, for templates to serve (see
        `rendered_markdown_field`). Publishing a revision saves the page rebuilt from it, so
        the live page always carries the HTML of its own text."""
        if self.stores_rendered_markdown():
            update_fields = kwargs.get("update_fields")
            if update_fields is None or not self.markdown_field_names().isdisjoint(update_fields):
                self.rendered_markdown, _ = self.render_markdown_for_storage()
                if update_fields is not None:
                    kwargs["update_fields"] = {*update_fields, "rendered_markdown"}
        super().save(*args, **kwargs)

    @classmethod
    def stores_rendered_markdown(cls):
        return any(field.name == "rendered_markdown" for field in cls._meta.concrete_fields)

    @classmethod
    def markdown_field_names(cls):
        """Fields that hold Markdown: the Markdown sections and the StreamFields."""
        streams = {f.name for f in cls._meta.concrete_fields if isinstance(f, StreamField)}
        return {name for name, _ in cls.section_fields} | streams

    def markdown_sources(self):
        """(field name, Markdown) for every Markdown text on the page, in reading order."""
        sources = [(name, getattr(self, name) or "") for name, _ in self.section_fields]
        for field in self._meta.concrete_fields:
            if isinstance(field, StreamField):
                stream = field.value_from_object(self)
                sources += [(field.name, text) for text in markdown_in_stream(stream)]
        return [(name, str(text)) for name, text in sources if text]

    def render_markdown_for_storage(self):
        """({markdown_key: HTML} to store, {field: message} for text the page may not save).

        Heading ids are unique on the page, and clear of the section blocks' ids. Validation
        and save() both ask: the second time, while the text is the same, costs nothing.
        """
        sources = self.markdown_sources()
        reserved = [
            heading_id
            for field in self._meta.concrete_fields
            if isinstance(field, StreamField)
            for heading_id in section_heading_ids(field.value_from_object(self))
        ]
        fingerprint = ([markdown_key(text) for _, text in sources], reserved)
        remembered = getattr(self, "_rendered_markdown_for", None)
        if remembered and remembered[0] == fingerprint:
            return remembered[1], remembered[2]
        stored, problems = render_stored_markdown([text for _, text in sources], reserved)
        errors = {}
        for (name, text), key in zip(sources, fingerprint[0], strict=True):
            message = markdown_problem(text, problems.get(key, ""))
            if message and name not in errors:
                if name not in dict(self.section_fields):
                    message = f"A Markdown block starting “{text.strip()[:40]}”: {message}"
                errors[name] = message
        self._rendered_markdown_for = (fingerprint, stored, errors)
        return stored, errors

    @classmethod
    def latest_for_home_page(cls, count=3):
        pages = public_pages(cls.objects.live()).select_related(*cls.home_listing_related)
        return pages.order_by("-publication_date")[:count]

    @property
    def last_modified(self):
        """When the page last changed, for the sitemap's lastmod and JSON-LD's dateModified:
        when it was last published, or the day of its last review when that is later (a review
        that found nothing to change still vouches for the page as of that day). A review
        date in the future (a typing slip) is not counted."""
        changed = self.last_published_at or self.latest_revision_created_at
        reviewed = self.last_reviewed
        if reviewed and reviewed <= timezone.localdate():
            reviewed = datetime.datetime.combine(
                reviewed, datetime.time.min, tzinfo=timezone.get_current_timezone()
            )
            if changed is None or reviewed > changed:
                return reviewed
        return changed

    def get_sitemap_urls(self, request=None):
        return [{"location": self.get_full_url(request), "lastmod": self.last_modified}]

    def schema_author(self):
        """The page's JSON-LD author: its owning team, or the publisher when it names none."""
        if self.content_owner:
            return {"@type": "Organization", "name": self.content_owner}
        return PUBLISHER

    def structured_data(self, request=None):
        """The page's schema.org JSON-LD (None unless its type sets `schema_type`).

        A graph of two nodes: the Article (what the page says, who wrote and published it,
        the pathways it is about) and the WebPage it is the main entity of, which carries
        the review: schema.org has `lastReviewed` and `reviewedBy` on WebPage, not on Article.
        The next review date has no schema.org property (`expires` would say the page stops
        being useful) and is left out. Only what the page's template has already read is
        used: no query of its own.
        """
        url = self.get_full_url(request) if self.schema_type else None
        if not url:
            return None  # no schema type, or a page outside every site
        modified = self.last_modified
        description = self.search_description or self.summary
        article = {
            "@type": self.schema_type,
            "@id": f"{url}#article",
            "headline": self.seo_title or self.title,
            "description": description,
            "url": url,
            "mainEntityOfPage": {"@id": url},
            "inLanguage": "en-GB",
            "datePublished": self.publication_date.isoformat(),
            "author": self.schema_author(),
            "publisher": PUBLISHER,
            "isPartOf": {"@type": "WebSite", "name": SITE_NAME},
        }
        if modified:
            article["dateModified"] = modified.isoformat()
        pathways = self.classification.get("pathways") or []
        if pathways:
            article["about"] = [{"@type": "Thing", "name": term.name} for term in pathways]
        web_page = {
            "@type": "WebPage",
            "@id": url,
            "url": url,
            "name": self.seo_title or self.title,
            "mainEntity": {"@id": article["@id"]},
            "lastReviewed": self.reviewed_on.isoformat(),
        }
        if self.content_owner:
            web_page["reviewedBy"] = {"@type": "Organization", "name": self.content_owner}
        return {"@context": "https://schema.org", "@graph": [web_page, article]}

    @property
    def review_status(self):
        """'overdue', 'due-soon' or 'current', for readers and the freshness report."""
        today = timezone.localdate()
        if self.next_review < today:
            return "overdue"
        if self.next_review <= today + datetime.timedelta(days=REVIEW_SOON_DAYS):
            return "due-soon"
        return "current"

    @property
    def reviewed_on(self):
        return self.last_reviewed or self.publication_date

    @property
    def body_text(self):
        return stream_text(self.body)

    @cached_property
    def classification(self):
        """{field: [terms]} for each of `classification_fields` (`page.classification.pathways`
        is `page.pathways.all()`): read with `linked_pages` in one query, or from memory in a
        preview."""
        return self._related_reads[0]

    @cached_property
    def linked_pages(self):
        """{relation: [pages]} for each of `linked_page_fields`: the live pages of that
        relation readers may see (as queryset.live().public() gives them), as plain pages
        with their title and address. Read with `classification` in one query."""
        return self._related_reads[1]

    @cached_property
    def _related_reads(self):
        in_memory = {
            **getattr(self, "_cluster_related_objects", {}),
            **getattr(self, "_prefetched_objects_cache", {}),
        }
        names = self.classification_fields
        terms = {
            name: list(getattr(self, name).all())
            for name in names
            if self.pk is None or name in in_memory or not _readable_together(self, name)
        }
        links = {name: [] for name, _ in self.linked_page_fields}
        rest = [name for name in names if name not in terms]
        to_read = self.linked_page_fields if self.pk is not None else ()
        if rest or to_read:
            read_terms, read_links = related_in_one_query(self, rest, to_read)
            terms |= read_terms
            if any(read_links.values()):
                restricted = self.__dict__.get("kb_restricted_paths")
                if restricted is None:
                    restricted = PageViewRestriction.objects.values_list("page__path", flat=True)
                    restricted = tuple(restricted)
                for name, pages in read_links.items():
                    links[name] = [page for page in pages if not page.path.startswith(restricted)]
        return terms, links

    def contents(self):
        """(anchor, heading) pairs for the on-page contents list of long pages."""
        return [(anchor, heading) for anchor, heading, _ in self.sections() if heading]

    def sections(self):
        """(anchor, heading, markdown) for each of this type's sections that has content."""
        return [
            (slugify(heading), heading, getattr(self, field))
            for field, heading in self.section_fields
            if getattr(self, field)
        ]

    @property
    def sections_text(self):
        """Plain text of the Markdown sections, for the search index."""
        return " ".join(markdown_to_text(getattr(self, f)) for f, _ in self.section_fields)


def _readable_together(page, name):
    """Whether one query can read a many-to-many field with others: its objects have an id,
    a slug and a name, and come in name order."""
    meta = page._meta.get_field(name).related_model._meta
    has = {field.name for field in meta.concrete_fields}
    return list(meta.ordering) == ["name"] and {"id", "slug", "name"} <= has


def knowledge_page_models():
    """Every concrete page type built on KnowledgePage: guidance, case studies and ideas."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, KnowledgePage) and not model._meta.abstract
    ]


class HomePage(Page):
    """The front door: leads to guidance, case studies, search and sharing an idea."""

    intro = models.TextField(
        blank=True,
        default="National guidance and peer learning for NHS service improvement: what good "
        "looks like, and who has already solved your problem.",
    )

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    def route(self, request, path_components):
        # Every page below the home page is routed from here (see route_in_one_query).
        if not path_components:
            return super().route(request, path_components)
        return route_in_one_query(self, request, path_components)

    def get_context(self, request, *args, **kwargs):
        # The page types say whether the front door lists them (`home_listing`): the home page
        # knows no content app, so a new type shows here by declaring it.
        context = super().get_context(request, *args, **kwargs)
        for model in knowledge_page_models():
            if model.home_listing:
                context[model.home_listing] = model.latest_for_home_page()
        context["pathways"] = Pathway.objects.all()
        return context


HomePage.subpage_types = [
    "guides.GuidanceIndexPage",
    "cases.CaseStudyIndexPage",
    "ideas.IdeaIndexPage",
    "networks.NetworkIndexPage",
    "projects.ProjectIndexPage",
]
