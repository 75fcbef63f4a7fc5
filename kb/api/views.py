"""The API's own addresses for people and tools: the OpenAPI description and its reference page."""

from django.http import JsonResponse
from django.shortcuts import render

from . import openapi


def openapi_json(request):
    """/api/openapi.json: the OpenAPI 3.1 description of every JSON address."""
    response = JsonResponse(openapi.document(), json_dumps_params={"indent": 1})
    response["Cache-Control"] = "public, max-age=3600"
    return response


def reference(request):
    """/api/: the same description as a page people can read, server-rendered."""
    document = openapi.document()
    operations = [
        {
            "path": path,
            "summary": operation.get("summary", ""),
            "description": operation.get("description", ""),
            "parameters": operation.get("parameters", []),
            "statuses": sorted(operation["responses"]),
        }
        for path, item in document["paths"].items()
        for operation in item.values()
    ]
    page_types = [
        {"name": name.replace("_", ".", 1), "schema": schema}
        for name, schema in document["components"]["schemas"].items()
        if "properties" in schema and name[0].islower()
    ]
    context = {"info": document["info"], "operations": operations, "page_types": page_types}
    return render(request, "api/reference.html", context)
