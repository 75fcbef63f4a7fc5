"""/open-data/: the page that describes the datasets, and the files themselves.

Files are streamed from disk (`FileResponse`) as `store.current_generation()` left them, so
serving a large file costs a worker no memory. Each response says what it is (content type,
a file name), may be cached for five minutes by anyone, carries an ETag and Last-Modified for
conditional requests, and links its licence and, for data files, its data dictionary
(`Link: <...>; rel="license"` and `rel="describedby"`): a CSV file has nowhere else to say so.
Any site's scripts may read the files: CORS is django-cors-headers' (CORS_URLS_REGEX in settings
covers /open-data/), as for the API.
"""

import datetime

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from kb.core.discoverability import PUBLISHER, SITE_NAME, json_for_script

from .datasets import DATASETS
from .files import ATTRIBUTION, LICENCE, ZIP_NAME, dataset_files, dictionary_rows
from .store import current_generation

CACHE_CONTROL = "public, max-age=300"
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "dictionary": "text/csv; charset=utf-8",
    "json": "application/json",
    "schema": "application/schema+json",
    "zip": "application/zip",
}
# JSON is shown by browsers and fetched by programs; spreadsheets and the zip are saved.
INLINE = {"json", "schema"}
FORMAT_LABELS = {
    "csv": "CSV",
    "json": "JSON",
    "schema": "JSON Schema",
    "dictionary": "data dictionary (CSV)",
}


def _served_files():
    """{file name: (kind, dataset or None)} of every file /open-data/ serves."""
    served = {ZIP_NAME: ("zip", None)}
    for dataset in DATASETS:
        for kind, name in dataset_files(dataset).items():
            served[name] = (kind, dataset)
    return served


SERVED_FILES = _served_files()


def _generated(manifest):
    return datetime.datetime.fromisoformat(manifest["generated"])


def when(moment):
    """A date and time as NHS style writes it, in UK time: 1 June 2025 at 9:05am."""
    local = timezone.localtime(moment)
    hour = local.hour % 12 or 12
    minutes = f":{local.minute:02d}" if local.minute else ""
    return f"{local.day} {local:%B %Y} at {hour}{minutes}{'am' if local.hour < 12 else 'pm'}"


@require_safe
def download(request, filename):
    """One file of the current set, streamed from disk; 404 for a name the set never has."""
    if filename not in SERVED_FILES:
        raise Http404("No such open-data file")
    kind, dataset = SERVED_FILES[filename]
    for attempt in range(2):
        generation = current_generation()
        etag = f'"{generation.directory.name}-{filename}"'
        modified = _generated(generation.manifest).timestamp()
        not_modified = get_conditional_response(request, etag=etag, last_modified=modified)
        if not_modified is not None:
            response = not_modified
            break
        try:
            handle = open(generation.directory / filename, "rb")  # noqa: SIM115 (FileResponse closes it)
        except FileNotFoundError:
            # A newer generation replaced this one between looking it up and opening the file.
            if attempt:
                raise
            continue
        response = FileResponse(
            handle,
            content_type=CONTENT_TYPES[kind],
            as_attachment=kind not in INLINE,
            filename=filename,
        )
        break
    response["ETag"] = etag
    response["Last-Modified"] = http_date(modified)
    response["Cache-Control"] = CACHE_CONTROL
    links = [f'<{LICENCE["url"]}>; rel="license"']
    if dataset is not None and kind in ("csv", "json"):
        dictionary = reverse("opendata:download", args=[dataset_files(dataset)["dictionary"]])
        links.append(f'<{request.build_absolute_uri(dictionary)}>; rel="describedby"')
    response["Link"] = ", ".join(links)
    return response


def _file_url(request, name):
    return request.build_absolute_uri(reverse("opendata:download", args=[name]))


def catalogue(request, generation):
    """The schema.org DataCatalog of the datasets, for search engines' dataset search."""
    page = request.build_absolute_uri(reverse("opendata:index"))
    modified = generation.manifest["generated"]
    datasets = []
    for dataset in DATASETS:
        files = dataset_files(dataset)
        datasets.append(
            {
                "@type": "Dataset",
                "@id": f"{page}#{dataset.slug}",
                "name": dataset.title,
                "description": dataset.description,
                "url": f"{page}#{dataset.slug}",
                "identifier": dataset.slug,
                "license": LICENCE["url"],
                "isAccessibleForFree": True,
                "inLanguage": "en-GB",
                "creator": PUBLISHER,
                "publisher": PUBLISHER,
                "dateModified": modified,
                "variableMeasured": [field.name for field in dataset.fields],
                "distribution": [
                    {
                        "@type": "DataDownload",
                        "encodingFormat": "text/csv",
                        "contentUrl": _file_url(request, files["csv"]),
                    },
                    {
                        "@type": "DataDownload",
                        "encodingFormat": "application/json",
                        "contentUrl": _file_url(request, files["json"]),
                    },
                ],
            }
        )
    return {
        "@context": "https://schema.org",
        "@type": "DataCatalog",
        "@id": page,
        "name": f"{SITE_NAME} open data",
        "description": "The knowledge base's published case studies, their results and "
        "measures over time, frontline ideas, GIRFT standards, improvement guides and "
        "blueprints, as CSV and JSON files.",
        "url": page,
        "inLanguage": "en-GB",
        "license": LICENCE["url"],
        "creator": PUBLISHER,
        "publisher": PUBLISHER,
        "dateModified": modified,
        "dataset": datasets,
    }


@require_safe
def index(request):
    generation = current_generation()
    manifest = generation.manifest
    sections = []
    for dataset in DATASETS:
        counts = manifest["datasets"][dataset.slug]
        names = dataset_files(dataset)
        sections.append(
            {
                "dataset": dataset,
                "records": counts["records"],
                "downloads": [
                    {
                        "label": FORMAT_LABELS[kind],
                        "url": reverse("opendata:download", args=[name]),
                        "name": name,
                        "bytes": counts["bytes"][kind],
                    }
                    for kind, name in names.items()
                ],
                "dictionary": dictionary_rows(dataset),
            }
        )
    context = {
        "sections": sections,
        "generated": _generated(manifest),
        "generated_text": when(_generated(manifest)),
        "licence": LICENCE,
        "attribution": ATTRIBUTION,
        "publisher": PUBLISHER["name"],
        "zip": {
            "url": reverse("opendata:download", args=[ZIP_NAME]),
            "bytes": manifest["zip_bytes"],
        },
        "json_ld": mark_safe(json_for_script(catalogue(request, generation))),  # noqa: S308 (escaped)
    }
    return render(request, "opendata/index.html", context)
