"""What a network page does beyond showing itself: the join request, a lead's decision, a
lead's update and event, and the iCalendar file of its events.

Every action is a POST (CSRF-checked by the middleware, as every POST on the site); a GET of an
action's address changes nothing (405). Lead-only actions answer 403 to anyone else. A form
with a problem re-renders the network page with the error summary, with nothing stored.

The network page's routes call these functions, so this module reaches the other tables
through the page (`network.memberships`, `.updates`, `.events`) rather than importing the
models: no import circle.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone

from kb.following.direct import notify_member
from kb.following.models import Notification
from kb.following.services import absolute_url, notify_followers
from kb.mail.outbox import queue_email

from .calendar import network_calendar
from .choices import MembershipStatus
from .forms import EventForm, JoinForm, UpdateForm


def page_context(network, request, **forms):
    """What the network page's template shows for this request (`forms`: bound forms with
    errors, shown instead of empty ones)."""
    user = request.user
    now = timezone.now()
    membership = None
    if user.is_authenticated:
        membership = network.memberships.filter(user=user).first()
    is_lead = network.is_lead(user)
    events = list(network.events.all())
    context = {
        "network": network,
        "is_lead": is_lead,
        "membership": membership,
        "leads": network.leads.select_related("staff_profile").order_by("pk"),
        "members": network.listed_members(),
        "member_count": network.member_count(),
        "member_organisations": network.member_organisations.all(),
        "focus_pathways": network.focus_pathways.all(),
        "updates": network.updates.select_related("author__staff_profile")[:10],
        "upcoming_events": [e for e in events if e.ends_at >= now],
        "past_events": sorted(
            (e for e in events if e.ends_at < now), key=lambda e: e.starts_at, reverse=True
        )[:10],
        "shared": network.shared_content(),
        "join_form": forms.get("join_form") or JoinForm(),
        "error_forms": [form for form in forms.values() if form is not None],
    }
    if is_lead:
        context["pending"] = network.memberships.filter(
            status=MembershipStatus.PENDING
        ).select_related("user__staff_profile__organisation")
        context["update_form"] = forms.get("update_form") or UpdateForm()
        context["event_form"] = forms.get("event_form") or EventForm()
    return context


def _page_with_errors(request, network, **forms):
    context = network.get_context(request)
    context.update(page_context(network, request, **forms))
    response = TemplateResponse(request, network.get_template(request), context, status=400)
    response["Cache-Control"] = "private, no-store"
    return response


def _back(network, anchor=""):
    return HttpResponseRedirect(network.url + (f"#{anchor}" if anchor else ""))


def _post_only(request):
    return None if request.method == "POST" else HttpResponseNotAllowed(["POST"])


def _require_lead(request, network):
    if not network.is_lead(request.user):
        raise PermissionDenied


def _require_sign_in(request, network):
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(network.url)
    return None


def join(request, network):
    """A signed-in member of staff asks to join; a lead decides."""
    refused = _post_only(request) or _require_sign_in(request, network)
    if refused:
        return refused
    form = JoinForm(request.POST)
    if form.is_bot:
        return _back(network)
    if not form.is_valid():
        return _page_with_errors(request, network, join_form=form)
    membership, created = network.memberships.get_or_create(
        user=request.user, defaults={"message": form.cleaned_data["message"]}
    )
    if not created and membership.status == MembershipStatus.DECLINED:
        # Asking again after a decline puts the request back in front of the leads.
        membership.status = MembershipStatus.PENDING
        membership.message = form.cleaned_data["message"]
        membership.requested_at = timezone.now()
        membership.decided_at = membership.decided_by = None
        membership.save()
    messages.success(request, "Your request to join has been sent to the network's leads.")
    return _back(network, "membership")


def decide(request, network, membership_id):
    """A lead approves or declines a request (`decision` = approve | decline).

    The member who asked is told (a notification on the site and an email, through the outbox,
    in the same transaction as the decision), unless the decision is their own. Deciding what
    is already decided (a second press, or two leads at once) changes nothing and tells no
    one again."""
    refused = _post_only(request) or _require_sign_in(request, network)
    if refused:
        return refused
    _require_lead(request, network)
    membership = get_object_or_404(network.memberships, pk=membership_id)
    decision = request.POST.get("decision")
    if decision not in ("approve", "decline"):
        messages.error(request, "Choose Approve or Decline for the request.")
        return _back(network, "requests")
    status = MembershipStatus.APPROVED if decision == "approve" else MembershipStatus.DECLINED
    with transaction.atomic():
        # One conditional UPDATE: of two leads deciding at once, only one changes the row, and
        # only that one tells the member.
        changed = (
            network.memberships.filter(pk=membership.pk)
            .exclude(status=status)
            .update(status=status, decided_at=timezone.now(), decided_by=request.user)
        )
        if changed and membership.user_id != request.user.pk:
            tell_member_of_decision(
                network, membership.user, approved=status == MembershipStatus.APPROVED
            )
    _purge()  # the member list and count that readers see
    messages.success(request, "Request approved." if decision == "approve" else "Request declined.")
    return _back(network, "requests")


def tell_member_of_decision(network, user, approved):
    """The member's notification and email about a lead's decision on their request to join,
    in the caller's transaction (the email is sent once it commits)."""
    if approved:
        title = f"Your request to join {network.title} has been approved"
        text = "You are now a member of the network."
    else:
        title = f"Your request to join {network.title} was not approved"
        text = "A lead declined your request. You can ask again from the network's page."
    url = f"{network.url}#membership"
    notification = notify_member(
        user.pk, title, url=url, text=text, reason="It is about your request to join a network"
    )
    if not user.email or not user.is_active:
        return
    body = render_to_string(
        "networks/email/decision.txt",
        {"network": network, "approved": approved, "title": title, "url": absolute_url(url)},
    )
    queue_email([user.email], title, body, kind="networks.decision")
    # Emailed here, not by a digest (notify_member's notifications are never in one anyway).
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())


