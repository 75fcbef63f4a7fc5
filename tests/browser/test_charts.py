"""A case study's SPC chart in a real browser: drawn, described, tabulated and accessible."""

from playwright.sync_api import expect


def test_case_study_chart_renders_accessibly(page, screenshot, axe_check):
    page.goto("/case-studies/northumbria-direct-streaming-to-sdec/")
    chart = page.get_by_role("img", name="Patients streamed straight to SDEC")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box["width"] > 300 and box["height"] > 150
    expect(page.get_by_text("Improvement after the change.")).to_be_visible()
    page.get_by_text("Show the data for Patients streamed straight to SDEC as a table").click()
    table = page.get_by_role("table", name="Patients streamed straight to SDEC: data and signals")
    expect(table.get_by_role("row")).to_have_count(25)  # a header and 24 months
    screenshot(page, "case-study-chart")
    axe_check(page)


def test_listing_shows_which_case_studies_have_a_signal(page):
    page.goto("/case-studies/")
    expect(page.get_by_text("Improvement shown on SPC chart").first).to_be_visible()
