"""In a real browser: signing in from the link in the sign-in email (the page it opens, the Sign
in button, another browser refused), and choosing a network's leads in the Wagtail admin with
the staff chooser (search, tick, confirm, save); pages checked with axe."""

import re
from urllib.parse import urlsplit

from django.core import mail
from playwright.sync_api import expect

from .helpers import PASSWORD, account


def test_signing_in_from_the_emailed_link(live_site, browser, page, axe_check, screenshot):
    user = account("ada_link", "Ada Link")
    mail.outbox.clear()
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Email me a sign-in link").click()  # a link styled as one
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in without a password")
    axe_check(page)
    page.get_by_label("Email", exact=True).fill(user.email)
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(page.get_by_label("Sign-in code")).to_have_value("")
    axe_check(page)

    body = mail.outbox[-1].body
    link = urlsplit(re.search(r"https?://\S+/accounts/login/code/confirm/\?\S+", body).group(0))
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", body, re.M).group(1)
    address = f"{link.path}?{link.query}"

    # Another browser (no sign-in waiting there) is told how to use the link, not signed in.
    other = browser.new_context(base_url=live_site)
    try:
        other_tab = other.new_page()
        other_tab.goto(address)
        expect(other_tab.get_by_role("heading", level=1)).to_have_text(
            "This sign-in link cannot be used"
        )
        hint = other_tab.get_by_text("Open the link in the browser where you asked for it")
        expect(hint).to_be_visible()
        axe_check(other_tab)
    finally:
        other.close()

    page.goto(address)
    expect(page.get_by_role("heading", level=1)).to_have_text("Finish signing in")
    expect(page.get_by_label("Sign-in code")).to_have_value(code)
    screenshot(page, "account-sign-in-link")
    axe_check(page)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile("/accounts/profile/$"))
    expect(page.get_by_role("navigation", name="Account", exact=True)).to_contain_text("Sign out")


def test_choosing_a_network_lead_in_the_admin(live_site, page, screenshot):
    from kb.networks.models import NetworkIndexPage, NetworkPage

    account("chooser_editor", "Chooser Editor", is_staff=True, is_superuser=True)
    lead = account("zara_lead", "Zara Quill")
    closed = account("zack_closed", "Zack Quill", is_active=False)
    index = NetworkIndexPage.objects.get()
    network = NetworkPage(title="Leads chooser test network", summary="For the chooser test.")
    index.add_child(instance=network)
    network.save_revision().publish()
    try:
        page.goto("/admin/login/")
        page.get_by_label("Username").fill("chooser_editor")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"/admin/pages/{network.pk}/edit/")
        page.get_by_role("button", name="Choose leads").click()

        modal = page.locator(".modal")
        expect(modal.get_by_role("heading", name="Choose staff")).to_be_visible()
        modal.get_by_label("Search by name or email").fill("quill")
        expect(modal.get_by_text("zara_lead@nhs.net")).to_be_visible()
        expect(modal.get_by_text(closed.email)).to_have_count(0)  # not active: not offered
        screenshot(page, "admin-leads-chooser")
        modal.get_by_role("checkbox", name="Zara Quill").check()
        modal.get_by_role("button", name="Confirm selection").click()
        expect(modal).to_have_count(0)

        chosen = page.get_by_role("checkbox", name="Zara Quill (zara_lead@nhs.net)")
        expect(chosen).to_be_checked()
        page.get_by_role("button", name="Save draft").click()
        expect(page.locator(".messages")).to_contain_text("updated")

        draft = NetworkPage.objects.get(pk=network.pk).get_latest_revision_as_object()
        assert [user.pk for user in draft.leads.all()] == [lead.pk]
    finally:
        NetworkPage.objects.filter(pk=network.pk).delete()
