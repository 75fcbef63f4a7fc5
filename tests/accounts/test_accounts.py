"""Staff accounts through their real addresses: sign-up with email confirmation, the NHS
domain rule, sign-in by password and by emailed code, the profile, downloading one's data and
deleting the account. Emails leave through the outbox and are read from Django's test outbox."""

import json
import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail

from kb.accounts.config import openid_connect_providers
from kb.accounts.domains import is_allowed, parse_domains
from kb.accounts.models import StaffProfile
from kb.core.client_address import sign_in_name
from kb.taxonomy.models import Organisation, Region

from .conftest import EMAIL, NAME, PASSWORD

User = get_user_model()
NHS_NUMBER = "943 476 5919"


def sign_up(client, send, email=EMAIL, name=NAME, **extra):
    data = {"name": name, "email": email, "password1": PASSWORD, "password2": PASSWORD}
    return send(client.post, "/accounts/signup/", data | extra)


def link_in(message):
    return re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body).group(1)


# --- the domain rule ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email, allowed",
    [
        ("a@nhs.net", True),
        ("a@NHS.NET", True),
        ("a@trust.nhs.uk", True),
        ("a@deep.trust.nhs.uk.", True),
        ("a@nhs.uk", True),
        ("a@notnhs.net", False),
        ("a@nhs.net.example.com", False),
        ("a@gmail.com", False),
        ("nhs.net", False),
        ("", False),
    ],
)
def test_the_allowed_domains_and_their_subdomains_only(email, allowed):
    assert is_allowed(email, ("nhs.net", "nhs.uk")) is allowed


def test_the_domain_setting_is_read_forgivingly():
    assert parse_domains(" @NHS.net, .nhs.uk,,nhs.net ") == ("nhs.net", "nhs.uk")


# --- sign-up and confirmation -------------------------------------------------------------------


def test_sign_up_sends_a_confirmation_link_that_signs_the_member_in(db, client, send):
    response = sign_up(client, send)

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada.lovelace@nhs.net"]
    assert "Confirm" in message.subject or "confirm" in message.body
    user = User.objects.get(email="ada.lovelace@nhs.net")
    assert not EmailAddress.objects.get(user=user).verified
    assert StaffProfile.objects.get(user=user).name == "Ada Lovelace"
    # Not signed in until the address is confirmed.
    assert client.get("/accounts/profile/").status_code == 302

    confirm = link_in(message)
    page = client.get(confirm)
    assert page.status_code == 200
    assert "ada.lovelace@nhs.net" in page.content.decode()
    assert not EmailAddress.objects.get(user=user).verified  # opening the link is not enough
    send(client.post, confirm)

    assert EmailAddress.objects.get(user=user).verified
    profile = client.get("/accounts/profile/")
    assert profile.status_code == 200
    assert "Ada Lovelace" in profile.content.decode()


def test_an_address_outside_the_nhs_is_refused_with_a_clear_message(db, client, send):
    response = sign_up(client, send, email="ada@gmail.com")

    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "Enter an NHS email address (ending nhs.net or nhs.uk)" in html
    assert 'href="#id_email"' in html or 'href="#email"' in html
    assert not User.objects.filter(email="ada@gmail.com").exists()
    assert mail.outbox == []


def test_the_allowed_domains_come_from_the_setting(db, client, send, settings):
    settings.KB_ACCOUNT_EMAIL_DOMAINS = ("example-trust.org",)
    assert sign_up(client, send, email="ada@ward.example-trust.org").status_code == 302
    refused = sign_up(client, send, email="bob@nhs.net", name="Bob")
    assert "ending example-trust.org" in refused.content.decode()


