"""/open-data/ as a reader and a search engine meet it: every dataset described, with its
files, its data dictionary as an accessible table, the licence and when the files were made;
and a schema.org DataCatalog that dataset search can read."""

import json

import pytest
from lxml import html

from kb.opendata.datasets import DATASETS
from kb.opendata.files import LICENCE, dataset_files, dictionary_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(library, fetch):
    response, body = fetch("/open-data/")
    assert response["Content-Type"].startswith("text/html")
    return html.fromstring(body.decode())


def manifest_of(fetch):
    return json.loads(fetch("/open-data/ideas.json")[1])["generated"]


def test_the_page_lists_every_dataset_with_its_files_and_counts(page, fetch):
    assert page.findtext(".//h1") == "Open data"
    links = {a.get("href") for a in page.iter("a")}
    assert "/open-data/kb-open-data.zip" in links
    counts = {"case-studies": 2, "ideas": 2, "measure-series": 2, "blueprints": 1}
    for dataset in DATASETS:
        heading = page.get_element_by_id(dataset.slug)
        assert heading.text_content() == dataset.title
        section = heading.getparent().getparent().getparent()
        text = " ".join(section.text_content().split())
        assert dataset.description in text
        if dataset.slug in counts:
            number = counts[dataset.slug]
            assert f"{number} record{'s' if number != 1 else ''}" in text
        for name in dataset_files(dataset).values():
            assert f"/open-data/{name}" in links
            fetch(f"/open-data/{name}")  # and each is there


def test_the_page_says_when_the_files_were_made_and_under_which_licence(page, fetch):
    generated = manifest_of(fetch)
    time = page.get_element_by_id("generated").find("time")
    assert time.get("datetime") == generated
    assert " at " in time.text and time.text[-2:] in ("am", "pm")
    licence_links = [a for a in page.iter("a") if a.get("rel") == "license"]
    assert licence_links and all(a.get("href") == LICENCE["url"] for a in licence_links)
    assert licence_links[0].text == "Open Government Licence v3.0"


def test_each_data_dictionary_is_an_accessible_table(page):
    tables = page.findall(".//table")
    assert len(tables) == len(DATASETS)
    for table, dataset in zip(tables, DATASETS, strict=True):
        assert dataset.title.lower() in table.find("caption").text_content()
        headers = table.findall("./thead/tr/th")
        assert [th.get("scope") for th in headers] == ["col"] * 4
        rows = table.findall("./tbody/tr")
        assert [row.find("th/code").text for row in rows] == [
            row["field"] for row in dictionary_rows(dataset)
        ]
        assert all(row.find("th").get("scope") == "row" for row in rows)


def test_the_page_carries_a_data_catalogue_for_dataset_search(page, fetch):
    scripts = page.xpath('//script[@type="application/ld+json"]')
    assert len(scripts) == 1
    catalogue = json.loads(scripts[0].text)
    assert catalogue["@context"] == "https://schema.org"
    assert catalogue["@type"] == "DataCatalog"
    assert catalogue["license"] == LICENCE["url"]
    assert catalogue["dateModified"] == manifest_of(fetch)
    datasets = catalogue["dataset"]
    assert [d["name"] for d in datasets] == [d.title for d in DATASETS]
    for entry in datasets:
        assert entry["@type"] == "Dataset"
        assert entry["license"] == LICENCE["url"]
        assert entry["creator"]["name"] == entry["publisher"]["name"] == "NHS England"
        assert entry["dateModified"] == catalogue["dateModified"]
        formats = {d["encodingFormat"]: d["contentUrl"] for d in entry["distribution"]}
        assert set(formats) == {"text/csv", "application/json"}
        assert all(d["@type"] == "DataDownload" for d in entry["distribution"])
        for address in formats.values():
            assert address.startswith("http://testserver/open-data/")
            fetch(address.removeprefix("http://testserver"))


def test_every_page_links_to_the_open_data_from_its_footer(site_tree, client):
    footer = html.fromstring(client.get("/").content.decode()).find(".//footer")
    assert "/open-data/" in {a.get("href") for a in footer.iter("a")}
