"""Networks in a real browser: the listing by region and kind, one network page (as a reader who
is not signed in), the join journey (a member asks, a lead approves, the member is told) and a
lead's event with the NHS.UK date input, each page checked with axe."""

import datetime
import re
from contextlib import contextmanager
from urllib.parse import urlparse

from playwright.sync_api import expect

from .helpers import account, sign_in, submit_sign_in

NETWORK = "south-west-lin"


def test_networks_listing_and_a_network_page(live_site, page, axe_check, screenshot):
    from kb.networks.models import NetworkPage

    tab = page
    tab.goto("/networks/")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Networks")
    expect(tab.get_by_role("heading", level=2, name="London")).to_be_visible()
    screenshot(tab, "networks-index")
    axe_check(tab)

    network = NetworkPage.objects.live().get(slug="london-lin")
    tab.get_by_role("link", name=network.title).click()
    expect(tab).to_have_url(f"{live_site}{urlparse(network.full_url).path}")
    expect(tab.get_by_role("heading", level=1)).to_have_text(network.title)
    expect(tab.get_by_role("link", name="Sign in to join")).to_be_visible()
    expect(tab.get_by_role("heading", level=2, name="Past events")).to_be_visible()
    screenshot(tab, "network-page")
    axe_check(tab)


@contextmanager
def leading(user):
    """`user` leads the demo network for the length of the block (the demo content is shared by
    the whole session, so it is put back afterwards)."""
    from kb.networks.models import NetworkPage

    network = NetworkPage.objects.get(slug=NETWORK)
    # Straight into the table: a ParentalManyToManyField's add() waits for the page's save().
    leads = NetworkPage.leads.through.objects
    leads.get_or_create(networkpage=network, user=user)
    try:
        yield network
    finally:
        leads.filter(networkpage=network, user=user).delete()


def test_a_member_asks_to_join_a_lead_approves_and_the_member_is_told(
    live_site, browser, page, axe_check, screenshot
):
    from kb.following.models import Notification
    from kb.networks.models import Membership

    member, lead = account("rowan", "Rowan Ash"), account("priya", "Priya Lead")
    with leading(lead) as network:
        Membership.objects.filter(network=network, user__in=[member, lead]).delete()
        Notification.objects.filter(user__in=[member, lead]).delete()
        address = urlparse(network.full_url).path  # the site's hostname may not resolve here

        # The member, not yet signed in, signs in from the page and asks to join.
        tab = page
        tab.goto(address)
        tab.get_by_role("link", name="Sign in to join").click()
        submit_sign_in(tab, member)
        expect(tab).to_have_url(f"{live_site}{address}")
        tab.get_by_label("Why do you want to join? (optional)").fill("I lead discharge <b>work</b>")
        tab.get_by_role("button", name="Ask to join").click()
        expect(tab.locator(".nhsuk-notification-banner")).to_contain_text(
            "Your request to join has been sent"
        )
        expect(tab.get_by_text("Your request is waiting for a lead")).to_be_visible()
        axe_check(tab)

        # The lead, in another browser, approves it from the network page.
        context = browser.new_context(base_url=live_site, viewport={"width": 1280, "height": 900})
        try:
            lead_tab = context.new_page()
            lead_tab.set_default_timeout(10_000)
            sign_in(lead_tab, lead, address)
            expect(lead_tab).to_have_url(f"{live_site}{address}")
            card = lead_tab.locator(".nhsuk-card").filter(has_text="Rowan Ash")
            expect(card).to_contain_text("I lead discharge <b>work</b>")
            screenshot(lead_tab, "network-page-lead")
            axe_check(lead_tab)
            card.get_by_role("button", name="Approve").click()
            expect(lead_tab.locator(".nhsuk-notification-banner")).to_contain_text(
                "Request approved."
            )
            expect(lead_tab.locator(".nhsuk-card").filter(has_text="Rowan Ash")).to_have_count(0)
        finally:
            context.close()

        # The member sees the news: the header's count, then the notification itself.
        tab.goto(address)
        header = tab.locator(".nhsuk-header")
        # (Chromium names the link "Notifications (1 unread )": the hidden word's span.)
        unread = header.get_by_role("link", name=re.compile(r"^Notifications \(1 unread ?\)$"))
        expect(unread).to_be_visible()
        expect(tab.get_by_text("You are a member of this network.")).to_be_visible()
        unread.click()
        expect(tab.get_by_role("heading", level=1)).to_have_text("Notifications")
        told = f"Your request to join {network.title} has been approved"
        expect(tab.get_by_role("link", name=told)).to_be_visible()
        screenshot(tab, "notifications-join-approved")
        axe_check(tab)
        tab.get_by_role("link", name=told).click()
        expect(tab).to_have_url(f"{live_site}{address}#membership")
        expect(tab.get_by_text("You are a member of this network.")).to_be_visible()

        assert not Notification.objects.filter(user=lead).exists()


def test_a_lead_adds_an_event_with_the_date_input(live_site, page, axe_check, screenshot):
    from kb.networks.models import NetworkEvent

    lead = account("priya", "Priya Lead")
    title = "Discharge before noon huddle (browser test)"
    with leading(lead) as network:
        NetworkEvent.objects.filter(network=network, title=title).delete()
        address = urlparse(network.full_url).path
        tab = page
        sign_in(tab, lead, address)
        expect(tab).to_have_url(f"{live_site}{address}")
        form = tab.locator(f'form[action="{address}events/"]')
        start = form.get_by_role("group", name="Start date")
        expect(start).to_contain_text("For example, 15 3 2027")
        form.get_by_label("Title").fill(title)
        start.get_by_label("Day").fill("31")
        start.get_by_label("Month").fill("2")
        start.get_by_label("Year").fill("2027")
        form.get_by_role("group", name="Start time").get_by_label("Hour").fill("14")
        form.get_by_role("group", name="Start time").get_by_label("Minute").fill("00")
        end = form.get_by_role("group", name="End date")
        next_year = datetime.date.today().year + 1
        for label, value in (("Day", "14"), ("Month", "1"), ("Year", str(next_year))):
            end.get_by_label(label).fill(value)
        form.get_by_role("group", name="End time").get_by_label("Hour").fill("15")
        form.get_by_role("group", name="End time").get_by_label("Minute").fill("30")
        form.get_by_label("The event is online").check()
        form.get_by_role("button", name="Add event").click()

        summary = tab.locator(".nhsuk-error-summary")
        expect(summary).to_be_visible()
        screenshot(tab, "network-event-error")
        axe_check(tab)
        summary.get_by_role("link", name="The date the event starts must be a real date").click()
        day = tab.locator(f'form[action="{address}events/"]').get_by_role(
            "group", name="Start date"
        )
        expect(day.get_by_label("Day")).to_be_focused()
        # Nothing the lead typed was lost.
        form = tab.locator(f'form[action="{address}events/"]')
        expect(form.get_by_label("Title")).to_have_value(title)
        expect(form.get_by_role("group", name="End date").get_by_label("Year")).to_have_value(
            str(next_year)
        )
        expect(day.get_by_label("Month")).to_have_value("2")

        day.get_by_label("Day").fill("14")
        day.get_by_label("Month").fill("1")
        day.get_by_label("Year").fill(str(next_year))
        form.get_by_role("button", name="Add event").click()
        expect(tab.locator(".nhsuk-notification-banner")).to_contain_text(
            "Your event has been added."
        )
        card = tab.locator(".nhsuk-card").filter(has_text=title)
        expect(card).to_contain_text(f"14 January {next_year}, 14:00 to 15:30")
        NetworkEvent.objects.filter(network=network, title=title).delete()
