"""The search page (/search/) and the search API (/api/search/): thin views over one service."""

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kb.core.api_conventions import json_error

from .facets import facet_names, facets
from .service import BadSearchRequest, known_values, read_params, search_documents


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
        "clear_filters_url": "?" + params.querystring(**dict.fromkeys(facet_names(), set())),
        "pathway_names": sorted(vocabulary["pathway"].items(), key=lambda item: item[1]),
    }
    return render(request, "search/search.html", context)


@require_GET
def api_search(request):
    try:
        params = read_params(request.GET)
    except BadSearchRequest as error:
        return json_error(400, str(error))
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
            "facets": {facet: result.facets.get(facet, {}) for facet in facet_names()},
        },
        json_dumps_params={"ensure_ascii": False},
    )


def _facet_panels(params, result, vocabulary):
    panels = []
    for facet in facets():
        selected = params.filters.get(facet.name, set())
        counts = result.facets.get(facet.name, {})
        options = [
            {
                "value": slug,
                "label": name,
                "count": counts.get(slug, 0),
                "checked": slug in selected,
            }
            for slug, name in sorted(vocabulary[facet.name].items(), key=lambda item: item[1])
            if counts.get(slug) or slug in selected
        ]
        if options:
            panels.append(
                {
                    "name": facet.name,
                    "label": facet.label,
                    "options": options,
                    "open": bool(selected) or facet.open_by_default,
                }
            )
    return panels


def _selected_filters(params, vocabulary):
    chips = []
    for facet in facets():
        for value in sorted(params.filters.get(facet.name, ())):
            remaining = {**params.filters, facet.name: params.filters[facet.name] - {value}}
            chips.append(
                {
                    "label": f"{facet.label}: {vocabulary[facet.name][value]}",
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
