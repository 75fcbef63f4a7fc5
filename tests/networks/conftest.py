"""Networks built as an editor would: a network page under /networks/, with leads and members
who are real accounts with staff profiles."""

import pytest
from django.contrib.auth import get_user_model

from kb.accounts.models import StaffProfile
from kb.networks.models import NetworkIndexPage, NetworkKind, NetworkPage
from kb.taxonomy.models import Organisation, Pathway, Region

User = get_user_model()


@pytest.fixture
def staff(db):
    def make(name, listed=False, organisation=None, role="Matron"):
        user = User.objects.create_user(name, f"{name}@nhs.net", "pw")
        StaffProfile.objects.create(
            user=user,
            name=name.title(),
            role=role,
            organisation=organisation,
            listed_as_member=listed,
        )
        return user

    return make


@pytest.fixture
def make_network(site_tree):
    def make(title="North West LIN", kind=NetworkKind.LIN, region="north-west", leads=(), **kw):
        index = NetworkIndexPage.objects.get()
        network = NetworkPage(
            title=title,
            kind=kind,
            summary=kw.pop("summary", "Leaders in the region learning from each other."),
            region=Region.objects.get(slug=region) if region else None,
            **kw,
        )
        index.add_child(instance=network)
        network.save_revision().publish()
        network.leads.set(leads)
        network.save()
        return NetworkPage.objects.get(pk=network.pk)

    return make


@pytest.fixture
def northshire(db):
    return Organisation.objects.create(
        name="Northshire Hospitals NHS Foundation Trust", slug="northshire-hospitals"
    )


def uec():
    return Pathway.objects.get(slug="urgent-and-emergency-care")
