"""Knowledge pages render their Markdown once, when saved: serving a page renders none of it.

Also: heading ids from Markdown never repeat an id already on the page, and text a page may not
save (too long, too slow to render) is refused with a message.
"""

import io
from collections import Counter
from html.parser import HTMLParser
from importlib import import_module

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from wagtail.test.utils.form_data import querydict_from_html

from kb.cases.models import CaseStudyPage
from kb.core import markdown as kb_markdown
from kb.core.markdown import markdown_key
from kb.guides.models import BlueprintPage, ImprovementGuidePage
from tests.factories import publish_child

BODY = [
    ("markdown", "Body text with **body markdown** and [a link](https://www.nhs.uk/)."),
    ("section", {"heading": "Background", "content": "Section block *content*."}),
    ("inset_text", {"text": "Inset with **inset markdown**."}),
    ("warning_callout", {"heading": "Important", "text": "Warning with *warning markdown*."}),
]


class Spy:
    """Counts what reaches Python-Markdown (kb.core.markdown._convert)."""

    def __init__(self, monkeypatch):
        self.calls = []
        original = kb_markdown._convert

        def convert(text, deadline):
            self.calls.append(text)
            return original(text, deadline)

        monkeypatch.setattr(kb_markdown, "_convert", convert)

    def reset(self):
        """Forget what was rendered (and cached) so far: the next request starts cold."""
        kb_markdown.clear_cache()
        self.calls.clear()


@pytest.fixture
def spy(monkeypatch):
    kb_markdown.clear_cache()
    yield Spy(monkeypatch)
    kb_markdown.clear_cache()


@pytest.fixture
def case_study(make_case_study):
    return make_case_study(
        title="Faster discharge",
        problem="The **problem** was long waits.\n\n## Background\n\nMore.",
        what_we_did="We *tested* changes:\n\n- one\n- two",
        lessons="Lessons with `code`.",
        contact_email="team@example.nhs.uk",
        body=BODY,
    )


@pytest.fixture
def guide(site_tree):
    return publish_child(
        site_tree[1],
        ImprovementGuidePage(
            title="Reducing corridor care",
            slug="reducing-corridor-care",
            summary="A guide.",
            what_good_looks_like="What **good** looks like.",
            measures="| Measure | Target |\n|---|---|\n| Waits | 4 hours |",
            body=BODY,
        ),
    )


@pytest.fixture
def blueprint(site_tree):
    component = {"name": "Streaming", "description": "Stream **early**.", "image_alt_text": ""}
    return publish_child(
        site_tree[1],
        BlueprintPage(
            title="Model department",
            slug="model-department",
            summary="A blueprint.",
            body=BODY,
            components=[("component", component)],
        ),
    )


def get(client, page):
    response = client.get(page.url)
    assert response.status_code == 200
    return response.content.decode()


BODY_HTML = [
    "<strong>body markdown</strong>",
    "<em>content</em>",
    "<strong>inset markdown</strong>",
    "<em>warning markdown</em>",
]


@pytest.mark.django_db
def test_a_case_study_is_served_without_rendering_markdown(client, case_study, spy):
    spy.reset()

    html = get(client, case_study)

    assert spy.calls == []
    for fragment in [
        "<strong>problem</strong>",
        # the section block's heading is #section-background
        '<h2 id="section-background_1">Background</h2>',
        "<em>tested</em>",
        "<code>code</code>",
        *BODY_HTML,
    ]:
        assert fragment in html


@pytest.mark.django_db
def test_a_guide_and_a_blueprint_are_served_without_rendering_markdown(
    client, guide, blueprint, spy
):
    spy.reset()

    guide_html, blueprint_html = get(client, guide), get(client, blueprint)

    assert spy.calls == []
    assert "<strong>good</strong>" in guide_html and "<td>4 hours</td>" in guide_html
    assert "<strong>early</strong>" in blueprint_html
    for fragment in BODY_HTML:
        assert fragment in guide_html and fragment in blueprint_html


