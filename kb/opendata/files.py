"""Writing the open data: each dataset as CSV and JSON with its JSON Schema and data
dictionary, then a README, the licence and the whole set as one zip.

Records are written as they are read, one at a time: the CSV through csv.writer, the JSON a
record at a time between an opening written first and a closing written last (never
json.dumps of a whole list), so memory stays flat however many pages the site has. Every file
is written under a temporary name and moved into place when complete (`os.replace`), so a
reader of the folder never sees half a file. `manifest.json`, written last, says when the set
was generated and how many records each dataset has: the /open-data/ page reads it.
"""

import csv
import datetime
import json
import os
import zipfile
from contextlib import contextmanager
from pathlib import Path

from django.utils import timezone

from kb.core.discoverability import PUBLISHER, SITE_NAME
from kb.core.spreadsheets import FORMULA_STARTS, spreadsheet_safe

from .datasets import DATASETS, Addresses
from .fields import LIST_SEPARATOR

LICENCE = {
    "name": "Open Government Licence v3.0",
    "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
}
ATTRIBUTION = "Contains public sector information licensed under the Open Government Licence v3.0."
ZIP_NAME = "kb-open-data.zip"
README_NAME = "README.txt"
LICENCE_NAME = "LICENCE.txt"
MANIFEST_NAME = "manifest.json"
DICTIONARY_COLUMNS = ("field", "type", "files", "description")
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_CHARACTER_NAMES = {"\t": "a tab", "\r": "a carriage return"}
FORMULA_STARTS_IN_WORDS = ", ".join(_CHARACTER_NAMES.get(c, c) for c in FORMULA_STARTS[:-1]) + (
    f" or {_CHARACTER_NAMES.get(FORMULA_STARTS[-1], FORMULA_STARTS[-1])}"
)
FILES_LABELS = {"csv json": "CSV and JSON", "csv": "CSV only", "json": "JSON only"}


def dataset_files(dataset):
    """{kind: file name} of a dataset's four files."""
    return {
        "csv": f"{dataset.slug}.csv",
        "json": f"{dataset.slug}.json",
        "schema": f"{dataset.slug}.schema.json",
        "dictionary": f"{dataset.slug}-dictionary.csv",
    }


@contextmanager
def _atomic(path, **open_kwargs):
    """A file opened for writing under a temporary name, put in place only when complete."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        with open(partial, "w", encoding="utf-8", **open_kwargs) as handle:
            yield handle
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _json(value, **kwargs):
    # allow_nan=False: a NaN would make the file invalid JSON; better to fail loudly.
    return json.dumps(value, ensure_ascii=False, allow_nan=False, **kwargs)


def write_data(dataset, directory, generated, addresses):
    """Write the dataset's CSV and JSON in one pass over its records.

    Returns (records, CSV rows)."""
    names = dataset_files(dataset)
    csv_fields, json_fields = dataset.csv_fields, dataset.json_fields
    records = rows = 0
    with (
        _atomic(directory / names["csv"], newline="") as csv_file,
        _atomic(directory / names["json"]) as json_file,
    ):
        writer = csv.writer(csv_file)
        writer.writerow([field.name for field in csv_fields])
        envelope = _json(
            {
                "dataset": dataset.slug,
                "title": dataset.title,
                "licence": LICENCE,
                "generated": generated.isoformat(),
            }
        )
        # The envelope's closing brace gives way to the records, written as they come.
        json_file.write(envelope[:-1] + ', "records": [')
        for record in dataset.read(addresses):
            json_file.write(",\n" if records else "\n")
            json_file.write(_json({field.name: record[field.name] for field in json_fields}))
            records += 1
            for row in dataset.csv_rows(record):
                writer.writerow([field.csv_cell(row[field.name]) for field in csv_fields])
                rows += 1
        json_file.write("\n]}\n")
    return records, rows


def json_schema(dataset):
    """The JSON Schema (draft 2020-12) of the dataset's JSON file."""
    record = {
        "type": "object",
        "required": [field.name for field in dataset.json_fields],
        "additionalProperties": False,
        "properties": {field.name: field.json_schema() for field in dataset.json_fields},
    }
    return {
        "$schema": SCHEMA_DIALECT,
        "title": f"{dataset.title} ({SITE_NAME} open data)",
        "description": f"{dataset.description} Licensed under the {LICENCE['name']}: "
        f"{LICENCE['url']}",
        "type": "object",
        "required": ["dataset", "title", "licence", "generated", "records"],
        "additionalProperties": False,
        "properties": {
            "dataset": {"const": dataset.slug, "description": "The dataset's name."},
            "title": {"type": "string", "description": "The dataset's title."},
            "licence": {
                "type": "object",
                "required": ["name", "url"],
                "additionalProperties": False,
                "properties": {
                    "name": {"const": LICENCE["name"]},
                    "url": {"const": LICENCE["url"]},
                },
                "description": "The licence the data is published under.",
            },
            "generated": {
                "type": "string",
                "format": "date-time",
                "description": "When the file was generated from the published content.",
            },
            "records": {"type": "array", "items": {"$ref": "#/$defs/record"}},
        },
        "$defs": {"record": record},
    }


