"""Where a shared project shows beyond its own page: search (type `project`), an idea's spread,
the guides and standards it follows, its network; and a private one nowhere."""

from kb.ideas.models import Endorsement
from kb.networks.models import NetworkIndexPage, NetworkPage
from kb.projects.models import ProjectPage


def shared(project):
    project.save_revision().publish(skip_permission_checks=True)
    return ProjectPage.objects.get(pk=project.pk)


def test_search_finds_shared_projects_only_with_the_project_type(client, start_project, staff):
    lead = staff("amira")
    private = start_project(lead, title="Private triage work", aim="Nothing to see, triage soon")
    public = shared(start_project(lead, title="Shared triage work", aim="Faster triage for all"))
    client.logout()
    data = client.get("/api/search/", {"q": "triage", "type": "project"}).json()
    slugs = [hit["slug"] for hit in data["results"]]
    assert public.slug in slugs and private.slug not in slugs
    assert data["facets"]["type"].get("project") == 1


def test_an_idea_page_shows_who_tests_and_who_implemented_it(client, demo_content, staff):
    from kb.ideas.models import IdeaPage

    idea = IdeaPage.objects.get(slug="print-discharge-letters-only-when-the-patient-asks")
    html = client.get(idea.url).content.decode()
    assert "Being tested by 0 teams" in html and "Implemented by 0 organisations" in html

    project = ProjectPage.objects.live().first()
    project.idea = idea
    project.status = "testing"
    project.save_revision().publish(skip_permission_checks=True)
    Endorsement.objects.create(
        idea=idea, kind="adopted", email="a@nhs.net", organisation="Westfield Practice"
    )
    Endorsement.objects.create(
        idea=idea, kind="adopted", email="b@nhs.net", organisation="  westfield   practice "
    )
    html = client.get(idea.url).content.decode()
    assert "Being tested by 1 team" in html and project.title in html
    assert "Implemented by 1 organisation" in html and "Westfield Practice" in html


def test_guides_standards_and_networks_list_the_projects(client, demo_content):
    project = ProjectPage.objects.get(slug="smaller-standard-trays-for-general-surgery")
    for page in [*project.guides.all(), *project.standards.all()]:
        html = client.get(page.url).content.decode()
        assert "Improvement projects following it" in html and project.title in html

    network = NetworkPage.objects.child_of(NetworkIndexPage.objects.get()).first()
    network.member_organisations.add(project.organisation)
    network.save_revision().publish()
    html = client.get(network.url).content.decode()
    assert project.title in html

    project.get_latest_revision()  # unsharing takes it off all of them
    from wagtail.actions.unpublish_page import UnpublishPageAction

    UnpublishPageAction(project).execute(skip_permission_checks=True)
    for page in [network, *project.guides.all()]:
        assert project.title not in client.get(page.url).content.decode()


def test_a_lead_links_an_idea_by_reference_and_draws_the_driver_diagram(
    client, demo_content, start_project, staff
):
    from kb.ideas.models import IdeaPage, IdeaSubmission

    idea = IdeaPage.objects.get(slug="print-discharge-letters-only-when-the-patient-asks")
    submission = IdeaSubmission.objects.filter(idea_page=idea).first()
    lead = staff("amira")
    project = start_project(lead, title="Letters on request")
    data = {
        "title": "Letters on request",
        "summary": "Printing discharge letters only when asked.",
        "aim": "Half the discharge letters printed by June 2027.",
        "organisation": project.organisation_id,
        "status": "testing",
        "progress_score": "2.5",
        "driver_diagram": "Letters are wanted\n  Patients are asked\n    Ask at the bedside",
        "idea": submission.reference.lower() if submission else idea.full_url,
    }
    response = client.post(f"{project.url}edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    project.refresh_from_db()
    assert project.idea_id == idea.pk and project.status == "testing"
    assert project.driver_diagram[0]["children"][0]["children"][0]["text"] == "Ask at the bedside"
    html = client.get(project.url).content.decode()
    assert "Change idea:</strong> Ask at the bedside" in html  # the list beside the drawing
    assert "<svg" in html and "Driver diagram:" in html

    response = client.post(f"{project.url}edit/", {**data, "idea": "IDEA-NOPE99"})
    assert response.status_code == 400
    assert "No published idea has that reference" in response.content.decode()


def test_the_library_filters_by_every_facet_and_ignores_unknown_values(client, demo_content):
    listing = client.get("/projects/").content.decode()
    assert "4 shared projects" in listing
    by_status = client.get("/projects/", {"status": "testing"}).content.decode()
    assert "1 shared project" in by_status and "first language" in by_status
    by_pathway = client.get("/projects/", {"pathway": "elective-care"}).content.decode()
    assert "2 shared projects" in by_pathway
    by_progress = client.get("/projects/", {"progress": "4.0"}).content.decode()
    assert "2 shared projects" in by_progress
    by_region = client.get("/projects/", {"region": "midlands"}).content.decode()
    assert "1 shared project" in by_region and "Smaller standard trays" in by_region
    organisation = ProjectPage.objects.get(slug="smaller-standard-trays-for-general-surgery")
    by_org = client.get("/projects/", {"organisation": organisation.organisation.slug})
    assert "1 shared project" in by_org.content.decode()
    hostile = client.get("/projects/", {"pathway": "<script>", "progress": "9", "page": "x"})
    assert hostile.status_code == 200 and "4 shared projects" in hostile.content.decode()
