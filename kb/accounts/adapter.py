"""How django-allauth fits the site: who may sign up, and how its emails leave.

- Sign-up, and adding an email address, is for NHS staff: the address must be at one of
  KB_ACCOUNT_EMAIL_DOMAINS (or below one). A sign-in through the OpenID Connect provider obeys
  the same rule for new accounts.
- Every email allauth sends (confirmation links, sign-in codes, password resets) goes through
  the outbox (kb.mail), so a mail server that is down delays an email but never loses it.
- A new account gets its staff profile, with the name given at sign-up or by the provider.
"""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django import forms
from django.conf import settings

from .domains import describe, is_allowed
from .models import StaffProfile


def allowed_domains():
    return settings.KB_ACCOUNT_EMAIL_DOMAINS


def refused_domain_message():
    return (
        f"Enter an NHS email address (ending {describe(allowed_domains())}). Accounts are for "
        "NHS staff; everyone can read the site without one"
    )


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email):
        email = super().clean_email(email)
        if not is_allowed(email, allowed_domains()):
            raise forms.ValidationError(refused_domain_message(), code="email_domain")
        return email

    def send_mail(self, template_prefix, email, context):
        from allauth.account.adapter import context as allauth_context
        from django.contrib.sites.shortcuts import get_current_site

        from kb.mail.outbox import queue_email

        request = allauth_context.request
        message = self.render_mail(
            template_prefix,
            email,
            {"request": request, "email": email, "current_site": get_current_site(request)}
            | context,
        )
        html = next(
            (body for body, kind in getattr(message, "alternatives", []) if kind == "text/html"),
            None,
        )
        queue_email(
            message.to,
            message.subject,
            message.body,
            html_body=html,
            headers=dict(message.extra_headers),
            from_email=message.from_email,
            kind=f"account:{template_prefix.rsplit('/', 1)[-1]}",
        )

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            StaffProfile.for_user(user)
        return user


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin):
        """A new account through the provider needs the address it is made with to be at an
        allowed domain and confirmed by the provider, as sign-up needs a confirmed one."""
        email = (sociallogin.user.email if sociallogin.user is not None else "") or ""
        verified = any(
            address.verified and address.email.lower() == email.lower()
            for address in sociallogin.email_addresses
        )
        allowed = bool(email) and verified and is_allowed(email, allowed_domains())
        return allowed and super().is_open_for_signup(request, sociallogin)

    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form)
        profile = StaffProfile.for_user(user)
        if not profile.name:
            profile.name = user.get_full_name()[:150]
            profile.save(update_fields=["name", "updated_at"])
        return user