def post_update(request, network):
    refused = _post_only(request) or _require_sign_in(request, network)
    if refused:
        return refused
    _require_lead(request, network)
    form = UpdateForm(request.POST)
    if not form.is_valid():
        return _page_with_errors(request, network, update_form=form)
    with transaction.atomic():
        update = network.updates.create(
            author=request.user,
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
        )
        notify_followers(
            network,
            "network",
            f"Update from {network.title}: {update.title}",
            f"{network.url}#updates",
            text=update.body,
            actor_id=request.user.pk,
        )
    _purge()
    messages.success(request, "Your update has been posted.")
    return _back(network, "updates")


def add_event(request, network):
    refused = _post_only(request) or _require_sign_in(request, network)
    if refused:
        return refused
    _require_lead(request, network)
    form = EventForm(request.POST)
    if not form.is_valid():
        return _page_with_errors(request, network, event_form=form)
    data = form.cleaned_data
    with transaction.atomic():
        event = network.events.create(
            author=request.user,
            title=data["title"],
            description=data["description"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            online=data["online"],
            location=data["location"],
            booking_url=data["booking_url"],
        )
        when = timezone.localtime(event.starts_at).strftime("%-d %B %Y, %H:%M")
        notify_followers(
            network,
            "network",
            f"New event from {network.title}: {event.title}",
            f"{network.url}#events",
            text=f"{when}. {event.where}",
            actor_id=request.user.pk,
        )
    _purge()
    messages.success(request, "Your event has been added.")
    return _back(network, "events")


def calendar(request, network):
    """The network's events as an iCalendar (RFC 5545) file to subscribe to."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    response = HttpResponse(
        network_calendar(network, request), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="{network.slug}.ics"'
    return response


def _purge():
    # Anonymous readers are served cached pages: an update or event must show at once.
    from kb.core.page_cache import purge

    purge()
