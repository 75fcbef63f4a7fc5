"""The demo loader fills an empty site; running it twice changes nothing."""

import pytest
from django.core.management import call_command
from wagtail.models import Page, Revision

from kb.cases.models import CaseStudyPage
from kb.guides.models import BlueprintPage, GirftStandardPage, ImprovementGuidePage


@pytest.mark.django_db
def test_demo_content_meets_the_brief(demo_content):
    assert ImprovementGuidePage.objects.live().count() >= 5
    standards = GirftStandardPage.objects.live()
    assert standards.count() >= 8
    assert standards.values("specialty").distinct().count() >= 4
    assert BlueprintPage.objects.live().filter(slug="model-emergency-department").exists()
    cases = CaseStudyPage.objects.live()
    assert cases.count() >= 12
    pathways = {p.slug for case in cases for p in case.pathways.all()}
    methods = {m.slug for case in cases for m in case.methods.all()}
    assert len(pathways) >= 6
    assert len(methods) >= 6
    for case in cases:
        assert case.measures.exists(), f"{case.slug} has no measured result"


@pytest.mark.django_db
def test_running_the_loader_twice_changes_nothing(demo_content):
    pages = Page.objects.count()
    revisions = Revision.objects.count()
    latest = Revision.objects.order_by("-id").values_list("id", flat=True).first()
    call_command("load_demo_content", verbosity=0)
    assert Page.objects.count() == pages
    assert Revision.objects.count() == revisions
    assert Revision.objects.order_by("-id").values_list("id", flat=True).first() == latest


@pytest.mark.django_db
def test_demo_pages_render(client, demo_content):
    for model in (ImprovementGuidePage, GirftStandardPage, BlueprintPage, CaseStudyPage):
        page = model.objects.live().first()
        response = client.get(page.url)
        assert response.status_code == 200, page.url
        assert page.title in response.content.decode()


@pytest.mark.django_db
def test_home_page_leads_to_guidance_case_studies_search_and_ideas(client, demo_content):
    html = client.get("/").content.decode()
    for href in (
        'href="/guidance/"',
        'href="/case-studies/"',
        'action="/search/"',
        'href="/ideas/submit/"',
    ):
        assert href in html
    assert "Skip to main content" in html


@pytest.mark.django_db
def test_demo_content_includes_published_ideas_at_each_stage(demo_content):
    from kb.ideas.models import IdeaPage

    ideas = IdeaPage.objects.live()
    assert ideas.count() >= 3
    assert {"idea", "tested", "implemented"} <= set(ideas.values_list("stage", flat=True))
