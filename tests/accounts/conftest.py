"""Fixtures for the account tests: a request whose emails go out, a member (signed out or in)
and asking for an emailed sign-in code."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from kb.accounts.models import StaffProfile

PASSWORD = "a long and Unusual passphrase 42"
EMAIL = "ada.lovelace@nhs.net"
NAME = "Ada Lovelace"


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Run a request and the emails its commit sends."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


@pytest.fixture
def member(db):
    """A member as sign-up and confirming the address leave one (EMAIL, PASSWORD, a profile
    named NAME), signed out."""
    user = get_user_model().objects.create_user("ada", EMAIL, PASSWORD)
    EmailAddress.objects.create(user=user, email=EMAIL, verified=True, primary=True)
    StaffProfile.objects.create(user=user, name=NAME)
    return user


@pytest.fixture
def signed_in_member(member, client):
    """The member, signed in with the test client."""
    client.force_login(member)
    return member


@pytest.fixture
def ask_for_code(client, send):
    """Ask for an emailed sign-in code (and link) as the sign-in page does; returns the
    redirect to the page where the code is typed in."""

    def ask(email=EMAIL, next_url=None):
        address = "/accounts/login/code/" + (f"?next={next_url}" if next_url else "")
        response = send(client.post, address, {"email": email})
        assert response.status_code == 302
        return response

    return ask
