"""Following in a real browser: sign in from a page's "Sign in to follow" link, come back to the
page, press Follow (a plain form: no script involved), then the member's pages, checked with
axe."""

from urllib.parse import urlparse

from playwright.sync_api import expect

from .helpers import account, submit_sign_in


def test_follow_a_case_study(live_site, page, axe_check, screenshot):
    from kb.cases.models import CaseStudyPage
    from kb.following.models import Follow

    user = account("florence", "Florence Nightingale")
    Follow.objects.filter(user=user).delete()
    case = CaseStudyPage.objects.live().order_by("title").first()
    address = urlparse(case.full_url).path  # the site's hostname may not resolve here
    tab = page
    tab.goto(address)
    tab.get_by_role("link", name=f"Sign in to follow {case.title}").click()
    submit_sign_in(tab, user)
    expect(tab).to_have_url(f"{live_site}{address}")

    button = tab.get_by_role("button", name=f"Follow {case.title}")
    expect(button.locator("xpath=ancestor::form")).to_have_attribute("method", "post")
    button.click()
    expect(tab.locator(".nhsuk-notification-banner")).to_contain_text(
        f"You are following {case.title}"
    )
    expect(tab.get_by_role("button", name=f"Stop following {case.title}")).to_be_visible()
    assert Follow.objects.filter(user=user, object_id=case.pk).exists()

    tab.get_by_role("link", name="Your account").click()
    tab.get_by_role("link", name="What you follow").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("What you follow")
    expect(tab.get_by_role("link", name=case.title)).to_be_visible()
    screenshot(tab, "following-manage")
    axe_check(tab)

    tab.get_by_role("link", name="Notifications").first.click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Notifications")
    axe_check(tab)