@pytest.mark.parametrize(
    "name, message",
    [
        ("", "Enter your full name"),
        ("   ", "Enter your full name"),
        ("A" * 151, "Your name must be 150 characters or fewer"),
        (f"Ada {NHS_NUMBER}", "Remove the NHS number"),
    ],
    ids=["empty", "blank", "long", "nhs-number"],
)
def test_a_bad_name_is_refused_and_never_echoed(db, client, send, name, message):
    response = sign_up(client, send, name=name)

    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert NHS_NUMBER not in html and "9434765919" not in html
    assert PASSWORD not in html  # a password is never sent back
    assert not User.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize(
    "name",
    ["<script>alert(1)</script>", "Robert'); DROP TABLE accounts_staffprofile;--", "Zoë Ōkubo 李"],
    ids=["markup", "injection", "unicode"],
)
def test_hostile_names_are_kept_as_text(db, client, send, name):
    sign_up(client, send, name=name)
    send(client.post, link_in(mail.outbox[-1]))

    html = client.get("/accounts/profile/").content.decode()
    assert StaffProfile.objects.get().name == name
    assert "<script>alert(1)" not in html


# --- signing in ---------------------------------------------------------------------------------


def test_sign_in_with_password_and_out(signed_in_member, client):
    client.post("/accounts/logout/")
    assert client.get("/accounts/profile/").status_code == 302

    wrong = client.post("/accounts/login/", {"login": signed_in_member.email, "password": "wrong"})
    assert wrong.status_code == 200
    assert "There is a problem" in wrong.content.decode()

    right = client.post("/accounts/login/", {"login": signed_in_member.email, "password": PASSWORD})
    assert right.status_code == 302
    home = client.get("/accounts/profile/").content.decode()
    assert "Sign out" in home and "Your account" in home


def test_sign_in_with_a_code_sent_by_email(member, client, ask_for_code):
    response = ask_for_code(member.email)
    code = re.search(r"^\s*([A-Z0-9-]{6,})\s*$", mail.outbox[-1].body, re.M).group(1)

    confirmed = client.post(response["Location"], {"code": code})

    assert confirmed.status_code == 302
    assert client.get("/accounts/profile/").status_code == 200


def test_a_code_is_never_sent_to_an_address_without_an_account(db, client, send):
    send(client.post, "/accounts/login/code/", {"email": "stranger@nhs.net"})
    assert mail.outbox == []


def test_the_lockout_counts_sign_ins_by_address_in_any_case():
    assert sign_in_name(None, {"email": "Ada@NHS.net"}) == "ada@nhs.net"
    assert sign_in_name(None, {"username": "editor"}) == "editor"


# --- the profile --------------------------------------------------------------------------------


def test_the_profile_keeps_what_the_member_chooses(signed_in_member, client):
    organisation = Organisation.objects.create(name="Northshire Hospitals NHS Foundation Trust")
    region = Region.objects.first() or Region.objects.create(name="North West", slug="north-west")
    data = {
        "name": "Ada King",
        "role": "Matron, urgent and emergency care",
        "organisation": organisation.pk,
        "region": region.pk,
        "email_frequency": "daily",
        "listed_as_member": "on",
    }

    response = client.post("/accounts/profile/", data)

    assert response.status_code == 302
    profile = StaffProfile.objects.get(user=signed_in_member)
    assert (profile.name, profile.role) == ("Ada King", "Matron, urgent and emergency care")
    assert profile.organisation == organisation and profile.region == region
    assert profile.email_frequency == "daily" and profile.listed_as_member
    assert "Your profile has been saved" in client.get("/accounts/profile/").content.decode()


def test_a_new_profile_asks_for_a_weekly_digest(db, client, send):
    sign_up(client, send)
    assert StaffProfile.objects.get(user__email=EMAIL).email_frequency == "weekly"


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("role", f"Ward sister, see {NHS_NUMBER}", "Remove the NHS number"),
        ("role", "x" * 151, "150 characters or fewer"),
        ("email_frequency", "hourly", "Select a valid choice"),
        ("organisation", "999999", "Select a valid choice"),
    ],
)
def test_a_bad_profile_is_refused_and_keeps_the_old_one(
    signed_in_member, client, field, value, message
):
    data = {"name": "Ada Lovelace", "role": "", "email_frequency": "weekly"} | {field: value}

    response = client.post("/accounts/profile/", data)

    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert NHS_NUMBER not in html
    assert StaffProfile.objects.get(user=signed_in_member).role == ""


