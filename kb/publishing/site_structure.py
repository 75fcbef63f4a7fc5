"""The fixed top of the page tree: the home page and the libraries beneath it."""

from django.db import transaction
from wagtail.models import Page, Site

from kb.cases.models import CaseStudyIndexPage
from kb.core.models import HomePage
from kb.guides.models import GuidanceIndexPage
from kb.ideas.models import IdeaIndexPage
from kb.networks.models import NetworkIndexPage
from kb.projects.models import ProjectIndexPage

HOME_TITLE = "NHS Improvement Knowledge Base"


@transaction.atomic
def ensure_site_structure():
    """Create the home page, guidance and case study libraries and ideas index if missing;
    idempotent.

    Returns (home, guidance_index, case_index, idea_index). Wagtail's placeholder "Welcome" page
    is removed once our home page takes its place as the default site's root.
    """
    root = Page.get_first_root_node()
    home = HomePage.objects.first()
    if home is None:
        home = HomePage(title=HOME_TITLE, slug="home-kb")
        root.add_child(instance=home)
        home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=home,
            is_default_site=True,
            site_name=HOME_TITLE,
        )
    elif site.root_page_id != home.id:
        placeholder = site.root_page
        site.root_page = home
        site.site_name = HOME_TITLE
        site.save()
        if placeholder.specific_class is Page and not placeholder.get_children().exists():
            placeholder.delete()

    guidance = GuidanceIndexPage.objects.first()
    if guidance is None:
        guidance = GuidanceIndexPage(
            title="Guidance",
            slug="guidance",
            show_in_menus=True,
            intro="National improvement guides, Getting It Right First Time (GIRFT) standards "
            "and blueprints for model services, curated by national editors.",
        )
        home.add_child(instance=guidance)
        guidance.save_revision().publish()
    cases = CaseStudyIndexPage.objects.first()
    if cases is None:
        cases = CaseStudyIndexPage(
            title="Case studies",
            slug="case-studies",
            show_in_menus=True,
            intro="What NHS teams changed, how they did it and the results they measured. "
            "Filter by care pathway, improvement method, region and strength of evidence.",
        )
        home.add_child(instance=cases)
        cases.save_revision().publish()
    ideas = IdeaIndexPage.ensure(home)
    ensure_network_index(home)
    ensure_project_index(home)
    return home, guidance, cases, ideas


def ensure_network_index(home=None):
    """The "Networks" index (`/networks/`) under the home page, created if missing; idempotent.
    Kept out of ensure_site_structure's return value, which its callers unpack."""
    index = NetworkIndexPage.objects.first()
    if index is None:
        home = home or HomePage.objects.first()
        index = NetworkIndexPage(
            title="Networks",
            slug="networks",
            show_in_menus=True,
            intro="Learning and Improvement Networks and improvement collaboratives bring "
            "clinical and operational leaders together to learn from each other and share what "
            "works. Find the networks in your region and ask to join.",
        )
        home.add_child(instance=index)
        index.save_revision().publish()
    return index


def ensure_project_index(home=None):
    """The "Improvement projects" index (`/projects/`) under the home page, created if
    missing; idempotent."""
    index = ProjectIndexPage.objects.first()
    if index is None:
        home = home or HomePage.objects.first()
        index = ProjectIndexPage(
            title="Improvement projects",
            slug="projects",
            show_in_menus=True,
            intro="NHS teams plan, test and measure their improvement work here in the open: "
            "their aims, driver diagrams, PDSA cycles and SPC charts. Follow a project, or "
            "start your own.",
        )
        home.add_child(instance=index)
        index.save_revision().publish()
    return index
