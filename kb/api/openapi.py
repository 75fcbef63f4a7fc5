"""The OpenAPI 3.1 description of every JSON address, served at /api/openapi.json.

Written from the code that answers, not beside it: the page schemas come from each page
type's `api_fields` (kb.core.api_fields), the search filters from the search facets, the page
API's parameters from its endpoint (kb.api.endpoints). A new page type, field or facet is
described the moment it exists. The tests validate the document (openapi-spec-validator) and
fuzz the API from it (schemathesis): every answer must match what is written here.
"""

from functools import cache

from django.apps import apps
from django.db import models
from rest_framework import serializers
from wagtail.fields import StreamField
from wagtail.models import Page

from kb.core import api_fields
from kb.core.api_conventions import ERROR_CODES
from kb.core.models import knowledge_page_models
from kb.measurement import records
from kb.search.facets import facet_names
from kb.search.service import MAX_PAGE

from .endpoints import MAX_FILTER_TEXT, MAX_ID, ORDERINGS, VOCABULARY_FILTERS

VERSION = "1.0.0"
TITLE = "KB: NHS improvement knowledge base API"


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema):
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    kind = schema.get("type", "string")
    return schema | {"type": [kind, "null"]} if isinstance(kind, str) else schema


STRING = {"type": "string"}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
NUMBER = {"type": "number"}
PAGE_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
FILTER_TEXT = {"type": "string", "maxLength": MAX_FILTER_TEXT}

TERM = {
    "type": "object",
    "description": "A vocabulary term (slug and name); an organisation also has its ODS code and "
    "type.",
    "required": ["slug", "name"],
    "properties": {
        "slug": STRING,
        "name": STRING,
        "ods_code": {"type": ["string", "null"]},
        "type": STRING,
    },
    "additionalProperties": False,
}
PAGE_LINK = {
    "type": "object",
    "description": "A live, public page this page links to.",
    "required": ["id", "title", "url"],
    "properties": {"id": {"type": "integer"}, "title": STRING, "url": {"type": ["string", "null"]}},
    "additionalProperties": False,
}
SERIES = {
    "type": "object",
    "description": "A measure over time with its SPC (Making Data Count XmR) judgement and "
    "limits. `points` are in time order; `segments` are the stretches of the chart between "
    "recalculated limits (a run chart has a median and no limits).",
    "required": ["name", "unit", "direction", "points", "chart_type", "signal"],
    "properties": {
        "name": STRING,
        "unit": STRING,
        "direction": {"enum": ["up", "down", "neither"]},
        "target": {"type": ["number", "null"]},
        "change_at": {"type": "array", "items": STRING},
        "screen_moving_ranges": {"type": "boolean"},
        "points": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["period", "value"],
                "properties": {"period": STRING, "value": NUMBER},
                "additionalProperties": False,
            },
        },
        **{key: STRING for key in records.SUMMARY_KEYS},
        "segments": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "first_period": STRING,
                    "last_period": STRING,
                    "centre": NUMBER,
                    "centre_kind": {"enum": ["mean", "median"]},
                    "lower_limit": {"type": ["number", "null"]},
                    "upper_limit": {"type": ["number", "null"]},
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}
SIMILAR = {
    "type": "object",
    "required": ["title", "url", "kind", "summary"],
    "properties": {"title": STRING, "url": STRING, "kind": STRING, "summary": STRING},
    "additionalProperties": False,
}
BANDS = {"enum": ["above_998", "above_95", "within", "below_95", "below_998"]}
OUTSIDE = {"type": "array", "items": {"enum": ["95", "99.8"]}}
ORGANISATION = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": STRING,
        "slug": STRING,
        "ods_code": {"type": ["string", "null"]},
        "type": STRING,
        "region": {"type": ["string", "null"]},
        "size_band": {"type": ["string", "null"]},
    },
    "additionalProperties": False,
}
METRIC = {
    "type": "object",
    "required": ["slug", "name", "data_type", "unit", "multiplier", "better"],
    "properties": {
        "slug": STRING,
        "name": STRING,
        "data_type": {"enum": ["proportion", "rate", "standardised-ratio"]},
        "unit": STRING,
        "multiplier": NUMBER,
        "better": {"enum": ["higher", "lower"]},
    },
    "additionalProperties": False,
}
FUNNEL = {
    "type": "object",
    "required": ["metric", "period", "target", "overdispersion", "organisations", "counts"],
    "properties": {
        "metric": METRIC,
        "period": STRING,
        "periods": {"type": "array", "items": STRING},
        "target": NUMBER,
        "overdispersion": {
            "type": "object",
            "required": ["phi", "tau2", "adjusted"],
            "properties": {
                "requested": {"type": "boolean"},
                "phi": NUMBER,
                "tau2": NUMBER,
                "overdispersed": {"type": "boolean"},
                "adjusted": {"type": "boolean"},
            },
        },
        "method": STRING,
        "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
        "organisations": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["organisation", "value", "band", "outside", "limits"],
                "properties": {
                    "organisation": ORGANISATION,
                    "numerator": NUMBER,
                    "denominator": NUMBER,
                    "value": NUMBER,
                    "z_score": {"type": ["number", "null"]},
                    "band": BANDS,
                    "outside": OUTSIDE,
                    "limits": {
                        "type": "object",
                        "properties": {
                            "lower_95": NUMBER,
                            "upper_95": NUMBER,
                            "lower_998": NUMBER,
                            "upper_998": NUMBER,
                            "adjusted": {"type": "boolean"},
                        },
                    },
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}
ORGANISATION_STANDING = {
    "type": "object",
    "required": ["organisation", "peers", "metrics"],
    "properties": {
        "organisation": ORGANISATION,
        "peers": {"type": "array", "items": ORGANISATION},
        "metrics": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "metric": METRIC,
                    "period": {"type": ["string", "null"]},
                    "value": {"type": ["number", "null"]},
                    "band": {"anyOf": [BANDS, {"type": "null"}]},
                    "outside": OUTSIDE,
                    "peer_band": {"anyOf": [BANDS, {"type": "null"}]},
                    "worse_side": {"type": "boolean"},
                    "series": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {"period": STRING, "value": NUMBER},
                        },
                    },
                },
                "additionalProperties": False,
            },
        },
        "networks": {
            "type": "array",
            "items": {"type": "object", "properties": {"title": STRING, "url": STRING}},
        },
    },
    "additionalProperties": False,
}
ERROR = {
    "type": "object",
    "description": "Every error under /api/ has this shape.",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"enum": sorted(set(ERROR_CODES.values()))}, "message": STRING},
            "additionalProperties": False,
        }
    },
    "additionalProperties": False,
}

