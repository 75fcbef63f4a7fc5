"""Keyboard-only journeys: searching with filters, and sharing an idea, without a mouse."""

import re

from playwright.sync_api import expect

REFERENCE = re.compile(r"IDEA-[23456789ABCDEFGHJKMNPQRSTWXYZ]{6}")


def tab_to(page, locator, limit=120):
    """Press Tab until the locator has focus, as a keyboard user would."""
    for _ in range(limit):
        if locator.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{locator} never received focus from the keyboard")


def test_search_and_filter_with_the_keyboard_only(page):
    page.goto("/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    tab_to(page, page.get_by_label("Search good practice"))
    page.keyboard.type("discharging")
    page.keyboard.press("Enter")
    expect(page.locator("#result-count")).to_contain_text("for discharging")
    before = int(page.locator("#result-count").inner_text().split()[0])

    case_study = page.get_by_label(re.compile(r"^Case study \(\d+\)"))
    tab_to(page, case_study)
    page.keyboard.press("Space")
    expect(case_study).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Apply filters"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("type=case-study"))
    after = int(page.locator("#result-count").inner_text().split()[0])
    assert 0 < after < before

    first_result = page.locator(".kb-result h2 a").first
    tab_to(page, first_result)
    title = first_result.inner_text()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def test_share_an_idea_with_the_keyboard_only(page):
    page.goto("/ideas/submit/")
    send = page.get_by_role("button", name="Send idea")
    tab_to(page, send)
    page.keyboard.press("Enter")
    # The error summary takes focus; its links lead to the fields.
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    tab_to(page, summary.get_by_role("link").first)
    page.keyboard.press("Enter")
    expect(page.get_by_label("Give your idea a short title")).to_be_focused()

    answers = [
        ("Give your idea a short title", "Label the linen cupboard shelves"),
        ("What waste do you see?", "Nurses search every cupboard for the right sheets."),
        ("What would you change?", "Label each shelf and keep a picture list on the door."),
    ]
    for label, text in answers:
        tab_to(page, page.get_by_label(label))
        page.keyboard.type(text)
    motion = page.get_by_label("Motion", exact=True)
    tab_to(page, page.locator('input[name="waste_type"]').first)
    for _ in range(10):  # arrow keys move through a radio group and select as they go
        if motion.is_checked():
            break
        page.keyboard.press("ArrowDown")
    expect(motion).to_be_checked()
    for label, text in [
        ("Your organisation", "Example NHS Trust"),
        ("Your role", "Ward sister"),
        ("Your email address", "ward.sister@example.nhs.uk"),
    ]:
        tab_to(page, page.get_by_label(label))
        page.keyboard.type(text)
    consent = page.get_by_label("I agree that my idea")
    tab_to(page, consent)
    page.keyboard.press("Space")
    expect(consent).to_be_checked()
    tab_to(page, send)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Idea sent")
    expect(page.locator("#idea-reference")).to_have_text(REFERENCE)
