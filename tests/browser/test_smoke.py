"""Smoke journeys in a real browser: the pages a newcomer opens first."""

import re

from playwright.sync_api import expect


def test_home_page_renders_with_header_search_and_navigation(page, screenshot, axe_check):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("NHS Improvement Knowledge Base")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_attached()
    nav = page.get_by_role("navigation", name="Menu")
    expect(nav.get_by_role("link", name="Guidance")).to_be_visible()
    expect(nav.get_by_role("link", name="Case studies")).to_be_visible()
    expect(page.get_by_role("link", name="Share an idea")).to_be_visible()
    # The NHS.UK frontend module loaded from hashed static files and started.
    expect(page.locator("body")).to_have_class(re.compile("nhsuk-frontend-supported"))
    screenshot(page, "home")
    axe_check(page)


def test_header_search_takes_the_reader_to_results(page):
    page.goto("/")
    page.get_by_role("searchbox", name="Search guidance, standards and case studies").fill(
        "frailty"
    )
    page.get_by_role("banner").get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/search/\?q=frailty"))
    expect(page.get_by_role("status")).to_contain_text("for frailty")


def test_an_improvement_guide_renders_its_sections(page, screenshot, axe_check):
    page.goto("/guidance/")
    page.get_by_role("link", name="Same day emergency care").first.click()
    expect(page.get_by_text("Improvement guide", exact=True)).to_be_visible()
    for heading in ("What good looks like", "Measures", "Changes to test", "Resources"):
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(page.get_by_text("Next review due")).to_be_visible()
    screenshot(page, "guide")
    axe_check(page)


def test_a_case_study_shows_its_measured_results_and_evidence(page, screenshot, axe_check):
    page.goto("/case-studies/pah-emergency-department-flow/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Faster emergency department flow")
    table = page.get_by_role("table")
    expect(table).to_contain_text("4-hour")
    summary = page.get_by_text(re.compile("^Strength of evidence"))
    summary.click()
    expect(page.get_by_text("The scale we use")).to_be_visible()
    expect(page.get_by_role("heading", name="Contact the team")).to_be_visible()
    screenshot(page, "case-study")
    axe_check(page)


def test_admin_login_renders(page, screenshot):
    page.goto("/admin/")
    expect(page).to_have_url(re.compile("/admin/login/"))
    expect(page.get_by_label("Username")).to_be_visible()
    expect(page.get_by_label("Password")).to_be_visible()
    screenshot(page, "admin-login")


def test_unknown_page_shows_the_branded_404(page, axe_check):
    response = page.goto("/there-is-no-such-page/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    axe_check(page)


def test_a_girft_standard_renders_the_standard_and_who_cites_it(page, screenshot, axe_check):
    page.goto("/guidance/")
    page.get_by_role("link", name="Ambulance handover within 15 minutes").click()
    expect(page.get_by_text(re.compile(r"GIRFT standard KB-EM-01"))).to_be_visible()
    expect(page.get_by_role("heading", name="The standard")).to_be_visible()
    for heading in ("Rationale", "How it is measured", "Evidence"):
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    cited = page.get_by_role("heading", name="Blueprints and guides that cite this standard")
    expect(cited).to_be_visible()
    page.get_by_role("link", name="Model Emergency Department").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Model Emergency Department")
    screenshot(page, "girft-standard-to-blueprint")


def test_the_model_emergency_department_blueprint_lists_components_and_standards(
    page, screenshot, axe_check
):
    page.goto("/guidance/model-emergency-department/")
    expect(page.get_by_role("heading", name="Components")).to_be_visible()
    assert page.locator(".kb-components > li").count() >= 7
    standards = page.get_by_role("heading", name="Standards this blueprint embodies")
    expect(standards).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^KB-EM-01"))).to_be_visible()
    expect(page.get_by_text("Next review due")).to_be_visible()
    screenshot(page, "blueprint")
    axe_check(page)
