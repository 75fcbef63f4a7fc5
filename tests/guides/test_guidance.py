"""Guidance pages: GIRFT standards know which blueprints and guides cite them."""

import pytest


@pytest.mark.django_db
def test_girft_standard_lists_the_blueprints_and_guides_citing_it(client, demo_content):
    from kb.guides.models import GirftStandardPage

    standard = GirftStandardPage.objects.get(slug="ambulance-handover-within-15-minutes")
    citing = {page.slug for page in standard.citing_pages()}
    assert "model-emergency-department" in citing
    assert "reducing-ambulance-handover-delays" in citing
    html = client.get(standard.url).content.decode()
    assert "Blueprints and guides that cite this standard" in html
    assert standard.reference in html


@pytest.mark.django_db
def test_blueprint_shows_components_and_standards(client, demo_content):
    from kb.guides.models import BlueprintPage

    blueprint = BlueprintPage.objects.get(slug="model-emergency-department")
    html = client.get(blueprint.url).content.decode()
    assert "Components" in html
    assert len(blueprint.components) >= 7
    for standard in blueprint.standards.all():
        assert standard.reference in html


@pytest.mark.django_db
def test_guidance_library_lists_guides_blueprints_and_standards(client, demo_content):
    html = client.get("/guidance/").content.decode()
    for heading in ("Improvement guides", "Blueprints", "GIRFT standards"):
        assert heading in html
    assert "Model Emergency Department" in html


@pytest.mark.django_db
def test_the_page_tree_keeps_content_in_its_place(site_tree):
    from kb.cases.models import CaseStudyPage
    from kb.guides.models import GuidanceIndexPage, ImprovementGuidePage

    assert ImprovementGuidePage in GuidanceIndexPage.allowed_subpage_models()
    assert CaseStudyPage not in GuidanceIndexPage.allowed_subpage_models()
    assert not GuidanceIndexPage.can_create_at(site_tree[0])  # only one guidance library
