"""Projects built as a team would: started at /projects/new/ by a signed-in member of staff."""

import pytest
from django.contrib.auth import get_user_model

from kb.accounts.models import StaffProfile
from kb.projects.models import ProjectPage
from kb.taxonomy.models import Organisation, Pathway

User = get_user_model()
NHS_NUMBER = "943 476 5919"  # a valid-checksum test number


@pytest.fixture
def staff(db):
    def make(name, role="Matron"):
        user = User.objects.create_user(name, f"{name}@nhs.net", "pw")
        StaffProfile.objects.create(user=user, name=name.title(), role=role)
        return user

    return make


@pytest.fixture
def northshire(db):
    # The demo content has this fictional trust too: the same one either way.
    organisation, _ = Organisation.objects.get_or_create(
        name="Northshire Hospitals NHS Foundation Trust",
        defaults={"slug": "northshire-hospitals"},
    )
    return organisation


@pytest.fixture
def start_project(client, site_tree, northshire):
    """Start a project through /projects/new/ as `user`; returns the page."""

    def start(user, title="Four-hour flow in the emergency department", **extra):
        client.force_login(user)
        data = {
            "title": title,
            "summary": "Cutting waits in the emergency department with senior triage.",
            "aim": "95% of patients spend under 4 hours in the department by March 2027.",
            "organisation": northshire.pk,
            "pathways": [Pathway.objects.get(slug="urgent-and-emergency-care").pk],
            **extra,
        }
        response = client.post("/projects/new/", data)
        assert response.status_code == 302, response.content.decode()[:3000]
        return ProjectPage.objects.get(title=title)

    return start


def weekly(values, start="6 Jan 2025"):
    """Paste text for weekly values from `start`."""
    import datetime

    day = datetime.datetime.strptime(start, "%d %b %Y").date()  # noqa: DTZ007
    return "\n".join(
        f"{(day + datetime.timedelta(weeks=i)).strftime('%d/%m/%Y')}\t{v}"
        for i, v in enumerate(values)
    )
