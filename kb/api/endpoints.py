"""The page API at /api/v2/: Wagtail's API v2 endpoints, read-only, for anonymous readers.

What changes from Wagtail's own endpoints, and why:

- **Only what anyone may read.** Live pages that no view restriction covers, whoever asks
  (the API has no authentication: a signed-in editor gets what the public gets); documents
  outside restricted collections. Each page type's fields are its `api_fields`
  (kb.core.api_fields), which never name owner or contact emails or submitters.
- **Filters by vocabulary** (`?pathway=`, `?method=`, `?specialty=`, `?region=`,
  `?organisation=`, `?evidence=`, `?kind=`): a slug, or several separated by commas (any of
  them); an empty one filters nothing. Across all page types, a filter keeps the types that
  have that field. `?child_of=` and `?descendant_of=` take a page id: one that is not a live
  public page gives an empty list.
- **Stable paging.** `limit` (up to 100) and `offset`; every ordering ends with the id, so
  paging to the end visits each page once. `order` takes only the fields listed in
  `ORDERINGS` (Wagtail's would order by a many-to-many and repeat pages); no random order.
- **No `search` or field-value filters**: search is /api/search/, the site's own engine, and
  the parameters a client may send are exactly those the OpenAPI description lists.
- **Errors are JSON of one shape**, `{"error": {"code", "message"}}`, as everywhere under /api/.
"""

from django.http import Http404
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.utils import BadRequestError, page_models_from_string
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet
from wagtail.models import Page, Site

from kb.core.api_conventions import ERROR_CODES
from kb.core.models import knowledge_page_models, public_pages

# query parameter -> (model field, lookup after it). Terms are matched by slug.
VOCABULARY_FILTERS = {
    "pathway": ("pathways", "slug"),
    "method": ("methods", "slug"),
    "specialty": ("specialties", "slug"),
    "region": ("region", "slug"),
    "organisation": ("organisation", "slug"),
    "evidence": ("evidence_strength", ""),
}
MAX_FILTER_TEXT = 2000
MAX_ID = 2**31 - 1  # page, image and document ids are 32-bit integers
# What `order` may name (a leading "-" reverses); "publication_date" and "next_review" need a
# page type that has them (`type=`).
ORDERINGS = ("id", "title", "first_published_at", "last_published_at", "publication_date")


