"""An improvement project in a real browser: a member of staff starts one (a refused form
first), adds a measure and pastes its data, records a PDSA cycle, sees it marked on the chart,
shares the project and writes it up; another member follows it. Each page checked with axe."""

import datetime
import re
from urllib.parse import urlparse

from playwright.sync_api import expect

from .helpers import account, sign_in


def weekly_rows(values, start=datetime.date(2025, 1, 6)):
    return "\n".join(
        f"{(start + datetime.timedelta(weeks=i)).strftime('%d/%m/%Y')}\t{value}"
        for i, value in enumerate(values)
    )


def test_start_measure_test_share_and_write_up(live_site, page, axe_check, screenshot):
    from kb.projects.models import ProjectPage

    ProjectPage.objects.filter(title__startswith="Same day emergency care").delete()
    lead = account("adaeze", "Adaeze Obi")
    tab = page
    sign_in(tab, lead, "/projects/")
    expect(tab).to_have_url(f"{live_site}/projects/")
    axe_check(tab)
    tab.get_by_role("link", name="Start a project").click()

    tab.get_by_role("button", name="Start the project").click()
    expect(tab.locator(".nhsuk-error-summary")).to_contain_text("Enter a title for the project")
    expect(tab).to_have_title(re.compile("^Error: "))
    axe_check(tab)

    tab.get_by_label("Project title").fill("Same day emergency care from 8am")
    tab.get_by_label("Summary").fill("Opening SDEC earlier so GP referrals skip the ED.")
    tab.get_by_label("Aim statement").fill("60% of GP medical referrals go to SDEC by June 2026.")
    tab.get_by_label("Organisation").select_option(index=1)
    tab.get_by_label("Urgent and emergency care").check()
    tab.get_by_role("button", name="Start the project").click()
    expect(tab.locator(".nhsuk-inset-text")).to_contain_text("This project is private")
    address = urlparse(tab.url).path
    axe_check(tab)

    tab.get_by_role("link", name="Add a measure").click()
    tab.get_by_label("Measure name").fill("GP referrals seen in SDEC")
    tab.get_by_label("Unit (optional)").fill("%")
    tab.get_by_role("button", name="Save the measure").click()
    tab.get_by_label("Paste two columns from a spreadsheet").fill(
        "Week\tSDEC %\n"
        + weekly_rows([31, 33, 30, 32, 34, 31, 29, 33, 32, 30, 52, 55, 54, 57, 56, 58])
    )
    tab.get_by_role("button", name="Add the pasted values").click()
    expect(tab.locator(".nhsuk-notification-banner")).to_contain_text("16 values added")
    expect(tab.locator(".kb-chart svg")).to_be_visible()
    axe_check(tab)

    tab.goto(address)
    tab.get_by_role("link", name="Add a PDSA cycle").click()
    tab.get_by_label("Change tested").fill("SDEC opens at 8am on weekdays")
    tab.get_by_label("Started").fill("17/03/2025")
    tab.get_by_label("Prediction", exact=True).fill("Half of the morning referrals go to SDEC")
    tab.get_by_label("Adopt").check()
    axe_check(tab)
    tab.get_by_role("button", name="Save the cycle").click()
    expect(
        tab.get_by_role("heading", name="Cycle 1: SDEC opens at 8am on weekdays")
    ).to_be_visible()
    marker = tab.locator(".kb-chart svg title", has_text="PDSA cycle 1: SDEC opens at 8am")
    expect(marker).to_have_count(1)

    tab.get_by_role("button", name="Share the project").click()
    expect(tab.locator(".nhsuk-notification-banner")).to_contain_text("Your project is shared")
    screenshot(tab, "project-shared")
    axe_check(tab)

    tab.get_by_role("button", name="Write up as a case study").click()
    expect(tab.locator(".nhsuk-notification-banner")).to_contain_text("sent to the editors")

    # Another member finds it, reads it and follows it.
    tab.get_by_role("button", name="Sign out").click()
    follower = account("omar", "Omar Haddad")
    sign_in(tab, follower, address)
    expect(tab).to_have_url(f"{live_site}{address}")
    expect(tab.get_by_role("link", name="Add a PDSA cycle")).to_have_count(0)
    tab.get_by_role("button", name=re.compile("^Follow ")).click()
    expect(tab.locator(".nhsuk-notification-banner")).to_contain_text("You are following")
    axe_check(tab)
