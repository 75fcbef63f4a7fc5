"""The demonstration networks: seven regional LINs and two collaboratives, loaded once."""

from django.core.management import call_command
from wagtail.models import Revision

from kb.networks.models import Membership, NetworkEvent, NetworkKind, NetworkPage, NetworkUpdate


def _counts():
    return (
        NetworkPage.objects.count(),
        Membership.objects.count(),
        NetworkUpdate.objects.count(),
        NetworkEvent.objects.count(),
        Revision.objects.count(),
        list(NetworkEvent.objects.order_by("pk").values_list("starts_at", flat=True)),
    )


def test_demo_content_loads_the_networks_once(demo_content, client):
    lins = NetworkPage.objects.live().filter(kind=NetworkKind.LIN)
    assert lins.count() == 7
    assert lins.values("region").distinct().count() == 7
    assert NetworkPage.objects.live().filter(kind=NetworkKind.COLLABORATIVE).count() == 2
    assert all(network.memberships.filter(status="approved").exists() for network in lins)
    assert NetworkUpdate.objects.exists() and NetworkEvent.objects.exists()
    before = _counts()
    call_command("load_demo_content", verbosity=0)
    assert _counts() == before

    html = client.get("/networks/").content.decode()
    assert "Urgent and emergency care flow collaborative" in html
    network = lins.first()
    page = client.get(network.url).content.decode()
    assert "Past events" in page and "Upcoming events" in page