def test_the_account_pages_need_a_signed_in_member(db, client):
    for address in ("/accounts/profile/", "/accounts/profile/download/", "/accounts/delete/"):
        response = client.get(address)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


# --- the member's data --------------------------------------------------------------------------


def test_a_member_downloads_everything_kept_about_them(signed_in_member, client):
    response = client.get("/accounts/profile/download/")

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["account"]["email"] == "ada.lovelace@nhs.net"
    assert data["email_addresses"] == [
        {"email": "ada.lovelace@nhs.net", "verified": True, "primary": True}
    ]
    assert data["profile"]["name"] == "Ada Lovelace"
    assert data["profile"]["email_frequency"] == "weekly"


def reauthenticate(client, address):
    """Deleting asks for the password again: as a member does, through the page it sends to."""
    response = client.get(address)
    assert response.status_code == 302 and "/accounts/reauthenticate/" in response["Location"]
    back = client.post(response["Location"], {"password": PASSWORD})
    assert back.status_code == 302 and back["Location"] == address


def test_deleting_the_account_needs_the_password_and_confirming_then_removes_it(
    signed_in_member, client
):
    reauthenticate(client, "/accounts/delete/")
    refused = client.post("/accounts/delete/", {})
    assert refused.status_code == 400
    assert "Confirm that you want to delete your account" in refused.content.decode()
    assert User.objects.filter(pk=signed_in_member.pk).exists()

    response = client.post("/accounts/delete/", {"confirm": "on"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=signed_in_member.pk).exists()
    assert not StaffProfile.objects.exists()
    assert not EmailAddress.objects.filter(email="ada.lovelace@nhs.net").exists()
    assert client.get("/accounts/profile/").status_code == 302  # signed out


def test_an_editor_cannot_delete_their_own_account_here(signed_in_member, client):
    signed_in_member.is_staff = True
    signed_in_member.save()
    reauthenticate(client, "/accounts/delete/")

    page = client.get("/accounts/delete/")
    client.post("/accounts/delete/", {"confirm": "on"})

    assert "Ask an administrator" in page.content.decode()
    assert User.objects.filter(pk=signed_in_member.pk).exists()


# --- the OpenID Connect provider ----------------------------------------------------------------


def test_no_provider_unless_the_environment_describes_one():
    assert openid_connect_providers({}) == {}


def test_half_a_provider_configuration_is_an_error():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="KB_OIDC_CLIENT_SECRET"):
        openid_connect_providers(
            {"KB_OIDC_SERVER_URL": "https://login.example.nhs.uk", "KB_OIDC_CLIENT_ID": "kb"}
        )
    with pytest.raises(ImproperlyConfigured, match="https"):
        openid_connect_providers(
            {
                "KB_OIDC_SERVER_URL": "http://login.example.nhs.uk",
                "KB_OIDC_CLIENT_ID": "kb",
                "KB_OIDC_CLIENT_SECRET": "s",
            }
        )


def test_a_configured_provider_is_offered_on_the_sign_in_page(db, client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = openid_connect_providers(
        {
            "KB_OIDC_SERVER_URL": "https://login.example.nhs.uk",
            "KB_OIDC_CLIENT_ID": "kb",
            "KB_OIDC_CLIENT_SECRET": "secret",
        }
    )

    html = client.get("/accounts/login/").content.decode()

    assert "Sign in with NHSmail" in html
    assert "/accounts/oidc/nhsmail/login/" in html
    assert "secret" not in html


def test_the_header_offers_sign_in_to_readers(db, client, site_tree):
    html = client.get("/").content.decode()
    assert 'href="/accounts/login/"' in html and "Sign in" in html
