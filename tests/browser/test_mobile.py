"""The case study's results on a phone (360 px wide): every cell says which column it is in,
and the page passes axe; on a desktop the labels give way to the table's own headings."""

from urllib.parse import urlparse

from playwright.sync_api import expect


def a_case_study_with_results():
    from kb.cases.models import CaseStudyPage

    page = CaseStudyPage.objects.live().filter(measures__isnull=False).order_by("title").first()
    return urlparse(page.full_url).path


def test_result_cells_are_labelled_on_a_phone(page, axe_check, screenshot):
    address = a_case_study_with_results()
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(address)

    row = page.locator("#measured-results + table tbody tr").first
    for label in ("Before", "After", "Change", "Period"):
        expect(row.locator(".nhsuk-table-responsive__heading", has_text=label)).to_be_visible()
    screenshot(page, "case-study-results-360")
    axe_check(page)

    page.set_viewport_size({"width": 1280, "height": 900})
    expect(row.locator(".nhsuk-table-responsive__heading").first).to_be_hidden()
    expect(page.locator("#measured-results + table thead")).to_be_visible()


def test_a_phone_gets_a_back_link_where_the_breadcrumbs_were(page):
    address = a_case_study_with_results()
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(address)

    back = page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Back to")
    expect(back).to_be_visible()
    expect(back).to_have_text("Back to\u00a0Case studies")
    back.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Case studies")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(address)
    expect(
        page.get_by_role("navigation", name="Breadcrumb").locator(".nhsuk-back-link")
    ).to_be_hidden()


def test_search_results_come_before_the_filters_on_a_phone(page, axe_check):
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto("/search/?q=discharge")

    count = page.locator("#result-count")
    expect(count).to_be_visible()
    assert count.bounding_box()["y"] < 800  # in the first screenful, not after the filters
    first_result = page.locator(".kb-result").first.bounding_box()
    filters = page.get_by_role("heading", name="Filter results").bounding_box()
    assert first_result["y"] < filters["y"]
    axe_check(page)


def test_a_chart_keeps_legible_text_on_a_phone_and_scrolls_in_its_box(page, axe_check):
    from kb.cases.models import CaseStudyPage

    charted = CaseStudyPage.objects.live().filter(series__isnull=False).order_by("title").first()
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(urlparse(charted.full_url).path)

    box = page.locator(".kb-chart__svg").first
    svg = box.locator("svg")
    expect(svg).to_be_visible()
    drawn = svg.bounding_box()["width"]
    assert drawn >= float(svg.get_attribute("width")) - 1  # not shrunk: its 12 px text stays 12 px
    assert box.evaluate("element => element.scrollWidth > element.clientWidth")
    expect(page.locator(".kb-chart__hint").first).to_be_visible()
    sideways = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert sideways <= 1  # the chart scrolls in its box, not the page
    axe_check(page)

    page.set_viewport_size({"width": 1280, "height": 900})
    expect(page.locator(".kb-chart__hint").first).to_be_hidden()
