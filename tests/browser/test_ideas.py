"""Sharing an idea in a real browser: field errors with the text kept, the NHS number refusal,
suggestions while typing the title, and the reference once the idea is stored."""

import re

from playwright.sync_api import expect

REFERENCE = re.compile(r"IDEA-[23456789ABCDEFGHJKMNPQRSTWXYZ]{6}")


def fill_valid_answers(page, problem="We open a full set of instruments for every hernia repair."):
    page.get_by_label("Give your idea a short title").fill("Smaller trays for hernia repairs")
    page.get_by_label("What waste do you see?").fill(problem)
    page.get_by_label("What would you change?").fill("A small tray with only what is used.")
    page.get_by_label("Overprocessing", exact=True).check()
    page.get_by_label("Your organisation").fill("Example NHS Trust")
    page.get_by_label("Your role").fill("Theatre practitioner")
    page.get_by_label("Your email address").fill("sam.taylor@example.nhs.uk")
    page.get_by_label("I agree that my idea").check()


def test_errors_keep_the_text_then_the_idea_is_sent(page, screenshot, axe_check):
    page.goto("/ideas/submit/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Share an idea to cut waste")
    page.get_by_label("Give your idea a short title").fill("Smaller trays <b>for</b> hernias")
    page.get_by_label("What waste do you see?").fill("Full sets opened, half never used.")
    page.get_by_label("Your email address").fill("not an email")
    page.get_by_role("button", name="Send idea").click()

    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("link", name="Describe the change you would make")).to_be_visible()
    expect(summary.get_by_role("link", name="Select the kind of waste")).to_be_visible()
    expect(page.locator("#email-error")).to_contain_text("Enter an email address in the correct")
    expect(page).to_have_title(re.compile("^Error: "))
    # The person's text is still there, exactly as typed.
    expect(page.get_by_label("Give your idea a short title")).to_have_value(
        "Smaller trays <b>for</b> hernias"
    )
    expect(page.get_by_label("What waste do you see?")).to_have_value(
        "Full sets opened, half never used."
    )
    # The summary links take the reader to the field.
    summary.get_by_role("link", name="Describe the change you would make").click()
    expect(page.get_by_label("What would you change?")).to_be_focused()
    screenshot(page, "idea-form-errors")
    axe_check(page)

    fill_valid_answers(page)
    page.get_by_role("button", name="Send idea").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Idea sent")
    expect(page.locator("#idea-reference")).to_have_text(REFERENCE)
    screenshot(page, "idea-sent")
    axe_check(page)


def test_an_nhs_number_is_refused_with_a_clear_message(page, django_db_blocker):
    from kb.ideas.models import IdeaSubmission

    page.goto("/ideas/submit/")
    fill_valid_answers(page, problem="Patient 943 476 5919 waited four hours for a tray.")
    page.get_by_role("button", name="Send idea").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("nothing you entered has been saved")
    expect(summary.get_by_role("link", name=re.compile("Remove the NHS number"))).to_be_visible()
    expect(page.locator("#problem-error")).to_contain_text(
        "Remove the NHS number from the description of the waste"
    )
    with django_db_blocker.unblock():
        assert not IdeaSubmission.objects.filter(problem__contains="5919").exists()


def test_similar_content_is_suggested_while_typing_the_title(page):
    page.goto("/ideas/submit/")
    page.get_by_label("Give your idea a short title").press_sequentially(
        "theatre start times", delay=20
    )
    suggestions = page.locator("#similar-ideas")
    expect(suggestions).to_contain_text("Similar ideas, case studies and guidance")
    expect(suggestions.get_by_role("link").first).to_contain_text("(opens in new tab)")


def test_a_published_idea_can_be_backed(page, screenshot, axe_check, django_db_blocker):
    from kb.ideas.models import IdeaIndexPage, IdeaPage
    from kb.taxonomy.models import WasteType

    with django_db_blocker.unblock():
        idea = IdeaPage.objects.filter(slug="browser-test-idea").first()
        if idea is None:
            idea = IdeaPage(
                title="Print fewer theatre lists",
                slug="browser-test-idea",
                summary="Theatre lists are printed three times a day and mostly thrown away.",
                problem="Lists are printed for every change and binned.",
                proposal="* Show the list on the screen in each theatre\n* Print once",
                waste_type=WasteType.objects.get(slug="overproduction"),
            )
            IdeaIndexPage.objects.get().add_child(instance=idea)
            idea.save_revision().publish()
        url = idea.url

    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Print fewer theatre lists")
    form = page.locator("form[aria-labelledby='support-heading']")
    form.get_by_label("Your email address").fill("Backer@Example.nhs.uk")
    form.get_by_role("button", name="I support this").click()
    expect(page.get_by_text("Thank you for supporting this idea.")).to_be_visible()
    expect(page.locator("#endorsement-counts")).to_contain_text("1 person supports this idea")

    # The same address again is refused, next to the field.
    form = page.locator("form[aria-labelledby='support-heading']")
    form.get_by_label("Your email address").fill("backer@example.nhs.uk")
    form.get_by_role("button", name="I support this").click()
    expect(page.locator("#support-email-error")).to_contain_text("already supported this idea")
    expect(page.locator("#endorsement-counts")).to_contain_text("1 person supports this idea")
    screenshot(page, "idea-page")
    axe_check(page)
