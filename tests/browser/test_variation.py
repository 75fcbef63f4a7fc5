"""Variation data in a real browser, as a person uses it: from a guide's "Where organisations
stand" panel to the funnel plot among organisations like theirs, then to an organisation's own
page (where it stands, its SPC chart, what could help); changing the period and the limits; a
period that is not one; the funnel on a phone. Each page checked with axe.

The live site has the variation demo (conftest.py): fictional trusts with "ZZ" codes. Dunmere
Vale stands out on the worse side for emergency readmissions; Southford improved them.
"""

import re
from urllib.parse import urlparse

from playwright.sync_api import expect

READMISSIONS = "emergency-readmissions-30d"
HIP_FRACTURE = "hip-fracture-surgery-36h"
DUNMERE = "Dunmere Vale Hospitals NHS Foundation Trust"
MILLHAVEN = "Millhaven Hospitals NHS Foundation Trust"


def address_of(model, slug):
    """A live page's path (the site's hostname may not resolve here)."""
    return urlparse(model.objects.live().get(slug=slug).full_url).path


def test_the_metrics_are_listed(page, axe_check, screenshot):
    tab = page
    tab.goto("/variation/")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Variation between organisations")
    for name in (
        "A&E patients seen within 4 hours (fictional)",
        "Emergency readmissions within 30 days (fictional)",
        "Hip fracture surgery within 36 hours (fictional)",
        "Hospital mortality ratio (fictional, SHMI-style)",
    ):
        expect(tab.get_by_role("link", name=name)).to_be_visible()
    screenshot(tab, "variation-metrics")
    axe_check(tab)

    tab.get_by_role("link", name="Hip fracture surgery within 36 hours (fictional)").click()
    expect(tab).to_have_url(re.compile(rf"/variation/{HIP_FRACTURE}/$"))
    expect(tab.locator(".kb-chart__svg svg")).to_be_visible()


def test_from_a_guide_to_where_an_organisation_stands(live_site, page, axe_check, screenshot):
    from kb.guides.models import ImprovementGuidePage

    tab = page
    guide = address_of(ImprovementGuidePage, "discharge-and-hospital-flow")
    tab.goto(guide)
    panel = tab.get_by_role("region", name="Where organisations stand")
    expect(panel).to_be_visible()
    expect(panel.locator(".kb-chart__svg svg")).to_have_count(2)  # readmissions and 4 hours
    screenshot(tab, "guide-where-organisations-stand")
    axe_check(tab)

    # Choose an organisation under the readmissions funnel and see where it stands.
    form = panel.locator(f'form[action="/variation/{READMISSIONS}/"]')
    form.get_by_label("See where your organisation stands").select_option(label=DUNMERE)
    form.get_by_role("button", name="See where it stands").click()
    expect(tab).to_have_url(f"{live_site}/variation/{READMISSIONS}/?peers=ZZD01")
    expect(tab.get_by_role("heading", level=1)).to_have_text(
        "Emergency readmissions within 30 days (fictional)"
    )
    heading = tab.get_by_role("heading", level=2, name=f"organisations like {DUNMERE}")
    expect(heading).to_be_visible()
    funnel = tab.locator(".kb-chart__svg svg")
    expect(funnel.locator("text", has_text=DUNMERE)).to_have_count(1)  # highlighted, named
    expect(tab.get_by_label("Compare with organisations like")).to_have_value("ZZD01")
    expect(tab.get_by_role("status")).to_contain_text("the group's value")
    screenshot(tab, "variation-funnel-peers")
    axe_check(tab)

    # From the table, to the organisation's own page.
    table = tab.get_by_role("table", name="Every organisation, the worse side first")
    table.get_by_role("link", name=DUNMERE).click()
    expect(tab).to_have_url(f"{live_site}/organisations/ZZD01/")
    expect(tab.get_by_role("heading", level=1)).to_have_text(DUNMERE)
    measures = tab.get_by_role("navigation", name="Measures on this page")
    expect(measures.get_by_role("listitem")).to_have_count(4)
    expect(measures).to_contain_text(
        "Emergency readmissions within 30 days (fictional) (stands out on the worse side)"
    )
    section = tab.get_by_role("region", name="Emergency readmissions within 30 days (fictional)")
    nationally = section.locator(".nhsuk-summary-list__row", has_text="Nationally")
    expect(nationally).to_contain_text("the worse side")
    expect(section.locator(".kb-chart svg")).to_be_visible()  # its own SPC chart
    box = section.locator(".kb-chart svg").first.bounding_box()
    assert box["width"] > 300 and box["height"] > 150
    card = section.locator(".nhsuk-card", has_text="What could help")
    expect(card.get_by_role("link", name="Discharge and hospital flow")).to_be_visible()
    expect(card).to_contain_text("(GIRFT standard)")
    expect(card).to_contain_text("(Southford Teaching Hospitals NHS Foundation Trust)")
    # Where it does not stand out, no card.
    within = tab.get_by_role("region", name="Hip fracture surgery within 36 hours (fictional)")
    expect(within.get_by_text("What could help")).to_have_count(0)
    screenshot(tab, "variation-organisation")
    axe_check(tab)

    # And back to the funnel among its peers, from the organisation's page.
    section.get_by_role("link", name=f"See {DUNMERE} among organisations like it").click()
    expect(tab).to_have_url(f"{live_site}/variation/{READMISSIONS}/?peers=ZZD01")


