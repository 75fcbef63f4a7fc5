"""Spreading: 'I support this' and 'We have adopted this', one of each per email, counted."""

import pytest
from django.test import Client, override_settings

from kb.ideas.models import Endorsement

pytestmark = pytest.mark.django_db


def endorse(client, idea, kind, **data):
    return client.post(
        f"/ideas/endorse/{idea.pk}/{kind}/", {f"{kind}-{k}": v for k, v in data.items()}
    )


def test_the_idea_page_shows_both_forms_and_the_counts(client, make_idea):
    idea = make_idea()
    response = client.get(idea.url)
    html = response.content.decode()
    assert "I support this" in html and "We have adopted this" in html
    assert f'action="/ideas/endorse/{idea.pk}/support/"' in html
    assert f'action="/ideas/endorse/{idea.pk}/adopted/"' in html
    assert 'id="support-email"' in html and 'id="adopted-email"' in html
    assert "0</strong> people support this idea" in html
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_support_is_counted_with_a_success_message(client, make_idea):
    idea = make_idea()
    response = endorse(client, idea, "support", email="a@example.nhs.uk")
    assert response.status_code == 302
    assert response["Location"] == f"{idea.url}#endorse"
    page = client.get(response["Location"]).content.decode()
    assert "Thank you for supporting this idea." in page
    assert "1</strong> person supports this idea" in page


def test_one_of_each_kind_per_email_whatever_its_case(client, make_idea):
    idea = make_idea()
    endorse(client, idea, "support", email="Sam@Example.NHS.uk")
    response = endorse(client, idea, "support", email="sam@example.nhs.uk")
    assert response.status_code == 200
    assert (
        "You have already supported this idea with this email address" in response.content.decode()
    )
    assert Endorsement.objects.filter(kind="support").count() == 1
    assert Endorsement.objects.get().email == "sam@example.nhs.uk"
    # The other kind is separate, and so is another idea.
    assert (
        endorse(
            client, idea, "adopted", email="sam@example.nhs.uk", organisation="Trust A"
        ).status_code
        == 302
    )
    assert (
        endorse(client, make_idea(title="Other"), "support", email="sam@example.nhs.uk").status_code
        == 302
    )
    assert Endorsement.objects.count() == 3


def test_the_database_refuses_a_duplicate_too(make_idea):
    from django.db import IntegrityError, transaction

    idea = make_idea()
    Endorsement.objects.create(idea=idea, kind="support", email="x@example.nhs.uk")
    with pytest.raises(IntegrityError), transaction.atomic():
        Endorsement.objects.create(idea=idea, kind="support", email="X@EXAMPLE.nhs.uk")


def test_adoption_needs_an_organisation_and_keeps_the_text(client, make_idea):
    idea = make_idea()
    response = endorse(client, idea, "adopted", email="lead@example.nhs.uk", organisation="")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<a href="#adopted-organisation">Enter the name of your organisation</a>' in html
    assert 'value="lead@example.nhs.uk"' in html
    assert "<title>Error: " in html
    assert not Endorsement.objects.exists()
    endorse(client, idea, "adopted", email="lead@example.nhs.uk", organisation="Trust B")
    assert Endorsement.objects.get().organisation == "Trust B"
    assert "1</strong> team has adopted it" in client.get(idea.url).content.decode()


def test_invalid_email_and_nhs_numbers_are_refused(client, make_idea):
    idea = make_idea()
    assert endorse(client, idea, "support", email="nope").status_code == 200
    response = endorse(client, idea, "support", email="a@example.nhs.uk", organisation="9434765919")
    assert "Remove the NHS number" in response.content.decode()
    assert not Endorsement.objects.exists()


def test_only_published_ideas_and_known_kinds(client, make_idea):
    draft = make_idea(title="Draft", publish=False)
    assert endorse(client, draft, "support", email="a@example.nhs.uk").status_code == 404
    idea = make_idea()
    assert endorse(client, idea, "bogus", email="a@example.nhs.uk").status_code == 404
    assert client.get(f"/ideas/endorse/{idea.pk}/support/").status_code == 405


def test_the_honeypot_discards_endorsements(client, make_idea):
    idea = make_idea()
    response = endorse(client, idea, "support", email="bot@example.com", website="x")
    assert response.status_code == 302
    assert not Endorsement.objects.exists()


def test_endorsements_are_csrf_protected(make_idea):
    idea = make_idea()
    response = endorse(Client(enforce_csrf_checks=True), idea, "support", email="a@example.nhs.uk")
    assert response.status_code == 403
    assert not Endorsement.objects.exists()


@override_settings(KB_IDEAS_ENDORSE_RATE="2/h")
def test_endorsements_are_rate_limited(client, make_idea):
    idea = make_idea()
    endorse(client, idea, "support", email="a@example.nhs.uk")
    endorse(client, idea, "support", email="b@example.nhs.uk")
    response = endorse(client, idea, "support", email="c@example.nhs.uk")
    assert response.status_code == 429
    html = response.content.decode()
    assert "You have sent a lot of forms in a short time" in html
    assert 'value="c@example.nhs.uk"' in html
    assert Endorsement.objects.count() == 2


def test_the_endorsement_admin_is_for_moderators(client, moderator, editor, make_idea):
    idea = make_idea()
    endorse(client, idea, "adopted", email="lead@example.nhs.uk", organisation="Trust B")
    client.force_login(editor)
    assert client.get("/admin/ideas/endorsements/").status_code in (302, 403)
    client.force_login(moderator)
    html = client.get("/admin/ideas/endorsements/").content.decode()
    assert "Trust B" in html and "lead@example.nhs.uk" in html


def test_the_endorsement_export_escapes_formulas(client, moderator, make_idea):
    idea = make_idea()
    endorse(client, idea, "adopted", email="lead@example.nhs.uk", organisation="=cmd()")
    client.force_login(moderator)
    response = client.get("/admin/ideas/endorsements/", {"export": "csv"})
    body = b"".join(response.streaming_content).decode()
    assert "'=cmd()" in body and ",=cmd()" not in body
