"""Fixtures for the ideas tests: users in the editorial groups, form data and published ideas."""

import pytest
from django.contrib.auth.models import Group


@pytest.fixture
def ideas_index(site_tree):
    return site_tree[3]


@pytest.fixture
def make_user(django_user_model):
    def make(username, group=None, **extra):
        user = django_user_model.objects.create_user(
            username, f"{username}@example.nhs.uk", "correct-horse-battery", **extra
        )
        if group:
            user.groups.add(Group.objects.get(name=group))
        return user

    return make


@pytest.fixture
def moderator(make_user):
    return make_user("mo", "Moderators")


@pytest.fixture
def editor(make_user):
    return make_user("eddie", "Editors")


@pytest.fixture
def form_data(client, ideas_index):
    """Valid answers for /ideas/submit/, with the form token the page issued."""

    def data(**overrides):
        page = client.get("/ideas/submit/")
        token = page.context["form"]["form_token"].value()
        values = {
            "title": "Pre-packed theatre trays for hernia repairs",
            "problem": "We open a full general set for every day case hernia repair and "
            "reprocess instruments we never used.",
            "proposal": "Make a * small tray with only the instruments the procedure needs.",
            "waste_type": "overprocessing",
            "pathway": "elective-care",
            "stage": "tested",
            "estimated_saving_hours": "120",
            "estimated_saving_money": "£12,000",
            "organisation": "Example NHS Trust",
            "role": "Theatre practitioner",
            "email": "Sam.Taylor@example.nhs.uk",
            "consent_to_publish": "yes",
            "form_token": token,
            "website": "",
        }
        values.update(overrides)
        return {key: value for key, value in values.items() if value is not None}

    return data


@pytest.fixture
def submit(client, form_data):
    """POST the form; returns the response (not followed)."""

    def send(**overrides):
        return client.post("/ideas/submit/", form_data(**overrides))

    return send


@pytest.fixture
def make_submission(form_data, client):
    """A stored submission made through the public form; returns (submission, status token)."""
    from kb.ideas.models import IdeaSubmission
    from kb.ideas.tokens import status_token

    def make(**overrides):
        response = client.post("/ideas/submit/", form_data(**overrides))
        assert response.status_code == 302, response.content.decode()[:3000]
        submission = IdeaSubmission.objects.order_by("-pk").first()
        return submission, status_token(submission.status_token_nonce)

    return make


@pytest.fixture
def make_idea(ideas_index):
    """A published idea page; keyword arguments override the defaults."""
    from kb.ideas.models import IdeaPage
    from kb.taxonomy.models import WasteType

    def make(title="Reuse theatre trays", publish=True, **fields):
        page = IdeaPage(
            title=title,
            summary=fields.pop("summary", f"Summary of {title}."),
            problem=fields.pop("problem", "Trays are opened and not used."),
            proposal=fields.pop("proposal", "Make smaller trays."),
            waste_type=fields.pop("waste_type", None) or WasteType.objects.get(slug="inventory"),
            live=publish,
            **fields,
        )
        ideas_index.add_child(instance=page)
        revision = page.save_revision()
        if publish:
            revision.publish()
        page.refresh_from_db()
        return page

    return make
