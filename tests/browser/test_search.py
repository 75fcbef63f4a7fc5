"""Search in a real browser: words, filters with counts, sharing the URL, and no JavaScript."""

import re

import pytest
from playwright.sync_api import expect


def result_count(tab):
    text = tab.locator("#result-count").inner_text()
    return int(re.match(r"(\d+)", text).group(1))


def test_search_with_filters_narrows_results_and_the_url_keeps_the_state(
    page, screenshot, axe_check
):
    page.goto("/")
    page.get_by_label("Search good practice").fill("A&E")
    page.get_by_role("main").get_by_role("button", name="Search").click()
    expect(page.locator("#result-count")).to_contain_text("for A&E")
    everything = result_count(page)
    assert everything >= 3
    expect(page.locator(".kb-result mark").first).to_be_visible()

    page.get_by_label(re.compile(r"^Case study \(\d+\)")).check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"type=case-study"))
    case_studies = result_count(page)
    assert 0 < case_studies < everything
    assert page.locator(".kb-result .nhsuk-caption-m").all_inner_texts() == [
        t for t in page.locator(".kb-result .nhsuk-caption-m").all_inner_texts()
        if t.startswith("Case study")
    ]  # fmt: skip
    screenshot(page, "search-filtered")
    axe_check(page)

    # The URL is the state: opening it afresh shows the same results.
    shared = page.url
    page.goto(shared)
    assert result_count(page) == case_studies

    # Removing the filter from the chip brings everything back.
    page.get_by_role("link", name=re.compile("Content type: Case study")).click()
    assert result_count(page) == everything


def test_browsing_a_pathway_from_the_home_page(page):
    page.goto("/")
    page.get_by_role("link", name="Elective care", exact=True).click()
    expect(page).to_have_url(re.compile(r"/search/\?pathway=elective-care"))
    assert result_count(page) >= 3
    checkbox = page.get_by_label(re.compile(r"^Elective care \(\d+\)"))
    expect(checkbox).to_be_checked()


def test_no_results_page_offers_to_remove_filters(page, axe_check):
    page.goto("/search/?q=handover&pathway=cancer")
    expect(page.get_by_role("heading", name="No results found")).to_be_visible()
    page.get_by_role("link", name=re.compile("Remove “Care pathway: Cancer”")).click()
    assert result_count(page) >= 1
    axe_check(page)


@pytest.fixture
def no_js_page(browser, live_site):
    context = browser.new_context(base_url=live_site, java_script_enabled=False)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


def test_search_and_filters_work_without_javascript(no_js_page):
    tab = no_js_page
    tab.goto("/search/")
    tab.get_by_label("Search guidance, GIRFT standards, case studies and ideas").fill("discharging")
    tab.get_by_role("main").get_by_role("button", name="Search").click()
    before = result_count(tab)
    assert before >= 3
    first_mark = tab.locator(".kb-result mark").first
    expect(first_mark).to_contain_text(re.compile("discharg", re.IGNORECASE))
    tab.get_by_label(re.compile(r"^Improvement guide \(\d+\)")).check()
    tab.get_by_label("Sort by").select_option("date")
    tab.get_by_role("button", name="Apply filters").click()
    after = result_count(tab)
    assert 0 < after < before
    expect(tab).to_have_url(re.compile(r"sort=date"))
