"""Networks in a real browser: the listing by region and kind, and one network page (as a
reader who is not signed in), checked with axe."""

from urllib.parse import urlparse

from playwright.sync_api import expect


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