def test_a_standard_sends_its_reader_to_the_funnel(live_site, page):
    from kb.guides.models import GirftStandardPage

    tab = page
    tab.goto(address_of(GirftStandardPage, "hip-fracture-surgery-within-36-hours"))
    panel = tab.get_by_role("region", name="Where organisations stand")
    expect(panel.get_by_role("heading", level=3)).to_contain_text(
        "Hip fracture surgery within 36 hours (fictional)"
    )
    panel.get_by_label("See where your organisation stands").select_option(label=MILLHAVEN)
    panel.get_by_role("button", name="See where it stands").click()
    expect(tab).to_have_url(f"{live_site}/variation/{HIP_FRACTURE}/?peers=ZZM01")
    expect(tab.locator(".kb-chart__svg svg text", has_text=MILLHAVEN)).to_have_count(1)


def test_changing_the_period_and_the_limits(live_site, page, axe_check):
    tab = page
    tab.goto(f"/variation/{READMISSIONS}/")
    summary = tab.get_by_role("status")
    expect(summary).to_contain_text("Limits are widened for overdispersion")
    latest = tab.get_by_label("Period").input_value()

    tab.get_by_label("Period").select_option("2024-03")
    tab.get_by_role("group", name="Limits").get_by_label("Unadjusted").check()
    tab.get_by_role("button", name="Show").click()
    expect(tab).to_have_url(re.compile(r"[?&]period=2024-03(&|$)"))
    expect(tab).to_have_url(re.compile(r"[?&]overdispersion=off(&|$)"))
    expect(tab.get_by_role("heading", level=2, name="2024-03")).to_be_visible()
    expect(tab.get_by_role("status")).to_contain_text("not adjusted for overdispersion")
    expect(tab.get_by_label("Period")).to_have_value("2024-03")
    expect(tab.get_by_label("Unadjusted")).to_be_checked()
    assert latest != "2024-03"
    axe_check(tab)


def test_a_period_that_is_not_one_is_said_plainly(page, axe_check, screenshot):
    tab = page
    tab.goto(f"/variation/{HIP_FRACTURE}/?period=2019-13")
    problem = tab.locator(".nhsuk-error-summary")
    expect(problem.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(problem).to_contain_text("2019-13")
    expect(tab).to_have_title(re.compile(r"^Error: "))
    expect(tab.locator(".kb-chart__svg svg")).to_be_visible()  # still a funnel: no dead end
    latest = tab.get_by_label("Period").input_value()
    expect(tab.get_by_role("heading", level=2, name=latest)).to_be_visible()
    screenshot(tab, "variation-funnel-bad-period")
    axe_check(tab)


def test_the_funnel_fits_a_phone(page, axe_check, screenshot):
    tab = page
    tab.set_viewport_size({"width": 360, "height": 800})
    tab.goto(f"/variation/{READMISSIONS}/?peers=ZZD01")
    chart = tab.locator(".kb-chart__svg")
    expect(chart.locator("svg")).to_be_visible()
    overflow = tab.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"the page scrolls sideways by {overflow}px at 360px wide"
    box = chart.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 361
    screenshot(tab, "variation-funnel-360")
    axe_check(tab)