_MODEL_FIELD_SCHEMAS = (
    (models.BooleanField, {"type": "boolean"}),
    (models.DateTimeField, DATETIME),
    (models.DateField, DATE),
    (models.URLField, {"type": "string", "format": "uri"}),
    (models.DecimalField, NUMBER),
    (models.FloatField, NUMBER),
    (models.IntegerField, {"type": "integer"}),
    (models.JSONField, {}),
    (models.CharField, STRING),
    (models.TextField, STRING),
)


def _field_schema(model, field):
    """The JSON Schema of one APIField of `model`."""
    serializer = field.serializer
    if isinstance(serializer, api_fields.TermField):
        return _nullable(_ref("Term"))
    if isinstance(serializer, api_fields.TermsField | api_fields.TermListField):
        return {"type": "array", "items": _ref("Term")}
    if isinstance(serializer, api_fields.PageLinksField):
        return {"type": "array", "items": _ref("PageLink")}
    if isinstance(serializer, api_fields.PageLinkField):
        return _nullable(_ref("PageLink"))
    if isinstance(serializer, records.SeriesField):
        return {"type": "array", "items": _ref("MeasureSeries")}
    if isinstance(serializer, api_fields.DocumentsField):
        item = {"type": "object", "properties": {"title": STRING, "url": STRING}}
        return {"type": "array", "items": item}
    if isinstance(serializer, api_fields.RowsField):
        related = model._meta.get_field(serializer.source or field.name).related_model
        properties = {name: _attribute_schema(related, name) for name in serializer.attributes}
        row = {"type": "object", "properties": properties, "additionalProperties": False}
        return {"type": "array", "items": row}
    if isinstance(serializer, serializers.DateTimeField):
        return _nullable(DATETIME)
    if isinstance(serializer, serializers.CharField):
        return STRING
    return _attribute_schema(model, field.name)


def _attribute_schema(model, name):
    try:
        field = model._meta.get_field(name)
    except Exception:  # a property: review_status and the measured result's change
        return {"review_status": {"enum": ["overdue", "due-soon", "current"]}}.get(
            name, {"type": ["number", "boolean", "null"]} if name in ("change", "improved") else {}
        )
    if isinstance(field, StreamField):
        return {"type": "array", "description": "Wagtail StreamField blocks: type, value, id."}
    for field_class, schema in _MODEL_FIELD_SCHEMAS:
        if isinstance(field, field_class):
            if field.choices and schema in (STRING,):
                schema = {"enum": [value for value, _ in field.flatchoices]}
            if field.choices and isinstance(field, models.DecimalField):
                schema = NUMBER
            return _nullable(schema) if field.null else schema
    return {}


