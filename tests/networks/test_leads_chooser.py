"""Choosing a network's leads in the Wagtail admin: the edit view shows the chosen leads (by
name and email) and a "Choose leads" button, never a list of every account; the staff chooser
lists active accounts only, by name and email, searches both; saving the page with a lead chosen
from it makes them a lead."""

import pytest
from django.contrib.auth import get_user_model

from kb.accounts.models import StaffProfile
from kb.networks.models import NetworkPage

User = get_user_model()


@pytest.fixture
def editor(client, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "editor@nhs.net", "pw")
    client.force_login(user)
    return user


@pytest.fixture
def crowd(staff):
    """Many accounts, as a real site has: none of them should be on the edit page."""
    User.objects.bulk_create(
        [User(username=f"crowd{i}", email=f"crowd{i}@nhs.net") for i in range(60)]
    )


def chooser(client, **params):
    response = client.get("/admin/staff-chooser/", params)
    assert response.status_code == 200
    return response.json()


def chooser_results(client, **params):
    response = client.get("/admin/staff-chooser/results/", params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_edit_view_shows_the_chosen_leads_and_a_chooser_not_every_account(
    client, editor, make_network, staff, crowd
):
    lead = staff("lena", role="Clinical director")
    network = make_network(leads=[lead])

    response = client.get(f"/admin/pages/{network.pk}/edit/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "data-staff-chooser" in html
    assert 'data-chooser-url="/admin/staff-chooser/"' in html
    assert "Choose leads" in html
    assert f'name="leads" value="{lead.pk}" checked' in html
    assert "Lena (lena@nhs.net)" in html
    assert "crowd7@nhs.net" not in html  # not a select box of every account
    assert "accounts/js/staff-chooser" in html


def test_the_chooser_lists_active_staff_by_name_and_email(client, editor, staff):
    staff("nadia")
    closed = staff("oscar")
    closed.is_active = False
    closed.save()

    data = chooser(client, multiple=1)

    assert data["step"] == "choose"
    html = data["html"]
    assert "Nadia" in html and "nadia@nhs.net" in html
    assert "Oscar" not in html and "oscar@nhs.net" not in html
    assert 'type="checkbox"' in html  # several at once


@pytest.mark.parametrize(
    "query, found, not_found",
    [
        ("nad", "nadia@nhs.net", "lena@nhs.net"),
        ("NADIA", "nadia@nhs.net", "lena@nhs.net"),
        ("lena@nhs", "lena@nhs.net", "nadia@nhs.net"),
        ("Lena Lovelace", "lena@nhs.net", "nadia@nhs.net"),
    ],
)
def test_the_chooser_searches_names_and_emails(client, editor, staff, query, found, not_found):
    staff("nadia")
    lena = staff("lena")
    StaffProfile.objects.filter(user=lena).update(name="Lena Lovelace")

    html = chooser_results(client, q=query)

    assert found in html and not_found not in html


@pytest.mark.parametrize(
    "query", ["<script>alert(1)</script>", "x" * 500, "Zoë 李", "a\x00b", "' OR 1=1 --"]
)
def test_hostile_searches_are_harmless(client, editor, staff, query):
    staff("nadia")
    response = client.get("/admin/staff-chooser/results/", {"q": query})
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.content.decode()


def test_choosing_hands_back_name_and_email_of_active_accounts_only(client, editor, staff):
    nadia, oscar = staff("nadia"), staff("oscar")
    oscar.is_active = False
    oscar.save()

    response = client.get("/admin/staff-chooser/chosen-multiple/", {"id": [nadia.pk, oscar.pk]})

    result = response.json()["result"]
    assert [(r["id"], r["title"], r["email"]) for r in result] == [
        (str(nadia.pk), "Nadia", "nadia@nhs.net")
    ]
    assert client.get(f"/admin/staff-chooser/chosen/{oscar.pk}/").status_code == 404


def test_the_chooser_is_for_the_admin_only(client, staff):
    member = staff("nadia")
    client.force_login(member)
    response = client.get("/admin/staff-chooser/")
    assert response.status_code in (302, 403)
    assert "nadia@nhs.net" not in response.content.decode()


def form_body(data):
    """A QueryDict as the browser sends it: every value of a field (the test client would send
    only the last of each)."""
    return dict(data.lists())


def test_saving_a_lead_chosen_in_the_chooser(client, editor, make_network, staff, page_edit_data):
    old_lead, new_lead = staff("lena"), staff("nadia", role="Clinical director")
    network = make_network(leads=[old_lead])
    # What the chooser hands back is what the widget adds to the form.
    chosen = client.get("/admin/staff-chooser/chosen-multiple/", {"id": [new_lead.pk]}).json()
    new_id = chosen["result"][0]["id"]

    data = page_edit_data(client, network)
    assert data.getlist("leads") == [str(old_lead.pk)]
    data.setlist("leads", [str(old_lead.pk), new_id])
    data["action-publish"] = "action-publish"
    response = client.post(f"/admin/pages/{network.pk}/edit/", form_body(data))
    assert response.status_code == 302, response.content.decode()[:3000]
    network = NetworkPage.objects.get(pk=network.pk)
    assert set(network.leads.all()) == {old_lead, new_lead}

    # Unticking one removes them.
    data = page_edit_data(client, network)
    assert sorted(data.getlist("leads")) == sorted([str(old_lead.pk), str(new_lead.pk)])
    data.setlist("leads", [str(new_lead.pk)])
    data["action-publish"] = "action-publish"
    assert client.post(f"/admin/pages/{network.pk}/edit/", form_body(data)).status_code == 302
    assert list(NetworkPage.objects.get(pk=network.pk).leads.all()) == [new_lead]


def test_an_unknown_lead_is_refused(client, editor, make_network, staff, page_edit_data):
    network = make_network(leads=[staff("lena")])
    data = page_edit_data(client, network)
    data.setlist("leads", ["999999"])
    data["action-publish"] = "action-publish"

    response = client.post(f"/admin/pages/{network.pk}/edit/", data)

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert [u.username for u in NetworkPage.objects.get(pk=network.pk).leads.all()] == ["lena"]