@pytest.mark.django_db
def test_the_stored_html_follows_an_edit_and_republish(client, case_study, spy):
    old = case_study.problem
    assert markdown_key(old) in case_study.rendered_markdown

    draft = CaseStudyPage.objects.get(pk=case_study.pk).get_latest_revision_as_object()
    draft.problem = "The **new problem**."
    revision = draft.save_revision()

    live = CaseStudyPage.objects.get(pk=case_study.pk)
    assert markdown_key(old) in live.rendered_markdown  # a draft leaves the live page alone
    spy.reset()
    assert "<strong>problem</strong>" in get(client, live)
    assert spy.calls == []

    revision.publish()
    live = CaseStudyPage.objects.get(pk=case_study.pk)
    assert markdown_key("The **new problem**.") in live.rendered_markdown
    assert markdown_key(old) not in live.rendered_markdown
    spy.reset()
    html = get(client, live)
    assert "<strong>new problem</strong>" in html
    assert spy.calls == []


@pytest.mark.django_db
def test_publishing_in_the_admin_stores_the_html(client, site_tree, django_user_model, spy):
    guide = publish_child(
        site_tree[1],
        ImprovementGuidePage(title="Guide", slug="guide", summary="A guide.", measures="Old."),
    )
    client.force_login(
        django_user_model.objects.create_superuser("admin", "admin@example.nhs.uk", "pw-12345678")
    )
    response = client.get(f"/admin/pages/{guide.id}/edit/")
    data = querydict_from_html(response.content.decode(), form_id="page-edit-form")
    data.setdefault("body-count", "0")  # built by the admin's JavaScript; the body is empty
    data["measures"] = "Edited in the **admin**."
    data["action-publish"] = "action-publish"

    response = client.post(f"/admin/pages/{guide.id}/edit/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    guide = ImprovementGuidePage.objects.get(pk=guide.pk)
    assert guide.measures == "Edited in the **admin**."
    assert guide.rendered_markdown == {
        markdown_key("Edited in the **admin**."): "<p>Edited in the <strong>admin</strong>.</p>"
    }
    spy.reset()
    assert "<strong>admin</strong>" in get(client, guide)
    assert spy.calls == []


@pytest.mark.django_db
def test_text_a_page_did_not_store_is_rendered_when_asked_for(case_study, spy):
    spy.reset()

    html = kb_markdown.render_markdown("A *preview*.", page=case_study)

    assert html == "<p>A <em>preview</em>.</p>"
    assert len(spy.calls) == 1


@pytest.mark.django_db
def test_the_migration_stores_the_html_of_pages_saved_before_it(case_study, guide, blueprint):
    from django.apps import apps

    saved = {page: page.rendered_markdown for page in (case_study, guide, blueprint)}
    for page in saved:
        type(page).objects.filter(pk=page.pk).update(rendered_markdown={})

    for migration in (
        "kb.cases.migrations.0003_rendered_markdown",
        "kb.guides.migrations.0002_rendered_markdown",
    ):
        import_module(migration).render_existing_pages(apps, None)

    for page, rendered in saved.items():
        assert rendered  # what save() stored, the migration stores too
        assert type(page).objects.get(pk=page.pk).rendered_markdown == rendered


# --- what a page may not save ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_page_refuses_markdown_longer_than_a_field_may_hold(case_study):
    page = CaseStudyPage.objects.get(pk=case_study.pk)
    page.lessons = "word " * 20_001

    with pytest.raises(ValidationError) as error:
        page.full_clean()

    assert list(error.value.message_dict) == ["lessons"]
    assert "100,005 characters" in error.value.message_dict["lessons"][0]


@pytest.mark.django_db
def test_a_page_refuses_markdown_it_cannot_render_in_time(case_study, monkeypatch):
    monkeypatch.setattr(kb_markdown, "TIME_LIMIT", 0)  # any text not rendered before is too slow
    page = CaseStudyPage.objects.get(pk=case_study.pk)
    page.what_did_not_work = "Text never rendered before."
    page.body = [*BODY, ("markdown", "Another text never rendered before.")]

    with pytest.raises(ValidationError) as error:
        page.full_clean()

    errors = error.value.message_dict
    assert errors["what_did_not_work"] == [kb_markdown.TOO_SLOW]
    assert errors["body"] == [
        f"A Markdown block starting “Another text never rendered before.”: {kb_markdown.TOO_SLOW}"
    ]


@pytest.mark.django_db
def test_an_import_with_a_section_too_long_fails_with_a_message(site_tree, tmp_path):
    (tmp_path / "long.md").write_text(
        "---\ntype: improvement-guide\ntitle: Long guide\nsummary: Too long.\n---\n"
        "## Measures\n\n" + "word " * 20_001,
        encoding="utf-8",
    )
    stderr = io.StringIO()

    with pytest.raises(CommandError):
        call_command("import_markdown", str(tmp_path), stdout=io.StringIO(), stderr=stderr)

    assert "(measures: This text is 100,004 characters long;" in stderr.getvalue()
    assert not ImprovementGuidePage.objects.exists()


# --- heading ids -------------------------------------------------------------------------------


class Ids(HTMLParser):
    """Every id on a page, and where the on-page contents list points."""

    def __init__(self, html):
        super().__init__()
        self.ids, self.contents_links, self.in_contents = [], [], False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.append(attrs["id"])
        if tag == "nav" and "nhsuk-contents-list" in (attrs.get("class") or ""):
            self.in_contents = True
        if tag == "a" and self.in_contents:
            self.contents_links.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "nav":
            self.in_contents = False


def headings_named_like(ids):
    """Markdown headings that would take these ids if their ids were not prefixed."""
    return "\n\n".join(f"## {name}\n\nText." for name in ids)


@pytest.mark.django_db
def test_markdown_headings_never_take_an_id_the_page_already_uses(client, case_study):
    template_ids = Ids(get(client, case_study)).ids
    assert {"maincontent", "search", "measured-results", "contact-the-team"} <= set(template_ids)
    assert {"the-problem", "lessons"} <= set(template_ids)  # the sections' own anchors

    page = CaseStudyPage.objects.get(pk=case_study.pk).get_latest_revision_as_object()
    page.lessons = headings_named_like(template_ids) + "\n\nSee [the problem](#the-problem)."
    page.costs_and_resources = headings_named_like(["Email", "Background", "Lessons"])
    page.body = [*BODY, ("markdown", headings_named_like(["Email", "maincontent"]))]
    page.save_revision().publish()
    found = Ids(get(client, page))

    assert [name for name, count in Counter(found.ids).items() if count > 1] == []
    assert set(template_ids) < set(found.ids)
    assert {"section-email", "section-email_1", "section-maincontent_1"} <= set(found.ids)
    for href in found.contents_links:  # the contents list still finds every section
        assert href.startswith("#") and href[1:] in found.ids
    assert found.contents_links == [
        "#the-problem",
        "#what-the-team-did",
        "#lessons",
        "#costs-and-resources",
    ]


@pytest.fixture
def make_idea(site_tree):
    from kb.ideas.models import IdeaPage
    from kb.taxonomy.models import WasteType

    def make(title="Reuse theatre trays", problem="Trays are opened and not used."):
        page = IdeaPage(
            title=title,
            summary="An idea.",
            problem=problem,
            proposal="Make smaller trays.",
            waste_type=WasteType.objects.get(slug="inventory"),
        )
        return publish_child(site_tree[3], page)

    return make


@pytest.mark.django_db
def test_an_idea_page_heading_never_takes_a_form_fields_id(client, make_idea):
    """Idea pages do not store their rendered Markdown yet: rendered on request, same ids."""
    template_ids = Ids(get(client, make_idea())).ids
    assert {"support-email", "adopted-email", "endorse", "maincontent"} <= set(template_ids)

    idea = make_idea(
        title="Another idea", problem=headings_named_like(template_ids + ["Email", "Endorse"])
    )
    found = Ids(get(client, idea))

    assert [name for name, count in Counter(found.ids).items() if count > 1] == []
    assert {"section-support-email", "section-email", "section-endorse"} <= set(found.ids)