def _page_schema(model):
    """A page of this type as /api/v2/pages/{id}/ gives it (all of its fields)."""
    from .endpoints import PagesEndpoint

    type_name = f"{model._meta.app_label}.{model.__name__}"
    meta = {
        "type": "object",
        "properties": {
            "type": {"const": type_name},
            "detail_url": STRING,
            "html_url": {"type": ["string", "null"]},
            "slug": STRING,
            "show_in_menus": {"type": "boolean"},
            "seo_title": STRING,
            "search_description": STRING,
            "first_published_at": _nullable(DATETIME),
            "alias_of": {},
            "parent": {},
            "locale": STRING,
        },
    }
    properties = {"id": {"type": "integer"}, "meta": meta, "title": STRING}
    for field in PagesEndpoint.get_body_fields(model):
        if field.name not in properties:
            properties[field.name] = _field_schema(model, field)
    return {
        "type": "object",
        "description": (model.__doc__ or "").strip().splitlines()[0],
        "required": ["id", "meta"],
        "properties": properties,
        "additionalProperties": False,
    }


def page_models():
    return [m for m in apps.get_models() if issubclass(m, Page) and m is not Page]


def _page_schema_name(model):
    return f"{model._meta.app_label}.{model.__name__}".replace(".", "_")


def _param(name, description, schema=None, location="query", required=False):
    return {
        "name": name,
        "in": location,
        "required": required,
        "description": description,
        "schema": schema or STRING,
    }


def _errors(*statuses):
    responses = {
        str(status): {"$ref": f"#/components/responses/Error{status}"} for status in statuses
    }
    return responses | {"429": {"$ref": "#/components/responses/Error429"}}


def _ok(description, schema, headers=True):
    response = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = {
            "ETag": {"$ref": "#/components/headers/ETag"},
            "Cache-Control": {"$ref": "#/components/headers/CacheControl"},
        }
    return response


def _listing(item_schema):
    return {
        "type": "object",
        "required": ["meta", "items"],
        "properties": {
            "meta": {
                "type": "object",
                "required": ["total_count"],
                "properties": {"total_count": {"type": "integer", "minimum": 0}},
            },
            "items": {"type": "array", "items": item_schema},
        },
    }


PAGING = [
    _param(
        "limit",
        "How many items (0 to 100, default 20).",
        {"type": "integer", "minimum": 0, "maximum": 100},
    ),
    _param(
        "offset",
        "How many to skip (default 0).",
        {"type": "integer", "minimum": 0, "maximum": 999_999_999},
    ),
    _param(
        "fields",
        "Fields to add to each item, comma-separated (`*` for all of the type's fields, "
        "`-name` to drop one); see the page type schemas. Needs `type=` for a type's own fields.",
    ),
]


def _order_param(names):
    return _param(
        "order",
        f"Order by {', '.join(names)} (a leading `-` reverses; several comma-separated). Ties "
        "are broken by id, so paging is stable.",
    )


def _pages_parameters():
    vocabulary = {
        "pathway": "Care pathway slug, e.g. `urgent-and-emergency-care`",
        "method": "Improvement method slug, e.g. `pdsa`",
        "specialty": "Specialty slug",
        "region": "NHS England region slug",
        "organisation": "Organisation slug",
        "evidence": "Strength of evidence of a case study, e.g. `before-and-after`",
    }
    assert set(vocabulary) == set(VOCABULARY_FILTERS)
    type_names = [f"{m._meta.app_label}.{m.__name__}" for m in page_models()]
    return [
        _param(
            "type",
            "Page type(s), comma-separated: " + ", ".join(f"`{n}`" for n in type_names) + ".",
        ),
        _param(
            "kind",
            "Content kind slug(s), comma-separated: "
            + ", ".join(sorted(m.content_kind for m in knowledge_page_models()))
            + ".",
            FILTER_TEXT,
        ),
        *[
            _param(name, f"{text}; several comma-separated (any of them).", FILTER_TEXT)
            for name, text in vocabulary.items()
        ],
        _param(
            "child_of",
            "Pages whose parent has this id (or `root`, the home page).",
            {"anyOf": [PAGE_ID, {"const": "root"}]},
        ),
        _param("descendant_of", "Pages under the page with this id.", PAGE_ID),
        _order_param(ORDERINGS),
        *PAGING,
    ]


