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
        network.leads = list(leads)  # in the revision too, as an editor would have it
        index.add_child(instance=network)
        network.save_revision().publish()
        return NetworkPage.objects.get(pk=network.pk)

    return make


@pytest.fixture
def northshire(db):
    return Organisation.objects.create(
        name="Northshire Hospitals NHS Foundation Trust", slug="northshire-hospitals"
    )


def uec():
    return Pathway.objects.get(slug="urgent-and-emergency-care")


def next_january(day=14):
    """A winter day next year: always ahead, within the form's five years, and on GMT (London
    time is UTC), so times can be checked in either."""
    import datetime

    return datetime.date(datetime.date.today().year + 1, 1, day)


def when(day=None, start=(14, 0), end=(15, 30), end_day=None, **overrides):
    """The event form's date and time boxes, as a lead fills them in (day, month, year, hour,
    minute), for one day (or `end_day`); `overrides` replace single boxes ("start_date_day")."""
    day = day or next_january()
    end_day = end_day or day
    data = {}
    for name, value in (("start_date", day), ("end_date", end_day)):
        data |= {
            f"event-{name}_day": str(value.day),
            f"event-{name}_month": str(value.month),
            f"event-{name}_year": str(value.year),
        }
    for name, (hour, minute) in (("start_time", start), ("end_time", end)):
        data |= {f"event-{name}_hour": str(hour), f"event-{name}_minute": f"{minute:02d}"}
    data.update({f"event-{key}": value for key, value in overrides.items()})
    return data