def dictionary_rows(dataset):
    """The data dictionary: a row for each field, in the order the files have them."""
    return [
        {
            "field": field.name,
            "type": field.type_label,
            "files": FILES_LABELS[field.files],
            "description": field.full_description,
        }
        for field in dataset.fields
    ]


def write_description(dataset, directory):
    """Write the dataset's JSON Schema and data dictionary."""
    names = dataset_files(dataset)
    with _atomic(directory / names["schema"]) as handle:
        handle.write(_json(json_schema(dataset), indent=2) + "\n")
    with _atomic(directory / names["dictionary"], newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(DICTIONARY_COLUMNS)
        for row in dictionary_rows(dataset):
            writer.writerow([spreadsheet_safe(row[column]) for column in DICTIONARY_COLUMNS])


def licence_text():
    return (
        f"{LICENCE['name']}\n{LICENCE['url']}\n\n"
        f"This data is published by {PUBLISHER['name']} under the {LICENCE['name']}. You may "
        "copy, publish, distribute and transmit it, adapt it, and use it commercially and "
        "non-commercially, as long as you acknowledge the source with this attribution "
        f"statement:\n\n    {ATTRIBUTION}\n\nThe full terms are at the address above.\n"
    )


def readme_text(generated, counts):
    lines = [
        f"{SITE_NAME}: open data",
        "",
        f"Generated: {generated.isoformat()} (UTC), from the content published at that time.",
        f"Licence: {LICENCE['name']} ({LICENCE['url']}); see {LICENCE_NAME}.",
        f"Publisher: {PUBLISHER['name']}.",
        "",
        "Each dataset comes as four files:",
        "  <name>.csv              a header row, then a row for each record",
        "  <name>.json             the records, with the licence and the date generated",
        "  <name>.schema.json      the JSON Schema (draft 2020-12) the JSON file follows",
        "  <name>-dictionary.csv   the data dictionary: each field's name, type and meaning",
        "",
        "All files are UTF-8. In the CSV files, lists are separated by "
        f'"{LIST_SEPARATOR}", true and false are spelled out, and an empty cell is a null in '
        f"the JSON. A text cell that starts with {FORMULA_STARTS_IN_WORDS} has an apostrophe "
        "added in front, so that no spreadsheet reads it as a formula; the JSON files have "
        "the text exactly as written.",
        "",
        "Datasets",
        "",
    ]
    for dataset in DATASETS:
        lines += [
            f"{dataset.slug}: {dataset.title} ({counts[dataset.slug]} records)",
            f"  {dataset.description}",
            "",
        ]
    return "\n".join(lines)


def write_zip(directory, names):
    """The whole set as one zip, each file read from disk in blocks as it is added."""
    partial = directory / f".{ZIP_NAME}.partial"
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name in names:
                archive.write(directory / name, arcname=name)
        os.replace(partial, directory / ZIP_NAME)
    finally:
        partial.unlink(missing_ok=True)


def export_all(directory, generated=None):
    """Write every dataset's files, the README, the licence, the zip and the manifest into
    `directory` (created if missing). Returns the manifest."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    generated = (generated or timezone.now()).astimezone(datetime.UTC).replace(microsecond=0)
    addresses = Addresses()
    manifest = {"generated": generated.isoformat(), "datasets": {}}
    names = []
    counts = {}
    for dataset in DATASETS:
        records, rows = write_data(dataset, directory, generated, addresses)
        write_description(dataset, directory)
        files = dataset_files(dataset)
        counts[dataset.slug] = records
        manifest["datasets"][dataset.slug] = {
            "records": records,
            "csv_rows": rows,
            "bytes": {kind: (directory / name).stat().st_size for kind, name in files.items()},
        }
        names += files.values()
    with _atomic(directory / README_NAME) as handle:
        handle.write(readme_text(generated, counts))
    with _atomic(directory / LICENCE_NAME) as handle:
        handle.write(licence_text())
    write_zip(directory, [*names, README_NAME, LICENCE_NAME])
    manifest["zip_bytes"] = (directory / ZIP_NAME).stat().st_size
    with _atomic(directory / MANIFEST_NAME) as handle:
        handle.write(_json(manifest, indent=2) + "\n")
    return manifest
