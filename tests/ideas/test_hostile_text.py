"""Hostile text is stored as inert text and shown escaped: on the site, the status page and in
the admin. Markup, SQL, control characters, odd Unicode and long text."""

import pytest
from django.db import connection

from kb.ideas.models import IdeaSubmission

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("owned")</script>'
IMG = "<img src=x onerror=alert(1)>"
BREAKOUT = '"><svg onload=alert(1)>'
SQL = "'; DROP TABLE ideas_ideasubmission; --"
UNICODE = "Zürich – 日本語 – مرحبا – \u2067RTL\u2069 – 🚑"
RAW_MARKUP = (SCRIPT, IMG, "<svg onload=alert(1)>")


@pytest.fixture
def hostile_submission(make_submission):
    return make_submission(
        title=f"{SCRIPT} trays",
        problem=f"{IMG}\n\n{SQL}\n\n{UNICODE}\n\n" + "long " * 500,
        proposal=f"{BREAKOUT} [click](javascript:alert(1)) \x00\x1b[31m",
        organisation=f"{SQL} Trust",
        role=f"{BREAKOUT}",
    )


def assert_escaped(html):
    for markup in RAW_MARKUP:
        assert markup not in html
    assert "javascript:alert" not in html.replace("[click](javascript:alert(1))", "")


def test_stored_as_inert_text(hostile_submission):
    submission, _ = hostile_submission
    submission.refresh_from_db()
    assert submission.title == f"{SCRIPT} trays"
    assert SQL in submission.problem and "🚑" in submission.problem
    assert submission.organisation == f"{SQL} Trust"
    assert "\x00" not in submission.proposal and "\x1b" not in submission.proposal
    assert "\u2067" not in submission.problem  # bidirectional controls are removed
    # The table the SQL string names is still there, with the row in it.
    assert "ideas_ideasubmission" in connection.introspection.table_names()
    assert IdeaSubmission.objects.filter(title__startswith="<script>").count() == 1


def test_whitespace_only_answers_are_empty(submit):
    response = submit(title="   ", problem="\n\t\n", role="\x00\x00")
    errors = response.context["form"].errors
    assert {"title", "problem", "role"} <= set(errors)


def test_escaped_on_the_status_page(client, hostile_submission):
    _, token = hostile_submission
    html = client.get(f"/ideas/status/{token}/").content.decode()
    assert_escaped(html)
    assert "&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt; trays" in html


def test_escaped_in_the_admin_listing_and_review(client, moderator, hostile_submission):
    submission, _ = hostile_submission
    client.force_login(moderator)
    for url in ("/admin/ideas/submissions/", f"/admin/ideas/submissions/review/{submission.pk}/"):
        html = client.get(url).content.decode()
        assert_escaped(html)
        assert "&lt;script&gt;" in html


def test_escaped_or_sanitised_on_the_published_page(client, moderator, hostile_submission):
    submission, _ = hostile_submission
    client.force_login(moderator)
    response = client.post(
        f"/admin/ideas/submissions/accept/{submission.pk}/",
        {
            "title": submission.title,
            "summary": f"{SCRIPT} summary",
            "problem": submission.problem,
            "proposal": submission.proposal,
            "waste_type": str(submission.waste_type_id),
            "stage": "idea",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    submission.refresh_from_db()
    client.logout()
    html = client.get(submission.idea_page.url).content.decode()
    assert_escaped(html)
    assert "&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt; trays" in html
    assert "日本語" in html and "🚑" in html
    # Markdown sections go through the sanitiser: the link's javascript: scheme is dropped.
    assert 'href="javascript:' not in html
    # And the ideas index and search listing escape it too.
    assert_escaped(client.get("/ideas/").content.decode())
    # The suggestions are JSON (never sniffed as HTML), and the form's script sets them as text.
    similar = client.get("/ideas/similar/", {"title": "trays"})
    assert similar["Content-Type"] == "application/json"
    assert similar.json()["results"][0]["title"] == f"{SCRIPT} trays"