class FirstRenderer(BaseContentNegotiation):
    """JSON whatever the client accepts: an API that answers 406 to `Accept: text/html` helps
    no one, and there is only one format."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type

    def select_parser(self, request, parsers):
        return None


class JsonErrorsMixin:
    """Wagtail's endpoints, answering in JSON only and with the site's error shape."""

    renderer_classes = [JSONRenderer]
    content_negotiation_class = FirstRenderer
    authentication_classes = []
    permission_classes = []
    known_query_parameters = frozenset(["limit", "offset", "fields", "order"])

    def detail_view(self, request, pk):
        if int(pk) > MAX_ID:
            raise Http404("No item has this id")
        return super().detail_view(request, pk)

    def handle_exception(self, exc):
        if isinstance(exc, Http404):
            return _error(status.HTTP_404_NOT_FOUND, str(exc) or "Not found")
        if isinstance(exc, BadRequestError):
            return _error(status.HTTP_400_BAD_REQUEST, str(exc))
        if isinstance(exc, APIException):
            return _error(exc.status_code, str(exc.detail))
        return super().handle_exception(exc)

    def paginate_queryset(self, queryset):
        for name in ("limit", "offset"):
            value = self.request.GET.get(name)
            if value is not None and not (value.isascii() and value.isdigit()):
                raise BadRequestError(f"{name} must be a whole number of 0 or more")
            if value is not None and len(value) > 9:
                raise BadRequestError(f"{name} is too large")
        return super().paginate_queryset(queryset)


def _error(code, message):
    return Response({"error": {"code": ERROR_CODES.get(code, "error"), "message": message}}, code)


def _values(request, name):
    """The comma-separated values of a filter; none (an empty filter) filters nothing."""
    text = request.GET.get(name, "")
    if len(text) > MAX_FILTER_TEXT:
        raise BadRequestError(f"{name} is too long (at most {MAX_FILTER_TEXT} characters)")
    # A slug never holds a NUL (which PostgreSQL refuses in a query): such a value matches nothing.
    text = text.replace("\x00", "")
    return [value.strip() for value in text.split(",") if value.strip()]


def _page_id(name, raw):
    if not (raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_ID):
        raise BadRequestError(f"{name} must be a page id (a whole number)")
    return int(raw)


def _has_field(model, name):
    return any(field.name == name for field in model._meta.get_fields())


class VocabularyFilter:
    """`?pathway=urgent-emergency-care` and the other VOCABULARY_FILTERS (see the module)."""

    def filter_queryset(self, request, queryset, view):
        model = queryset.model
        for name, (field, lookup) in VOCABULARY_FILTERS.items():
            values = _values(request, name)
            if not values:
                continue
            condition = {f"{field}__{lookup}__in" if lookup else f"{field}__in": values}
            if model is Page:
                matching = [
                    page_model.objects.filter(**condition).order_by().values("pk")
                    for page_model in knowledge_page_models()
                    if _has_field(page_model, field)
                ]
                queryset = queryset.filter(pk__in=matching[0].union(*matching[1:]))
            elif _has_field(model, field):
                queryset = queryset.filter(pk__in=model.objects.filter(**condition).values("pk"))
            else:
                queryset = queryset.none()
        kinds = set(_values(request, "kind"))
        if kinds:
            models = [m for m in knowledge_page_models() if m.content_kind in kinds]
            queryset = queryset.type(*models) if models else queryset.none()
        return queryset


class TreeFilter:
    """`?child_of=ID` (or `root`, the site's home page) and `?descendant_of=ID`: an id that is
    not a live public page gives no pages, not an error."""

    def filter_queryset(self, request, queryset, view):
        for name, children_only in (("child_of", True), ("descendant_of", False)):
            raw = request.GET.get(name)
            if raw is None:
                continue
            if raw == "root" and children_only:
                parent = view._site_root()
            else:
                parent = view.get_base_queryset().filter(pk=_page_id(name, raw)).first()
            if parent is None:
                queryset = queryset.none()
                continue
            depth = {"depth": parent.depth + 1} if children_only else {"depth__gt": parent.depth}
            queryset = queryset.filter(path__startswith=parent.path, **depth)
        return queryset


class StableOrdering:
    """`?order=` over ORDERINGS, always ending with the id (see the module docstring)."""

    def filter_queryset(self, request, queryset, view):
        order = request.GET.get("order", "")
        fields = [item.strip() for item in order.split(",") if item.strip()] if order else []
        for item in fields:
            name = item.removeprefix("-")
            if name not in ORDERINGS or not _has_field(queryset.model, name):
                allowed = ", ".join(n for n in ORDERINGS if _has_field(queryset.model, n))
                raise BadRequestError(f"cannot order by '{item}': order by one of {allowed}")
        if not fields:  # pages in tree order; images and documents by id
            paths = issubclass(queryset.model, Page)
            return queryset.order_by("path", "id") if paths else queryset.order_by("id")
        if not {"id", "-id"} & set(fields):
            fields.append("id")
        return queryset.order_by(*fields)


class PagesEndpoint(JsonErrorsMixin, PagesAPIViewSet):
    filter_backends = [TreeFilter, VocabularyFilter, StableOrdering]
    known_query_parameters = JsonErrorsMixin.known_query_parameters | {
        "type",
        "child_of",
        "descendant_of",
        "kind",
        *VOCABULARY_FILTERS,
    }
    find_query_parameters = frozenset(["id", "html_path"])

    def get_base_queryset(self):
        return public_pages(Page.objects.live()).descendant_of(self._site_root(), inclusive=True)

    def _site_root(self):
        site = Site.find_for_request(self.request)
        if site is None:
            raise Http404("No site answers at this address")
        return site.root_page

    def get_queryset(self):
        type_name = self.request.GET.get("type")
        if type_name is not None:
            try:
                models = page_models_from_string(type_name)
            except (LookupError, ValueError) as error:
                raise BadRequestError(
                    "type must name page types such as cases.CaseStudyPage (see /api/)"
                ) from error
            if not models:
                raise BadRequestError("type needs a value")
        return super().get_queryset()

    def check_query_parameters(self, queryset):
        unknown = set(self.request.GET) - self.known_query_parameters
        if unknown:
            raise BadRequestError(
                "unknown query parameter: " + ", ".join(sorted(unknown)) + " (see /api/)"
            )


class ImagesEndpoint(JsonErrorsMixin, ImagesAPIViewSet):
    filter_backends = [StableOrdering]

    def check_query_parameters(self, queryset):
        PagesEndpoint.check_query_parameters(self, queryset)


class DocumentsEndpoint(JsonErrorsMixin, DocumentsAPIViewSet):
    filter_backends = [StableOrdering]

    def check_query_parameters(self, queryset):
        PagesEndpoint.check_query_parameters(self, queryset)


router = WagtailAPIRouter("wagtailapi")
router.register_endpoint("pages", PagesEndpoint)
router.register_endpoint("images", ImagesEndpoint)
router.register_endpoint("documents", DocumentsEndpoint)
