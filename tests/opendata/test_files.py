"""The open-data files as a downloader meets them: CSV that Python's csv module reads with the
data dictionary's columns, JSON that validates against the schema published beside it, and
nothing a reader of the site could not already see."""

import csv
import io
import json
import zipfile

import pytest
from jsonschema import Draft202012Validator

from kb.opendata.datasets import BY_SLUG, DATASETS
from kb.opendata.files import LICENCE, dataset_files

from .conftest import MONTHS, PRIVATE_MARKERS

pytestmark = pytest.mark.django_db


def read_csv(body):
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"), newline="")))


def read_csv_header(body):
    return next(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))


def validate(schema, document):
    """Validate as a strict consumer would: formats (dates, date-times) checked too."""
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(document), key=lambda error: list(error.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def by_slug(records, key="slug"):
    return {record[key]: record for record in records}


def test_every_csv_parses_and_has_its_dictionary_columns_in_order(library, download_all):
    files = download_all()
    for dataset in DATASETS:
        names = dataset_files(dataset)
        dictionary = read_csv(files[names["dictionary"]])
        assert list(dictionary[0]) == ["field", "type", "files", "description"]
        assert all(row["type"] and row["description"] for row in dictionary)
        in_csv = [row["field"] for row in dictionary if "CSV" in row["files"]]
        assert read_csv_header(files[names["csv"]]) == in_csv, dataset.slug
        rows = read_csv(files[names["csv"]])
        assert rows, f"{dataset.slug} has no rows"
        # Every row has exactly the header's cells: no quoting slip spilled a cell over.
        assert all(None not in row and None not in row.values() for row in rows)


def test_every_json_validates_against_the_schema_published_beside_it(library, download_all):
    files = download_all()
    for dataset in DATASETS:
        names = dataset_files(dataset)
        schema = json.loads(files[names["schema"]])
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        document = json.loads(files[names["json"]])
        validate(schema, document)
        assert document["dataset"] == dataset.slug
        assert document["licence"] == LICENCE
        assert document["records"], f"{dataset.slug} has no records"
        # The dictionary lists the JSON's keys too, in order.
        dictionary = read_csv(files[names["dictionary"]])
        in_json = [row["field"] for row in dictionary if "JSON" in row["files"]]
        assert all(list(record) == in_json for record in document["records"])


def test_the_schemas_refuse_what_the_data_must_not_hold(library, fetch):
    """The schemas are not a formality: a record with a field too many, a wrong type or a value
    outside its choices fails them."""
    schema = json.loads(fetch("/open-data/case-studies.schema.json")[1])
    document = json.loads(fetch("/open-data/case-studies.json")[1])
    validator = Draft202012Validator(schema)
    assert validator.is_valid(document)
    record = document["records"][0]
    for broken in (
        {**record, "owner_email": "someone@example.nhs.uk"},
        {**record, "id": "26"},
        {**record, "evidence_strength": "trust-me"},
        {key: value for key, value in record.items() if key != "title"},
    ):
        assert not validator.is_valid({**document, "records": [broken]})


def test_drafts_and_restricted_pages_are_never_exported(library, download_all):
    files = download_all()
    everything = b"\n".join(files.values())
    for hidden in (
        "draft-case-study", "Draft case study never published", "restricted-case-study",
        "Restricted case study", "Restricted measure", "Restricted series", "GIRFT-EM-99",
        "Draft standard", "unpublished-idea", "Unpublished idea", "Untried series",
    ):  # fmt: skip
        assert hidden.encode() not in everything, hidden
    cases = by_slug(json.loads(files["case-studies.json"])["records"])
    assert set(cases) == {"streaming-to-sdec", "criteria-led-discharge"}
    ideas = by_slug(json.loads(files["ideas.json"])["records"])
    assert set(ideas) == {"smaller-hernia-trays", "untried-idea"}
    guide = json.loads(files["guides.json"])["records"][0]
    assert guide["related_standards"] == ["initial-assessment-within-15-minutes"]
    assert guide["related_cases"] == ["streaming-to-sdec"]
    blueprint = json.loads(files["blueprints.json"])["records"][0]
    assert blueprint["standards"] == ["initial-assessment-within-15-minutes"]


def test_private_details_appear_in_no_file(library, download_all):
    files = download_all()
    for name, body in files.items():
        for marker in PRIVATE_MARKERS:
            assert marker.encode() not in body, (marker, name)
        assert b"owner_email" not in body and b"contact_email" not in body, name


def test_formula_characters_are_escaped_in_csv_but_not_in_json(make_case_study, fetch):
    make_case_study("=HYPERLINK(\"http://evil.example\",\"Click\")", slug="formula-one",
                    summary="+SUM(A1:A2)", content_owner="@team")  # fmt: skip
    make_case_study("-2 days from discharge", slug="formula-two", summary="Plain summary.")
    rows = by_slug(read_csv(fetch("/open-data/case-studies.csv")[1]))
    assert rows["formula-one"]["title"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert rows["formula-one"]["summary"] == "'+SUM(A1:A2)"
    assert rows["formula-one"]["owner"] == "'@team"
    assert rows["formula-two"]["title"] == "'-2 days from discharge"
    assert rows["formula-two"]["summary"] == "Plain summary."
    records = by_slug(json.loads(fetch("/open-data/case-studies.json")[1])["records"])
    assert records["formula-one"]["title"] == '=HYPERLINK("http://evil.example","Click")'
    assert records["formula-one"]["summary"] == "+SUM(A1:A2)"
    assert records["formula-two"]["title"] == "-2 days from discharge"


HOSTILE = {
    "title": "Café “quotes”, 'apostrophes' and \"double quotes\" – 急诊 👩‍⚕️",
    "summary": "Line one,\nline two;\r\nline three\twith a tab, <script>alert(1)</script> & "
    "</script><!-- done",
    "problem": ("A very long problem. " * 2500) + "\u2028 end \x85 NEL",
    "lessons": '"","",,;; ""quoted"" \\ backslash \\n not a newline',
}


def test_hostile_text_round_trips_exactly_through_csv_and_json(make_case_study, fetch):
    make_case_study(slug="hostile", **HOSTILE)
    row = by_slug(read_csv(fetch("/open-data/case-studies.csv")[1]))["hostile"]
    record = by_slug(json.loads(fetch("/open-data/case-studies.json")[1])["records"])["hostile"]
    for field, text in HOSTILE.items():
        assert row[field] == text, field
        assert record[field] == text, field


def test_results_carry_the_change_and_whether_it_improved(library, fetch):
    rows = read_csv(fetch("/open-data/case-study-results.csv")[1])
    records = json.loads(fetch("/open-data/case-study-results.json")[1])["records"]
    streamed = next(r for r in records if r["name"] == "Patients streamed")
    assert streamed["page_slug"] == "streaming-to-sdec"
    assert streamed["page_id"] == library["case"].pk
    assert (streamed["baseline"], streamed["result"], streamed["change"]) == (12.5, 31.25, 18.75)
    assert streamed["higher_is_better"] is True and streamed["improved"] is True
    unchanged = by_slug([r for r in records if r["name"] == "Length of stay"], "page_slug")
    assert unchanged["streaming-to-sdec"]["improved"] is None
    assert unchanged["criteria-led-discharge"]["improved"] is True  # 9 to 7 days: lower is better
    row = next(r for r in rows if r["name"] == "Patients streamed")
    assert (row["baseline"], row["change"], row["higher_is_better"]) == ("12.5", "18.75", "true")
    unchanged = by_slug([r for r in rows if r["name"] == "Length of stay"], "page_slug")
    assert unchanged["streaming-to-sdec"]["improved"] == ""


def test_measure_series_are_one_record_in_json_and_a_row_a_point_in_csv(library, fetch):
    from kb.measurement.records import series_record

    records = json.loads(fetch("/open-data/measure-series.json")[1])["records"]
    assert [(r["page_type"], r["name"]) for r in records] == [
        ("case-study", "Streamed to SDEC"),
        ("idea", "Trays opened"),
    ]
    case_series = library["case"].series.get()
    shared = series_record(case_series)  # the shape the page API gives too
    assert {key: records[0][key] for key in shared} == json.loads(json.dumps(shared))
    assert records[0]["points"] == [{"period": m, "value": float(i + 10)}
                                    for i, m in enumerate(MONTHS)]  # fmt: skip
    assert records[0]["signal"] in ("improvement", "none", "concern")
    rows = read_csv(fetch("/open-data/measure-series.csv")[1])
    streamed = [r for r in rows if r["name"] == "Streamed to SDEC"]
    assert [(r["period"], r["value"]) for r in streamed] == [
        (m, f"{float(i + 10)}") for i, m in enumerate(MONTHS)
    ]
    assert {r["target"] for r in streamed} == {"30.0"}
    assert {r["page_slug"] for r in streamed} == {"streaming-to-sdec"}
    assert {r["summary"] for r in streamed} == {records[0]["summary"]}
    assert [r["value"] for r in rows if r["name"] == "Trays opened"] == ["40.0", "31.0"]


def test_the_zip_holds_every_file_the_licence_and_a_readme(library, fetch):
    response, body = fetch("/open-data/kb-open-data.zip")
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.testzip() is None
        names = set(archive.namelist())
        expected = {name for d in DATASETS for name in dataset_files(d).values()}
        assert names == expected | {"README.txt", "LICENCE.txt"}
        licence = archive.read("LICENCE.txt").decode()
        assert "Open Government Licence v3.0" in licence and LICENCE["url"] in licence
        readme = archive.read("README.txt").decode()
        generated = json.loads(archive.read("case-studies.json"))["generated"]
        assert f"Generated: {generated}" in readme
        for dataset in DATASETS:
            assert dataset.slug in readme
        # The zip's files are the very files served one by one.
        assert archive.read("ideas.csv") == fetch("/open-data/ideas.csv")[1]


@pytest.mark.parametrize(
    ("name", "content_type", "disposition"),
    [
        ("case-studies.csv", "text/csv; charset=utf-8", 'attachment; filename="case-studies.csv"'),
        ("case-studies.json", "application/json", 'inline; filename="case-studies.json"'),
        ("case-studies.schema.json", "application/schema+json",
         'inline; filename="case-studies.schema.json"'),
        ("case-studies-dictionary.csv", "text/csv; charset=utf-8",
         'attachment; filename="case-studies-dictionary.csv"'),
        ("kb-open-data.zip", "application/zip", 'attachment; filename="kb-open-data.zip"'),
    ],
)  # fmt: skip
def test_each_file_says_what_it_is(site_tree, fetch, name, content_type, disposition):
    response, body = fetch(f"/open-data/{name}")
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == disposition
    assert response["Cache-Control"] == "public, max-age=300"
    assert int(response["Content-Length"]) == len(body)
    assert f'<{LICENCE["url"]}>; rel="license"' in response["Link"]


def test_a_data_file_links_its_dictionary(site_tree, fetch):
    response, _ = fetch("/open-data/ideas.csv")
    described = '<http://testserver/open-data/ideas-dictionary.csv>; rel="describedby"'
    assert described in response["Link"]


def test_any_site_may_read_the_files_without_credentials(site_tree, fetch, client):
    """CORS, from the one place the site configures it (django-cors-headers' settings)."""
    origin = {"Origin": "https://dashboard.example.nhs.uk"}
    response, _ = fetch("/open-data/case-studies.csv", headers=origin)
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    exposed = response["Access-Control-Expose-Headers"]
    # Another site's script can read the validators, the licence and dictionary links, and
    # the file's name.
    for header in ("ETag", "Last-Modified", "Link", "Content-Disposition"):
        assert header in exposed
    assert "origin" in response["Vary"].lower()  # a shared cache keeps the answer apart from others
    unchanged, _ = fetch(
        "/open-data/case-studies.csv",
        status=304,
        headers=origin | {"If-None-Match": response["ETag"]},
    )
    assert unchanged["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/open-data/ideas.json", headers=origin | {"Access-Control-Request-Method": "GET"}
    )
    assert preflight.status_code == 200
    assert set(preflight["Access-Control-Allow-Methods"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


@pytest.mark.parametrize(
    "name",
    [
        "nope.csv", "case-studies.xml", "case-studies", "case-studies.CSV", "manifest.json",
        "README.txt", "case-studies.schema", "generate.lock", "..%2Fkb.sqlite3",
    ],
)  # fmt: skip
def test_an_unknown_dataset_or_format_is_not_found(site_tree, fetch, settings, name):
    fetch(f"/open-data/{name}", status=404)
    # Asking for a file that does not exist generates nothing.
    assert not (settings.VAR_DIR / "open-data").exists()


def test_only_reading_is_allowed(site_tree, client):
    assert client.post("/open-data/case-studies.csv").status_code == 405
    assert client.head("/open-data/case-studies.csv").status_code == 200


def test_every_dataset_is_described_in_full():
    """Each field has a description and a type; names are unique; the slugs are the ones the
    site publishes."""
    assert list(BY_SLUG) == [
        "case-studies", "case-study-results", "measure-series", "ideas", "girft-standards",
        "guides", "blueprints",
    ]  # fmt: skip
    for dataset in DATASETS:
        names = [field.name for field in dataset.fields]
        assert len(names) == len(set(names)), dataset.slug
        assert all(field.description.endswith(".") for field in dataset.fields), dataset.slug
        assert len(dataset.description) >= 50  # schema.org Dataset descriptions need 50+
