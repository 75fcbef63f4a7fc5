"""A member's own pages: their profile, a copy of their data, and deleting their account.

Sign-up, sign-in, email confirmation and passwords are django-allauth's views under /accounts/;
the page for an emailed sign-in code is allauth's too, taught to open from the email's link.
"""

import json

from allauth.account.decorators import reauthentication_required
from allauth.account.models import EmailAddress
from allauth.account.views import ConfirmLoginCodeView as AllauthConfirmLoginCodeView
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods

from .adapter import login_code_minutes
from .forms import ConfirmLoginCodeForm, DeleteAccountForm, ProfileForm, plausible_sign_in_code
from .models import StaffProfile


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    member = StaffProfile.for_user(request.user)
    form = ProfileForm(request.POST if request.method == "POST" else None, instance=member)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your profile has been saved.")
        return redirect("staff_profile")
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "member": member},
        status=400 if form.errors else 200,
    )


# Apps that keep more about a member (what they follow, their notifications) add a section:
# {name: function(user) -> JSON-ready value}. See register_member_data.
_MEMBER_DATA = {}


def register_member_data(name, read):
    """Add a section to the member's data download (called from an app's ready())."""
    _MEMBER_DATA[name] = read


def member_data(user):
    """Everything the site keeps about a member, as they may download it."""
    member = StaffProfile.for_user(user)
    return {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "username": user.get_username(),
            "email": user.email,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("email")
        ],
        "profile": {
            "name": member.name,
            "role": member.role,
            "organisation": member.organisation.name if member.organisation else None,
            "region": member.region.name if member.region else None,
            "email_frequency": member.email_frequency,
            "listed_as_member": member.listed_as_member,
            "created_at": member.created_at.isoformat(),
            "updated_at": member.updated_at.isoformat(),
        },
    } | {name: read(user) for name, read in sorted(_MEMBER_DATA.items())}


@login_required
def download_data(request):
    response = HttpResponse(
        json.dumps(member_data(request.user), indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="my-kb-data.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    user = request.user
    if user.is_staff or user.is_superuser:
        # Editors' accounts carry the history of what they published: an administrator closes
        # them in the admin.
        return render(request, "accounts/delete_account.html", {"editor": True})
    form = DeleteAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            logout(request)
            user.delete()
        messages.success(request, "Your account has been deleted.")
        return redirect("/")
    status = 400 if form.errors else 200
    return render(request, "accounts/delete_account.html", {"form": form}, status=status)


class ConfirmLoginCodeView(AllauthConfirmLoginCodeView):
    """allauth's page for the emailed sign-in code, which the email's link opens too.

    The link is /accounts/login/code/confirm/?code=BCDF-GHJK. Opening it only shows the form
    with the code filled in: signing in is still the "Sign in" button (a POST), so a mail
    scanner that opens links signs nobody in. The code is checked against the sign-in waiting
    in this browser's session (allauth's model), so the link signs in only the browser where
    the code was asked for; anywhere else, or once the code has expired, the page says so.
    """

    template_name = "account/confirm_login_code.html"

    def dispatch(self, request, *args, **kwargs):
        self.code_refused = False
        response = super().dispatch(request, *args, **kwargs)
        no_sign_in_waiting = (
            response.status_code == 302
            and response["Location"] == reverse("account_request_login_code")
            and not self.code_refused
            and not request.user.is_authenticated
        )
        if no_sign_in_waiting and (request.method == "POST" or "code" in request.GET):
            response = render(
                request,
                "account/login_code_unusable.html",
                {
                    "request_login_code_url": reverse("account_request_login_code"),
                    "timeout_minutes": login_code_minutes(),
                },
            )
            add_never_cache_headers(response)
        return response

    def get_form_class(self):
        if self._action == "resend":
            return super().get_form_class()
        return ConfirmLoginCodeForm

    def get_initial(self):
        initial = super().get_initial()
        if self.request.method == "GET" and "code" in self.request.GET:
            code = plausible_sign_in_code(self.request.GET["code"])
            if code:
                initial["code"] = code
        return initial

    def form_invalid(self, form):
        self.code_refused = True  # allauth's own message says why (too many tries)
        return super().form_invalid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        from_link = self.request.method == "GET" and "code" in self.request.GET
        context["from_link"] = from_link
        context["link_errors"] = (
            [("id_code", "The code in this link is not complete. Type the code from the email")]
            if from_link and not plausible_sign_in_code(self.request.GET["code"])
            else []
        )
        context["timeout_minutes"] = login_code_minutes()
        return context


confirm_login_code = ConfirmLoginCodeView.as_view()
