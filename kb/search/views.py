"""The search page (/search/) and the search API (/api/search/): thin views over one service."""

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .results import FACETS
from .service import BadSearchRequest, known_values, read_params, search_documents

FACET_LABELS = {
    "type": "Content type",
    "pathway": "Care pathway",
    "method": "Improvement method",
    "specialty": "Specialty",
    "region": "Region",
}


@require_GET
def search(request):
    vocabulary = known_values()
    try:
        params = read_params(request.GET, vocabulary)
    except BadSearchRequest as error:
        return render(request, "search/bad_request.html", {"error": str(error)}, status=400)
    browsing = bool(params.q.strip() or params.filters)
    result = parsed = None
    if browsing:
        result, parsed = search_documents(params)
        for hit in result.hits:
            hit.type_label = vocabulary["type"].get(hit.type, hit.type)
    context = {
        "params": params,
        "query": parsed.text if parsed else params.q[:200],
        "result": result,
        "facets": _facet_panels(params, result, vocabulary) if result else [],
        "selected": _selected_filters(params, vocabulary),
        "pages": _pagination(params, result) if result else None,
        "first_number": (result.page - 1) * result.page_size + 1 if result else 1,
        "clear_filters_url": "?" + params.querystring(**{facet: set() for facet in FACETS}),
        "pathway_names": sorted(vocabulary["pathway"].items(), key=lambda item: item[1]),
    }
    return render(request, "search/search.html", context)


@require_GET
def api_search(request):
    try:
        params = read_params(request.GET)
    except BadSearchRequest as error:
        return JsonResponse({"error": str(error)}, status=400)
    result, parsed = search_documents(params)
    return JsonResponse(
        {
            "count": result.count,
            "page": result.page,
            "num_pages": result.num_pages,
            "query": parsed.text,
            "backend": result.backend,
            "notices": result.notices,
            "results": [
                {
                    "slug": hit.slug,
                    "title": hit.title,
                    "url": hit.url,
                    "type": hit.type,
                    "summary": hit.summary,
                    "pathways": hit.pathways,
                    "methods": hit.methods,
                    "highlight": str(hit.highlight),
                    "signal": hit.signal,
                    "publication_date": hit.publication_date.isoformat()
                    if hit.publication_date
                    else None,
                }
                for hit in result.hits
            ],
            "facets": {facet: result.facets[facet] for facet in FACETS},
        },
        json_dumps_params={"ensure_ascii": False},
    )


def _facet_panels(params, result, vocabulary):
    panels = []
    for facet in FACETS:
        selected = params.filters.get(facet, set())
        counts = result.facets.get(facet, {})
        options = [
            {
                "value": slug,
                "label": name,
                "count": counts.get(slug, 0),
                "checked": slug in selected,
            }
            for slug, name in sorted(vocabulary[facet].items(), key=lambda item: item[1])
            if counts.get(slug) or slug in selected
        ]
        if options:
            panels.append(
                {
                    "name": facet,
                    "label": FACET_LABELS[facet],
                    "options": options,
                    "open": bool(selected) or facet in ("type", "pathway", "method"),
                }
            )
    return panels


def _selected_filters(params, vocabulary):
    chips = []
    for facet in FACETS:
        for value in sorted(params.filters.get(facet, ())):
            remaining = {**params.filters, facet: params.filters[facet] - {value}}
            chips.append(
                {
                    "label": f"{FACET_LABELS[facet]}: {vocabulary[facet][value]}",
                    "remove_url": "?" + params.querystring(**remaining),
                }
            )
    return chips


def _pagination(params, result):
    pages = {"current": result.page, "total": result.num_pages}
    if result.page > 1:
        pages["previous"] = "?" + params.querystring(page=result.page - 1)
    if result.page < result.num_pages:
        pages["next"] = "?" + params.querystring(page=result.page + 1)
    return pages
