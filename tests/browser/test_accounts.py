"""A member of staff creates an account in a real browser: a refused address, the confirmation
email's link, their profile, and signing out; each page checked with axe."""

import re

from django.core import mail
from playwright.sync_api import expect

from .helpers import PASSWORD


def test_sign_up_confirm_and_complete_the_profile(page, screenshot, axe_check):
    mail.outbox.clear()
    page.goto("/")
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    axe_check(page)
    page.get_by_role("link", name="Create an account").click()

    page.get_by_label("Full name").fill("Grace Hopper")
    page.get_by_label("NHS email address").fill("grace.hopper@gmail.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Enter an NHS email address")
    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.get_by_label("Full name")).to_have_value("Grace Hopper")
    expect(page.get_by_label("Password", exact=True)).to_have_value("")  # never sent back
    screenshot(page, "account-sign-up-refused")
    axe_check(page)

    page.get_by_label("NHS email address").fill("grace.hopper@nhs.net")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Verify")
    axe_check(page)

    assert [message.to for message in mail.outbox] == [["grace.hopper@nhs.net"]]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)
    page.goto(link)
    axe_check(page)
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your profile")
    expect(page.get_by_label("Full name")).to_have_value("Grace Hopper")
    page.get_by_label("Job title or role").fill("Improvement lead")
    page.get_by_label("Region").select_option(index=1)
    page.get_by_label("A daily digest").check()
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("saved")
    expect(page.get_by_label("Job title or role")).to_have_value("Improvement lead")
    screenshot(page, "account-profile")
    axe_check(page)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("navigation", name="Account")).to_contain_text("Sign in")
