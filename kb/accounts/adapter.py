"""How django-allauth fits the site: who may sign up, and how its emails leave.

- Sign-up, and adding an email address, is for NHS staff: the address must be at one of
  KB_ACCOUNT_EMAIL_DOMAINS (or below one). A sign-in through the OpenID Connect provider obeys
  the same rule for new accounts.
- Every email allauth sends (confirmation links, sign-in codes, password resets) goes through
  the outbox (kb.mail), so a mail server that is down delays an email but never loses it.
- The sign-in code email carries a link as well as the code: the code's confirm page with the
  code filled in (kb.accounts.views.ConfirmLoginCodeView), usable in the same browser only.
- A new account gets its staff profile, with the name given at sign-up or by the provider.
"""

from urllib.parse import urlencode

from allauth.account import app_settings as allauth_account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.utils import get_next_redirect_url
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.utils import build_absolute_uri
from django import forms
from django.conf import settings
from django.urls import reverse

from .domains import describe, is_allowed
from .models import StaffProfile


def allowed_domains():
    return settings.KB_ACCOUNT_EMAIL_DOMAINS


def refused_domain_message():
    return (
        f"Enter an NHS email address (ending {describe(allowed_domains())}). Accounts are for "
        "NHS staff; everyone can read the site without one"
    )


def login_code_minutes():
    """How long an emailed sign-in code (and its link) lasts, in whole minutes, for wording."""
    return max(1, allauth_account_settings.LOGIN_BY_CODE_TIMEOUT // 60)


def sign_in_link(request, code):
    """The address of the sign-in code page with the code filled in (and where to go after
    signing in, when the person asked for the code on their way somewhere)."""
    params = {"code": code}
    next_url = get_next_redirect_url(request) if request is not None else None
    if next_url:
        params["next"] = next_url
    address = f"{reverse('account_confirm_login_code')}?{urlencode(params)}"
    return build_absolute_uri(request, address)


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
        if template_prefix == "account/email/login_code" and context.get("code"):
            context = context | {
                "sign_in_link": sign_in_link(request, context["code"]),
                "timeout_minutes": login_code_minutes(),
            }
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
