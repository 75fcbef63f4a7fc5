"""The sign-in lockout counts the client's address by the same rule as the rate limits.

Behind the reverse proxy every request arrives from the proxy's address; counting that would let
anyone lock a username out for everyone. With no trusted proxy the header is the client's own
claim, so it must not help anyone escape a lockout.
"""

import pytest
from django.test import Client

from kb.core.client_address import NO_ADDRESS, address_from

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"  # the reverse proxy, as the app server sees every connection
ATTACKER, EDITOR = "203.0.113.7", "198.51.100.20"
PASSWORD = "right-password-123"


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_superuser("editor", "e@example.nhs.uk", PASSWORD)


def sign_in(client, password, forwarded_for, remote_addr=PROXY):
    return client.post(
        "/admin/login/",
        {"username": "editor", "password": password},
        REMOTE_ADDR=remote_addr,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def fail_five_times(client, forwarded_for, remote_addr=PROXY):
    return [sign_in(client, "wrong", forwarded_for, remote_addr).status_code for _ in range(5)]


def test_behind_the_proxy_a_lockout_stops_the_guesser_not_the_editor(
    settings, editor, axes_enabled
):
    settings.KB_TRUSTED_PROXY_COUNT = 1
    attacker = Client()
    assert fail_five_times(attacker, ATTACKER) == [200, 200, 200, 200, 429]

    # The guesser stays locked out, even with the right password...
    locked = sign_in(attacker, PASSWORD, ATTACKER)
    assert locked.status_code == 429
    assert "Too many sign-in attempts" in locked.content.decode()

    # ...while the editor, through the same proxy from another address, signs in.
    editor_client = Client()
    response = sign_in(editor_client, PASSWORD, EDITOR)
    assert response.status_code == 302
    assert editor_client.get("/admin/").status_code == 200


def test_behind_the_proxy_addresses_the_client_makes_up_do_not_reset_its_count(
    settings, editor, axes_enabled
):
    """Entries left of the proxy's own are the client's claim: varying them changes nothing."""
    settings.KB_TRUSTED_PROXY_COUNT = 1
    client = Client()
    statuses = [
        sign_in(client, "wrong", f"192.0.2.{n}, {ATTACKER}").status_code for n in range(1, 6)
    ]
    assert statuses == [200, 200, 200, 200, 429]
    assert sign_in(client, PASSWORD, f"192.0.2.99, {ATTACKER}").status_code == 429


def test_with_no_trusted_proxy_a_spoofed_header_does_not_escape_a_lockout(
    settings, editor, axes_enabled
):
    settings.KB_TRUSTED_PROXY_COUNT = 0
    client = Client()
    assert fail_five_times(client, ATTACKER, remote_addr="10.1.1.1") == [200, 200, 200, 200, 429]

    response = sign_in(client, PASSWORD, EDITOR, remote_addr="10.1.1.1")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_with_no_trusted_proxy_other_connections_are_not_locked_out(settings, editor, axes_enabled):
    settings.KB_TRUSTED_PROXY_COUNT = 0
    fail_five_times(Client(), EDITOR, remote_addr="10.1.1.1")
    assert sign_in(Client(), PASSWORD, EDITOR, remote_addr="10.2.2.2").status_code == 302


@pytest.mark.parametrize(
    ("forwarded_for", "proxies", "expected"),
    [
        ("", 0, PROXY),
        (ATTACKER, 0, PROXY),
        (ATTACKER, 1, ATTACKER),
        (f"1.2.3.4, {ATTACKER}", 1, ATTACKER),
        (f"{ATTACKER}, 10.0.0.9", 2, ATTACKER),
        (" 2001:db8::1 ,", 1, "2001:db8::1"),
        # Fewer entries than proxies, or a trusted entry that is not an address (a miscounted
        # proxy setting): fall back to the connection's address, never the client's text.
        ("", 1, PROXY),
        (ATTACKER, 2, PROXY),
        ("<script>alert(1)</script>", 1, PROXY),
        (f"{ATTACKER}, unknown", 1, PROXY),
    ],
)
def test_the_client_address_rule(forwarded_for, proxies, expected):
    meta = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded_for}
    assert address_from(meta, proxies) == expected


def test_a_request_with_no_usable_address_gets_a_shared_key():
    assert address_from({"REMOTE_ADDR": ""}, 0) == NO_ADDRESS
    assert address_from({}, 1) == NO_ADDRESS


def test_the_rate_limits_and_the_lockout_share_one_rule():
    from django.conf import settings
    from django.utils.module_loading import import_string

    from kb.ideas import ratelimits

    assert import_string(settings.AXES_CLIENT_IP_CALLABLE) is ratelimits.client_ip
    assert import_string(settings.RATELIMIT_IP_META_KEY) is ratelimits.client_ip
