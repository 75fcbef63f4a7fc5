"""The published side: the ideas index, idea pages as knowledge pages, the site structure."""

import pytest
from django.core.exceptions import ValidationError

from kb.core.models import HomePage, KnowledgePage
from kb.ideas.models import IdeaIndexPage, IdeaPage

pytestmark = pytest.mark.django_db


def test_the_site_structure_includes_the_ideas_index(site_tree):
    home, guidance, cases, ideas = site_tree
    assert isinstance(ideas, IdeaIndexPage)
    assert (ideas.title, ideas.slug, ideas.show_in_menus, ideas.live) == (
        "Ideas",
        "ideas",
        True,
        True,
    )
    assert ideas.get_parent().pk == home.pk
    assert "ideas.IdeaIndexPage" in HomePage.subpage_types
    assert not IdeaIndexPage.can_create_at(home)  # only one


def test_an_idea_page_is_a_knowledge_page_of_kind_idea(make_idea):
    idea = make_idea()
    assert isinstance(idea, KnowledgePage)
    assert idea.content_kind == "idea"
    assert [heading for _, heading, _ in idea.sections()] == ["The problem", "The idea"]
    assert IdeaPage.parent_page_types == ["ideas.IdeaIndexPage"]


def test_the_idea_page_renders_markdown_safely(client, make_idea):
    idea = make_idea(
        proposal="* **bold** step\n* <script>alert(1)</script>\n\n[x](javascript:alert(1))"
    )
    html = client.get(idea.url).content.decode()
    assert "<strong>bold</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert "javascript:alert" not in html


def test_the_index_lists_published_ideas_and_filters_by_waste(client, make_idea):
    from kb.taxonomy.models import WasteType

    make_idea(title="Inventory idea")
    make_idea(title="Waiting idea", waste_type=WasteType.objects.get(slug="waiting"))
    make_idea(title="Draft idea", publish=False)
    html = client.get("/ideas/").content.decode()
    assert "Inventory idea" in html and "Waiting idea" in html and "Draft idea" not in html
    assert "/ideas/submit/" in html
    assert ">Waiting (1)</option>" in html and ">Motion (0)</option>" in html
    filtered = client.get("/ideas/", {"waste": "waiting"}).content.decode()
    assert "Waiting idea" in filtered and "Inventory idea" not in filtered
    assert ">Inventory (1)</option>" in filtered  # counts ignore the waste chosen
    assert client.get("/ideas/", {"waste": "<bogus>"}).status_code == 200


def test_the_navigation_links_to_ideas(client, site_tree):
    assert 'href="/ideas/"' in client.get("/").content.decode()


@pytest.mark.parametrize("slug", ["submit", "status", "similar", "endorse", "submitted"])
def test_idea_pages_cannot_take_the_services_slugs(make_idea, slug):
    idea = make_idea()
    idea.slug = slug
    with pytest.raises(ValidationError):
        idea.full_clean()


def test_the_region_defaults_to_the_organisations(make_idea):
    from kb.taxonomy.models import Organisation, Region

    organisation = Organisation.objects.create(
        name="Example", slug="example", region=Region.objects.get(slug="london")
    )
    assert make_idea(organisation=organisation).region.slug == "london"
