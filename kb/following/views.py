"""Follow buttons, the member's follows, their notifications and one-click unsubscribe."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from kb.taxonomy.models import ImprovementMethod, Organisation, Pathway, Specialty

from . import services
from .forms import FollowForm, FrequencyForm
from .models import Follow, Frequency, Notification
from .tokens import read_unsubscribe_token

NOTIFICATIONS_SHOWN = 100


def _safe_next(request, fallback):
    target = request.POST.get("next") or ""
    # A path on this site only ("/case-studies/x/"): never another host, nor a relative name.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@require_POST
def follow(request):
    if not request.user.is_authenticated:
        # The button is a form: after signing in, the member comes back to the page to press it.
        return redirect_to_login(_safe_next(request, "/"))
    form = FollowForm(request.POST)
    if not form.is_valid():
        return render(request, "following/not_followed.html", {"form": form}, status=400)
    target = form.cleaned_data["target"]
    name = getattr(target, "title", None) or str(target)
    if form.cleaned_data["action"] == "follow":
        services.follow(request.user, target)
        messages.success(request, f"You are following {name}.")
    else:
        services.unfollow(request.user, target)
        messages.success(request, f"You no longer follow {name}.")
    return HttpResponseRedirect(_safe_next(request, reverse("following:manage")))


@login_required
@require_http_methods(["GET", "POST"])
def manage(request):
    if request.method == "POST":
        form = FrequencyForm(request.POST)
        if form.is_valid():
            row = get_object_or_404(Follow, pk=form.cleaned_data["follow"], user=request.user)
            row.frequency = form.cleaned_data["frequency"]
            row.save(update_fields=["frequency"])
            messages.success(request, "Your email choice has been saved.")
            return redirect("following:manage")
        messages.error(request, "Choose how often you want emails.")
    follows = services.follows_of(request.user)
    followed = {(f.content_type_id, f.object_id) for f, _, _ in follows}
    return render(
        request,
        "following/manage.html",
        {
            "follows": follows,
            "frequencies": Frequency.choices,
            "choices": _to_follow(followed),
        },
    )


def _to_follow(followed):
    """[(kind, label, [terms not yet followed])] for the "Follow more" forms."""
    from .registry import content_type_of

    groups = []
    for kind, label, model in (
        ("pathway", "Care pathway", Pathway),
        ("method", "Improvement method", ImprovementMethod),
        ("specialty", "Specialty", Specialty),
        ("organisation", "Organisation", Organisation),
    ):
        terms = list(model.objects.order_by("name"))
        if terms:
            content_type = content_type_of(terms[0])
            terms = [t for t in terms if (content_type.pk, t.pk) not in followed]
        groups.append((kind, label, terms))
    return groups


@login_required
def notifications(request):
    rows = list(Notification.objects.filter(user=request.user)[:NOTIFICATIONS_SHOWN])
    response = render(request, "following/notifications.html", {"notifications": rows})
    # Seen now (those shown, not older ones beyond the list): the header's count goes down.
    shown = [row.pk for row in rows if row.read_at is None]
    Notification.objects.filter(pk__in=shown).update(read_at=timezone.now())
    return response


@csrf_exempt  # mail programs POST the one-click unsubscribe (RFC 8058): the token is the proof
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    found = read_unsubscribe_token(token)
    if found is None:
        return render(request, "following/unsubscribe.html", {"invalid": True}, status=404)
    user_id, follow_id = found
    if follow_id is not None and not Follow.objects.filter(pk=follow_id, user_id=user_id).exists():
        # Unfollowed since: nothing left to stop.
        return render(request, "following/unsubscribe.html", {"done": True, "single": True})
    if request.method == "POST":
        services.stop_emails(user_id, follow_id)
        return render(
            request, "following/unsubscribe.html", {"done": True, "single": follow_id is not None}
        )
    return render(
        request, "following/unsubscribe.html", {"token": token, "single": follow_id is not None}
    )