SEARCH_RESULT = {
    "type": "object",
    "required": ["count", "page", "num_pages", "results", "facets"],
    "properties": {
        "count": {"type": "integer"},
        "page": {"type": "integer"},
        "num_pages": {"type": "integer"},
        "query": STRING,
        "backend": STRING,
        "notices": {"type": "array", "items": STRING},
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "slug": STRING,
                    "title": STRING,
                    "url": STRING,
                    "type": STRING,
                    "summary": STRING,
                    "pathways": {"type": "array", "items": STRING},
                    "methods": {"type": "array", "items": STRING},
                    "highlight": STRING,
                    "signal": STRING,
                    "publication_date": _nullable(DATE),
                },
            },
        },
        "facets": {
            "type": "object",
            "additionalProperties": {"type": "object", "additionalProperties": {"type": "integer"}},
        },
    },
}


@cache
def document():
    """The OpenAPI document (a dict), built once per process."""
    schemas = {
        "Error": ERROR,
        "Term": TERM,
        "PageLink": PAGE_LINK,
        "MeasureSeries": SERIES,
        "SearchResults": SEARCH_RESULT,
        "Funnel": FUNNEL,
        "OrganisationStanding": ORGANISATION_STANDING,
    }
    page_refs = []
    for model in page_models():
        name = _page_schema_name(model)
        schemas[name] = _page_schema(model)
        page_refs.append(_ref(name))
    schemas["Page"] = {
        "description": "A page: one of the page types, told apart by `meta.type`.",
        "anyOf": page_refs,
    }
    schemas["PageSummary"] = {
        "type": "object",
        "description": "A page in a listing: id, type, title, address and first publication, "
        "plus whatever `fields` asks for.",
        "required": ["id", "meta"],
        "properties": {"id": {"type": "integer"}, "meta": {"type": "object"}, "title": STRING},
    }
    schemas["Image"] = {
        "type": "object",
        "required": ["id", "meta"],
        "properties": {
            "id": {"type": "integer"},
            "meta": {"type": "object"},
            "title": STRING,
            "width": {"type": "integer"},
            "height": {"type": "integer"},
        },
    }
    schemas["Document"] = {
        "type": "object",
        "required": ["id", "meta"],
        "properties": {"id": {"type": "integer"}, "meta": {"type": "object"}, "title": STRING},
    }
    error_responses = {
        f"Error{status}": {
            "description": description,
            "content": {"application/json": {"schema": _ref("Error")}},
        }
        for status, description in (
            (400, "A parameter the API cannot use: the message says which and why."),
            (404, "Nothing public has this id or address."),
            (429, "Too many requests from this address: wait `Retry-After` seconds."),
        )
    }
    error_responses["Error429"]["headers"] = {
        "Retry-After": {
            "description": "Seconds to wait before trying again.",
            "schema": {"type": "integer"},
        }
    }
    id_param = _param("id", "The item's id.", PAGE_ID, location="path", required=True)
    search_params = [
        _param("q", "What to search for (words, phrases in quotes; A&E, RTT, SDEC understood)."),
        _param("page", f"Result page, 1 to {MAX_PAGE}.", {"type": "integer", "minimum": 1}),
        _param("sort", "relevance (default) or date.", {"enum": ["relevance", "date"]}),
        *[
            _param(
                name,
                f"Filter by {name} slug; repeat for several (any of them).",
                {"type": "array", "items": STRING},
            )  # fmt: skip
            for name in facet_names()
        ],
    ]
    for param in search_params[3:]:
        param["explode"] = True
    paths = {
        "/api/search/": {
            "get": {
                "summary": "Search guidance, case studies, standards and ideas",
                "description": "The site's search as JSON, with the facet counts. Unknown filter "
                "values are ignored and reported in `notices`.",
                "operationId": "search",
                "parameters": search_params,
                "responses": {"200": _ok("Results", _ref("SearchResults")), **_errors(400)},
            }
        },
        "/api/v2/pages/": {
            "get": {
                "summary": "Live public pages",
                "operationId": "listPages",
                "parameters": _pages_parameters(),
                "responses": {
                    "200": _ok("A page of pages", _listing(_ref("PageSummary"))),
                    **_errors(400),
                },
            }
        },
        "/api/v2/pages/{id}/": {
            "get": {
                "summary": "One live public page with all of its fields",
                "operationId": "getPage",
                "parameters": [id_param, PAGING[2]],
                "responses": {"200": _ok("The page", _ref("Page")), **_errors(400, 404)},
            }
        },
        "/api/v2/images/": {
            "get": {
                "summary": "Images",
                "operationId": "listImages",
                "parameters": [_order_param(("id", "title")), *PAGING],
                "responses": {
                    "200": _ok("A page of images", _listing(_ref("Image"))),
                    **_errors(400),
                },
            }
        },
        "/api/v2/images/{id}/": {
            "get": {
                "summary": "One image",
                "operationId": "getImage",
                "parameters": [id_param],
                "responses": {"200": _ok("The image", _ref("Image")), **_errors(400, 404)},
            }
        },
        "/api/v2/documents/": {
            "get": {
                "summary": "Documents outside restricted collections",
                "operationId": "listDocuments",
                "parameters": [_order_param(("id", "title")), *PAGING],
                "responses": {
                    "200": _ok("A page of documents", _listing(_ref("Document"))),
                    **_errors(400),
                },
            }
        },
        "/api/v2/documents/{id}/": {
            "get": {
                "summary": "One document",
                "operationId": "getDocument",
                "parameters": [id_param],
                "responses": {"200": _ok("The document", _ref("Document")), **_errors(400, 404)},
            }
        },
        "/api/projects/{slug}/": {
            "get": {
                "summary": "A shared improvement project: aim, measures and PDSA cycles",
                "operationId": "getProject",
                "parameters": [
                    _param("slug", "The project's slug.", location="path", required=True)
                ],
                "responses": {
                    "200": _ok("The project", {"type": "object"}),
                    **_errors(404),
                },
            }
        },
        "/ideas/similar/": {
            "get": {
                "summary": "Published ideas and case studies like a title being typed",
                "description": "What the idea form shows as someone types a title: at most a "
                "few items, never cached (the title is what someone is writing).",
                "operationId": "similarContent",
                "parameters": [_param("title", "The title so far.")],
                "responses": {
                    "200": _ok(
                        "Similar published content",
                        {
                            "type": "object",
                            "required": ["results"],
                            "properties": {"results": {"type": "array", "items": SIMILAR}},
                        },
                        headers=False,
                    )
                },
            }
        },
        "/api/variation/{metric}/funnel.json": {
            "get": {
                "summary": "A metric's funnel plot: every organisation against its denominator",
                "description": "Control limits at 95 % and 99.8 % around the national value, "
                "adjusted for overdispersion as NHS-R's FunnelPlotR does (see docs/variation.md); "
                "`overdispersion=off` gives the unadjusted limits.",
                "operationId": "variationFunnel",
                "parameters": [
                    _param("metric", "The metric's slug.", location="path", required=True),
                    _param(
                        "period",
                        "2026-03 (month), 2026-Q1 (quarter) or 2026 (year); the latest by default.",
                        {"type": "string", "maxLength": 20},
                    ),
                    _param("overdispersion", "on (default) or off.", {"enum": ["on", "off"]}),
                ],
                "responses": {"200": _ok("The funnel", _ref("Funnel")), **_errors(400, 404)},
            }
        },
        "/api/organisations/{ods_code}/": {
            "get": {
                "summary": "Where an organisation stands on every metric, with its series",
                "operationId": "organisationStanding",
                "parameters": [
                    _param(
                        "ods_code", "The organisation's ODS code.", location="path", required=True
                    )
                ],
                "responses": {
                    "200": _ok("Its positions", _ref("OrganisationStanding")),
                    **_errors(404),
                },
            }
        },
        "/api/openapi.json": {
            "get": {
                "summary": "This description",
                "operationId": "openapi",
                "responses": {"200": _ok("OpenAPI 3.1", {"type": "object"})},
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": VERSION,
            "description": "Read-only access to everything the site publishes: national "
            "guidance, GIRFT standards, peer case studies with their measured results, and "
            "published frontline ideas. No key is needed. Limits: "
            "see `Retry-After` on a 429. Errors have one shape: "
            '`{"error": {"code", "message"}}`.',
            "license": {
                "name": "Open Government Licence v3.0",
                "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
            },
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": error_responses,
            "headers": {
                "ETag": {
                    "description": "Send it back as If-None-Match: 304 when nothing changed.",
                    "schema": STRING,
                },
                "CacheControl": {"description": "How long caches may keep it.", "schema": STRING},
            },
        },
    }
