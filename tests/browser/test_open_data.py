"""The open-data page and the API reference in a real browser: each passes axe, and what they
link to answers (fetched with the page's own request context rather than saved as downloads)."""

import json

from playwright.sync_api import expect


def test_open_data_page_and_its_case_study_files(page, axe_check, screenshot):
    tab = page
    tab.goto("/open-data/")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Open data")
    section = tab.get_by_role("region", name="Case studies", exact=True)
    csv_link = section.get_by_role("link", name="Case studies: CSV", exact=True)
    json_link = section.get_by_role("link", name="Case studies: JSON", exact=True)
    expect(csv_link).to_have_attribute("href", "/open-data/case-studies.csv")
    expect(json_link).to_have_attribute("href", "/open-data/case-studies.json")
    screenshot(tab, "open-data")
    axe_check(tab)

    answer = tab.request.get(csv_link.get_attribute("href"))
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    header = answer.text().splitlines()[0]
    assert "slug" in header.split(",") and "title" in header.split(",")

    answer = tab.request.get(json_link.get_attribute("href"))
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert body  # the published case studies, as data
    assert "northumbria-direct-streaming-to-sdec" in json.dumps(body)


def test_api_reference_and_its_openapi_description(page, axe_check, screenshot):
    tab = page
    tab.goto("/api/")
    expect(tab.get_by_role("heading", level=1)).to_have_text("API reference")
    link = tab.get_by_role("link", name="OpenAPI 3.1 at /api/openapi.json")
    expect(link).to_have_attribute("href", "/api/openapi.json")
    screenshot(tab, "api-reference")
    axe_check(tab)

    answer = tab.request.get(link.get_attribute("href"))
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("application/json")
    description = answer.json()
    assert description["openapi"].startswith("3.1")
    assert "/api/variation/{metric}/funnel.json" in description["paths"]


def sideways_scroll(tab):
    return tab.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def test_open_data_page_fits_a_phone(page):
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto("/open-data/")
    assert sideways_scroll(page) <= 1


def test_api_reference_fits_a_phone(page):
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto("/api/")
    expect(page.get_by_role("heading", level=1)).to_have_text("API reference")
    overflow = sideways_scroll(page)
    assert overflow <= 1, f"the page scrolls sideways by {overflow}px at 360px wide"
