"""A member's own pages: their profile, a copy of their data, and deleting their account.

Sign-up, sign-in, email confirmation and passwords are django-allauth's views under /accounts/.
"""

import json

from allauth.account.decorators import reauthentication_required
from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from .forms import DeleteAccountForm, ProfileForm
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
