"""A network page edited as an editor does it: the Wagtail admin's edit view, sent back with a
new summary and new leads, published; the public page and the leads' powers follow."""

from kb.networks.models import NetworkPage


def test_an_editor_changes_summary_and_leads_and_publishes(
    client, make_network, staff, django_user_model, page_edit_data
):
    old_lead, new_lead = staff("lena"), staff("nadia", role="Clinical director")
    network = make_network(leads=[old_lead])
    editor = django_user_model.objects.create_superuser("editor", "editor@nhs.net", "pw")
    client.force_login(editor)

    response = client.get(f"/admin/pages/{network.pk}/edit/")
    assert response.status_code == 200
    assert "Leads" in response.content.decode()
    data = page_edit_data(client, network)
    assert data.getlist("leads") == [str(old_lead.pk)]
    data["summary"] = "Trusts in the North West sharing what shortens ambulance handovers."
    data.setlist("leads", [str(new_lead.pk)])
    data["action-publish"] = "action-publish"
    response = client.post(f"/admin/pages/{network.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:3000]

    network = NetworkPage.objects.get(pk=network.pk)
    assert network.live and not network.has_unpublished_changes
    assert list(network.leads.all()) == [new_lead]

    client.logout()
    html = client.get(network.url).content.decode()
    assert "Trusts in the North West sharing what shortens ambulance handovers." in html
    assert "Nadia, Clinical director" in html
    assert "Lena" not in html

    # The new lead sees the leads' tools; the old one no longer does.
    client.force_login(new_lead)
    assert "Requests to join" in client.get(network.url).content.decode()
    client.force_login(old_lead)
    assert "Requests to join" not in client.get(network.url).content.decode()
