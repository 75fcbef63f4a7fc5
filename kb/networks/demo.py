"""Demonstration networks: a Learning and Improvement Network for each of the seven NHS England
regions and two national improvement collaboratives, with leads, members, updates and events.

Every organisation and person here is fictional ("Northshire Hospitals NHS Foundation Trust");
the demo accounts have no usable password and addresses under the reserved `.invalid` domain,
so nobody can sign in as them or be emailed. `load_demo_networks()` is idempotent: everything is
found by its slug or title first, so a second run changes nothing.
"""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from kb.accounts.models import StaffProfile
from kb.taxonomy.models import Organisation, Pathway, Region

from .models import (
    Membership,
    NetworkEvent,
    NetworkIndexPage,
    NetworkKind,
    NetworkPage,
    NetworkUpdate,
)

# (region slug, place name used for the fictional trusts)
REGIONS = [
    ("east-of-england", "Eastmere"),
    ("london", "Riverside"),
    ("midlands", "Middleshire"),
    ("north-east-and-yorkshire", "Northshire"),
    ("north-west", "Westfell"),
    ("south-east", "Downland"),
    ("south-west", "Coastmoor"),
]

COLLABORATIVES = [
    {
        "slug": "uec-flow-collaborative",
        "title": "Urgent and emergency care flow collaborative",
        "summary": "Trusts working together on flow through urgent and emergency care: "
        "same day emergency care, discharge before noon and fewer long waits in A&E.",
        "pathways": ["urgent-and-emergency-care"],
        "priorities": "Reduce 12-hour waits in emergency departments\n"
        "Increase same day emergency care\nDischarge earlier in the day",
        "place": "Northshire",
    },
    {
        "slug": "elective-recovery-collaborative",
        "title": "Elective recovery collaborative",
        "summary": "Trusts sharing how they cut waiting lists: high volume low complexity "
        "surgical hubs, theatre productivity and validation of waiting lists.",
        "pathways": ["elective-care", "diagnostics"],
        "priorities": "Eliminate waits of over 65 weeks\nImprove theatre utilisation\n"
        "Validate waiting lists",
        "place": "Middleshire",
    },
]


def _organisation(name, region):
    from django.utils.text import slugify

    organisation, _ = Organisation.objects.get_or_create(
        slug=slugify(name)[:200], defaults={"name": name, "region": region}
    )
    return organisation


def _person(username, name, role, organisation, listed=True):
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"email": f"{username}@demo.kb.invalid"}
    )
    if created:
        user.set_unusable_password()
        user.save()
    StaffProfile.objects.get_or_create(
        user=user,
        defaults={
            "name": name,
            "role": role,
            "organisation": organisation,
            "region": organisation.region,
            "listed_as_member": listed,
        },
    )
    return user


@transaction.atomic
def load_demo_networks(index=None):
    """Create the demonstration networks that are missing. Returns how many were created."""
    index = index or NetworkIndexPage.objects.first()
    if index is None:
        raise RuntimeError("The site has no networks index: run ensure_site_structure first.")
    created = 0
    for region_slug, place in REGIONS:
        region = Region.objects.get(slug=region_slug)
        spec = {
            "slug": f"{region_slug}-lin",
            "title": f"{region.name} Learning and Improvement Network",
            "kind": NetworkKind.LIN,
            "region": region,
            "summary": f"Clinical and operational leaders across {region.name} learning from "
            "each other, sharing what works and reducing unwarranted variation.",
            "pathways": ["urgent-and-emergency-care", "elective-care"],
            "priorities": "Reduce unwarranted variation\nShare best practice across the region",
            "place": place,
        }
        created += _network(index, spec)
    for spec in COLLABORATIVES:
        created += _network(index, {**spec, "kind": NetworkKind.COLLABORATIVE, "region": None})
    return created


def _network(index, spec):
    place, region = spec["place"], spec["region"]
    hospitals = _organisation(f"{place} Hospitals NHS Foundation Trust", region)
    icb = _organisation(f"{place} Integrated Care Board", region)
    community = _organisation(f"{place} Community Health NHS Trust", region)
    slug = spec["slug"]
    lead = _person(f"demo-{slug}-lead", f"Dr Alex {place}", "Network clinical lead", hospitals)
    member = _person(f"demo-{slug}-member", f"Sam {place}", "Flow coordinator", community)
    quiet = _person(f"demo-{slug}-quiet", f"Jo {place}", "Matron", icb, listed=False)

    network = NetworkPage.objects.child_of(index).filter(slug=slug).first()
    created = network is None
    if created:
        network = NetworkPage(
            title=spec["title"],
            slug=slug,
            kind=spec["kind"],
            summary=spec["summary"],
            region=region,
            lead_organisation=hospitals,
            national_priorities=spec["priorities"],
        )
        index.add_child(instance=network)
        network.member_organisations.set([hospitals, icb, community])
        network.focus_pathways.set(Pathway.objects.filter(slug__in=spec["pathways"]))
        network.leads.set([lead])
        network.save_revision().publish()
        network = NetworkPage.objects.get(pk=network.pk)

    for user in (member, quiet):
        Membership.objects.get_or_create(
            network=network,
            user=user,
            defaults={"status": Membership.Status.APPROVED, "decided_by": lead},
        )
    Membership.objects.get_or_create(
        network=network,
        user=_person(f"demo-{slug}-new", f"Chris {place}", "Service manager", icb),
        defaults={"message": "I lead our discharge improvement work."},
    )
    NetworkUpdate.objects.get_or_create(
        network=network,
        title="Welcome to the network",
        defaults={
            "author": lead,
            "body": "Our first members have joined. Share your case studies and ideas: the "
            "network page gathers them for everyone.",
        },
    )
    # Dates from the first load: a second load finds the events by title and leaves them.
    start = timezone.now().replace(minute=0, second=0, microsecond=0)
    for title, days, online, location in (
        ("Quarterly learning event", 30, False, f"{place} Education Centre"),
        ("Improvement huddle (online)", 10, True, ""),
        ("Launch meeting", -60, True, ""),
    ):
        begins = start + datetime.timedelta(days=days)
        NetworkEvent.objects.get_or_create(
            network=network,
            title=title,
            defaults={
                "author": lead,
                "starts_at": begins,
                "ends_at": begins + datetime.timedelta(hours=2),
                "online": online,
                "location": location,
                "description": "Open to all members of the network.",
            },
        )
    return int(created)
