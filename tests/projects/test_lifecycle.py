"""A project's life through its real addresses: start (private), add measures and data, add
PDSA cycles, share, follow, write up; and who may do what."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kb.cases.models import CaseStudyPage
from kb.following.models import Follow, Notification
from kb.projects.models import PdsaCycle, ProjectMeasure, ProjectMember
from kb.search.models import SearchDocument

from .conftest import NHS_NUMBER, weekly

BASELINE = [71, 70, 73, 72, 69, 71, 72, 70, 71, 73, 70, 72, 71, 70, 72]
AFTER = [80, 81, 79, 82, 80, 81, 83, 80, 82, 81, 80, 82, 81, 83, 82]


def add_measure(client, project, name="Under 4 hours", **extra):
    data = {"name": name, "kind": "outcome", "unit": "%", "direction": "up", **extra}
    response = client.post(f"{project.url}measures/new/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return ProjectMeasure.objects.get(page=project, name=name)


def test_a_new_project_is_private_to_its_team(client, start_project, staff):
    lead = staff("amira")
    project = start_project(lead)
    assert not project.live
    assert ProjectMember.objects.get(page=project).is_lead
    page = client.get(project.url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "This project is private" in html and "Share the project" in html
    assert "no-store" in page["Cache-Control"]

    client.logout()
    assert client.get(project.url).status_code == 404
    client.force_login(staff("ivan"))
    assert client.get(project.url).status_code == 404
    assert client.get(f"{project.url}edit/").status_code == 404
    assert client.get(f"/api/projects/{project.slug}/").status_code == 404
    assert not SearchDocument.objects.filter(page_id=project.pk).exists()


def test_the_whole_lifecycle(client, start_project, staff):
    lead, follower = staff("amira"), staff("fola")
    project = start_project(lead)

    measure = add_measure(client, project, target="90")
    response = client.post(
        f"{project.url}measures/{measure.pk}/data/",
        {"how": "paste", "paste-text": "Week, Under 4 hours\n" + weekly(BASELINE + AFTER)},
    )
    assert response.status_code == 302
    measure.refresh_from_db()
    assert len(measure.points) == 30 and measure.points[0] == ["6 Jan 2025", 71.0]

    # This week's value in one field, from the project page itself.
    response = client.post(
        f"{project.url}measures/{measure.pk}/data/",
        {"how": "one", "back": "project", f"value-{measure.pk}-period": "4 Aug 2025",
         f"value-{measure.pk}-value": "84"},
    )  # fmt: skip
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.points[-1] == ["4 Aug 2025", 84.0]

    # The limits recalculated from the change.
    response = client.post(
        f"{project.url}measures/{measure.pk}/",
        {"name": "Under 4 hours", "kind": "outcome", "unit": "%", "direction": "up",
         "target": "90", "change_at": measure.points[15][0]},
    )  # fmt: skip
    assert response.status_code == 302

    response = client.post(
        f"{project.url}cycles/new/",
        {"change_tested": "Consultant in triage 10am to 10pm", "start_date": "21/04/2025",
         "plan": "Two weeks on weekdays", "prediction": "Waits fall by a fifth",
         "study": "Waits fell", "act": "adopt", "measures": [measure.pk]},
    )  # fmt: skip
    assert response.status_code == 302
    client.post(
        f"{project.url}cycles/new/",
        {"change_tested": "Nurse-led streaming at the door", "start_date": "05/05/2025",
         "act": "abandon", "study": "Queues moved to the door"},
    )  # fmt: skip
    assert list(PdsaCycle.objects.values_list("number", flat=True)) == [1, 2]

    html = client.get(project.url).content.decode()
    assert "PDSA cycle 1: Consultant in triage" in html  # a marker on the chart
    assert "Cycle 2: Nurse-led streaming at the door" in html

    # Share: now public, searchable and followable.
    assert client.post(f"{project.url}share/").status_code == 302
    project.refresh_from_db()
    assert project.live
    assert SearchDocument.objects.filter(page_id=project.pk, kind="project").exists()
    client.logout()
    assert client.get(project.url).status_code == 200
    data = json.loads(client.get(f"/api/projects/{project.slug}/").content)
    assert data["title"] == project.title
    spc = data["measures"][0]["spc"]
    assert len(spc["segments"]) == 2
    assert spc["segments"][1]["centre"] > spc["segments"][0]["upper_limit"]
    assert [c["number"] for c in data["cycles"]] == [1, 2]

    client.force_login(follower)
    response = client.post(
        "/following/follow/", {"kind": "project", "id": project.pk, "action": "follow"}
    )
    assert response.status_code in (302, 303)
    assert Follow.objects.filter(user=follower).count() == 1
    client.force_login(lead)
    client.post(
        f"{project.url}cycles/new/",
        {"change_tested": "Discharge lounge from 8am", "start_date": "02/06/2025"},
    )
    assert Notification.objects.filter(user=follower, title__contains="Discharge lounge").exists()
    assert not Notification.objects.filter(user=lead).exists()

    # Write up as a case study: a draft with the before and after, sent to moderation.
    assert client.post(f"{project.url}write-up/").status_code == 302
    project.refresh_from_db()
    case = CaseStudyPage.objects.get(pk=project.case_study_id)
    assert not case.live
    assert "Consultant in triage" in case.what_we_did
    assert "Nurse-led streaming" in case.what_did_not_work
    assert f"]({project.url})" in case.body[0].value  # it links back to the project
    before_after = case.measures.get()
    assert before_after.baseline < before_after.result
    assert case.series.count() == 1
    assert case.workflow_in_progress or case.get_workflow() is None
    # Writing up again gives the same draft.
    client.post(f"{project.url}write-up/")
    assert CaseStudyPage.objects.count() == 1


def test_only_the_team_changes_a_shared_project(client, start_project, staff):
    lead, member, outsider = staff("amira"), staff("mo"), staff("ivan")
    project = start_project(lead)
    measure = add_measure(client, project)
    response = client.post(
        f"{project.url}team/", {"member-email": "MO@nhs.net", "member-role": "Data analyst"}
    )
    assert response.status_code == 302
    client.post(f"{project.url}share/")

    client.force_login(outsider)
    for path, data in (
        ("edit/", {}), ("share/", {}), ("unshare/", {}), ("write-up/", {}), ("team/", {}),
        ("cycles/new/", {}), (f"measures/{measure.pk}/data/", {"how": "one"}),
    ):  # fmt: skip
        assert client.post(f"{project.url}{path}", data).status_code == 403, path
    client.logout()
    assert client.post(f"{project.url}cycles/new/", {}).status_code == 302  # sign in first

    # A member (not a lead) adds data and cycles but not the project's details.
    client.force_login(member)
    assert client.post(f"{project.url}edit/", {"title": "x"}).status_code == 403
    assert client.post(f"{project.url}unshare/").status_code == 403
    response = client.post(
        f"{project.url}measures/{measure.pk}/data/",
        {"how": "paste", "paste-text": weekly([1, 2, 3])},
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    "text",
    ["", "x" * 50_000, "<script>alert(1)</script>", "'; DROP TABLE projects; --", "Ünïcödé 🚑"],
)
def test_hostile_new_project_input_gets_a_clear_error(client, site_tree, staff, text):
    client.force_login(staff("amira"))
    response = client.post("/projects/new/", {"title": text, "summary": text, "aim": text})
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert "<script>alert(1)</script>" not in html


def test_an_nhs_number_is_refused_and_not_echoed(client, start_project, staff):
    lead = staff("amira")
    project = start_project(lead)
    response = client.post(
        f"{project.url}cycles/new/",
        {"change_tested": f"Called patient {NHS_NUMBER}", "start_date": "21/04/2025"},
    )
    assert response.status_code == 400
    assert NHS_NUMBER not in response.content.decode()
    assert not PdsaCycle.objects.exists()


def test_data_by_upload_csv_and_xlsx(client, start_project, staff):
    from io import BytesIO

    from openpyxl import Workbook

    lead = staff("amira")
    project = start_project(lead)
    measure = add_measure(client, project)
    csv_file = SimpleUploadedFile("data.csv", b"Week,Value\n06/01/2025,5\n13/01/2025,6\n")
    response = client.post(
        f"{project.url}measures/{measure.pk}/data/", {"how": "upload", "upload-file": csv_file}
    )
    assert response.status_code == 302
    book = Workbook()
    sheet = book.active
    sheet.append(["Week", "Value"])
    import datetime

    sheet.append([datetime.date(2025, 1, 20), 7])
    buffer = BytesIO()
    book.save(buffer)
    xlsx = SimpleUploadedFile("data.xlsx", buffer.getvalue())
    response = client.post(
        f"{project.url}measures/{measure.pk}/data/", {"how": "upload", "upload-file": xlsx}
    )
    assert response.status_code == 302
    measure.refresh_from_db()
    assert [label for label, _ in measure.points] == ["6 Jan 2025", "13 Jan 2025", "20 Jan 2025"]

    bad = SimpleUploadedFile("data.xlsx", b"not a workbook")
    response = client.post(
        f"{project.url}measures/{measure.pk}/data/", {"how": "upload", "upload-file": bad}
    )
    assert response.status_code == 400
    assert "could not be read as an Excel workbook" in response.content.decode()


@pytest.mark.parametrize("value", ["1e308", "-1.7e308", "abc", "", "NaN", "inf"])
def test_absurd_values_are_refused_with_a_clear_message(client, start_project, staff, value):
    lead = staff("amira")
    project = start_project(lead)
    measure = add_measure(client, project)
    response = client.post(
        f"{project.url}measures/{measure.pk}/data/",
        {"how": "one", "value-period": "6 Jan 2025", "value-value": value},
    )
    assert response.status_code == 400
    measure.refresh_from_db()
    assert measure.points == []


HOSTILE = ["x" * 50_000, "<script>alert(1)</script>", "'; DROP TABLE projects; --", "\x00\u202e"]


@pytest.mark.parametrize("text", HOSTILE)
def test_every_team_form_refuses_hostile_input_clearly(client, start_project, staff, text):
    lead = staff("amira")
    project = start_project(lead)
    measure = add_measure(client, project)
    forms = [
        ("cycles/new/", {"change_tested": text, "start_date": text}),
        (
            f"measures/{measure.pk}/",
            {"name": text, "kind": text, "direction": text, "target": text},
        ),  # fmt: skip
        (f"measures/{measure.pk}/data/", {"how": "paste", "paste-text": text}),
        (f"measures/{measure.pk}/data/", {"how": "one", "value-period": text, "value-value": text}),
        ("team/", {"member-email": text}),
        (
            "edit/",
            {
                "title": text,
                "summary": text,
                "aim": text,
                "driver_diagram": text,
                "idea": text,
                "status": text,
                "progress_score": text,
            },
        ),  # fmt: skip
    ]
    for path, data in forms:
        response = client.post(f"{project.url}{path}", data)
        assert response.status_code == 400, path
        html = response.content.decode()
        assert "There is a problem" in html, path
        assert "<script>alert(1)</script>" not in html, path
    measure.refresh_from_db()
    assert measure.points == [] and measure.name == "Under 4 hours"
    assert not PdsaCycle.objects.exists() and ProjectMember.objects.count() == 1
