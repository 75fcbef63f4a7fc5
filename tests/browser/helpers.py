"""Shared steps of the browser tests: staff accounts that can sign in, and signing them in."""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

PASSWORD = "a long and Unusual passphrase 42"


def account(username, name, **extra):
    """A staff account (username@nhs.net, confirmed) that can sign in with PASSWORD, with a
    profile; `extra` sets fields of the user (is_staff=True, is_active=False...)."""
    from kb.accounts.models import StaffProfile

    email = f"{username}@nhs.net"
    user, _ = get_user_model().objects.get_or_create(username=username, defaults={"email": email})
    user.email = email
    for key, value in extra.items():
        setattr(user, key, value)
    user.set_password(PASSWORD)
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    StaffProfile.objects.update_or_create(user=user, defaults={"name": name, "role": "Matron"})
    return user


def submit_sign_in(tab, user):
    """On the site's sign-in page: sign `user` in with their password."""
    tab.get_by_label("Email", exact=True).fill(user.email)
    tab.get_by_label("Password", exact=True).fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()


def sign_in(tab, user, address):
    """Sign `user` in from the sign-in page, to be taken on to `address`."""
    tab.goto(f"/accounts/login/?next={address}")
    submit_sign_in(tab, user)
