"""Following and being told: follow and unfollow, the notifications a publish makes, and the
emails that carry them (one at once, or a digest).

A publish of a knowledge page tells everyone who follows the page or anything it is filed under
(its organisation, specialties, methods and pathways): one notification each, however many of
their follows match, never to the person whose revision it was. Emails go through the outbox
(kb.mail), in the same transaction as the notifications, so none is lost or sent for a change
that was rolled back.
"""

from collections import defaultdict
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from kb.jobs import defer_until_committed
from kb.mail.outbox import deliver_emails, queue_email, queue_emails

from .models import URGENCY, Follow, Frequency, Notification, PublishedState
from .registry import content_type_of, kind_of, kinds, targets_of
from .tokens import unsubscribe_token

# Rows a bulk insert writes at once (SQLite allows 999 variables a statement in old builds).
BATCH = 500
# Immediate emails tried the moment a change commits; more wait for `send_outbox`.
INLINE_DELIVERY_LIMIT = 25


def absolute_url(path):
    return urljoin(settings.WAGTAILADMIN_BASE_URL.rstrip("/") + "/", str(path).lstrip("/"))


# --- following ----------------------------------------------------------------------------------


def default_frequency(user):
    """A new follow emails as the member's profile says (a weekly digest unless they chose)."""
    from kb.accounts.models import StaffProfile

    profile = StaffProfile.objects.filter(user=user).only("email_frequency").first()
    return profile.email_frequency if profile else Frequency.WEEKLY


def follow(user, obj, frequency=None):
    """Follow `obj` (kept as it was if already followed). Returns the Follow."""
    found, _ = Follow.objects.get_or_create(
        user=user,
        content_type=content_type_of(obj),
        object_id=obj.pk,
        defaults={"frequency": frequency or default_frequency(user)},
    )
    return found


def unfollow(user, obj):
    Follow.objects.filter(user=user, content_type=content_type_of(obj), object_id=obj.pk).delete()


def is_following(user, obj):
    if not getattr(user, "is_authenticated", False):
        return False
    return Follow.objects.filter(
        user=user, content_type=content_type_of(obj), object_id=obj.pk
    ).exists()


def follows_of(user):
    """The member's follows with what they follow, for their page: [(follow, object, kind)],
    things since deleted left out."""
    rows = list(Follow.objects.filter(user=user).select_related("content_type").order_by("id"))
    by_type = defaultdict(list)
    for row in rows:
        by_type[row.content_type].append(row.object_id)
    objects = {}
    for content_type, ids in by_type.items():
        model = content_type.model_class()
        manager = model.objects.specific() if hasattr(model.objects, "specific") else model.objects
        for obj in manager.filter(pk__in=ids) if model is not None else []:
            objects[(content_type.pk, obj.pk)] = obj
    found = []
    for row in rows:
        obj = objects.get((row.content_type_id, row.object_id))
        if obj is None or not _open_to_all(obj):
            continue  # deleted, unpublished or restricted since: its title is not shown
        found.append((row, obj, kind_of(obj)))
    return found


def _open_to_all(obj):
    from wagtail.models import Page

    if not isinstance(obj, Page):
        return True
    return obj.live and not obj.get_view_restrictions().exists()


# --- what a publish tells -----------------------------------------------------------------------


def page_published(page, revision=None):
    """The notifications (and immediate emails) for one publish of a knowledge page. Returns
    how many members were told.

    Wagtail's editor publishes outside any transaction: the notifications and their emails are
    written in one here, and the emails are tried only once it has committed (never one mail
    server connection per follower inside the editor's request)."""
    page = page.specific
    if not page.live:
        return 0  # scheduled for later: announced when it goes live
    if page.get_view_restrictions().exists():
        return 0  # not for everyone's eyes: not announced
    with transaction.atomic():
        kind, text = _what_happened(page)
        if kind is None:
            return 0
        matches = _followers(targets_of(page), exclude_user=getattr(revision, "user_id", None))
        verb = {"published": "New", "updated": "Updated", "changed": "Changed"}[kind]
        title = f"{verb} {page._meta.verbose_name}: {page.title}"
        url = page.url or page.get_url() or "/"
        return _record(matches, kind, title, url, text)


def pages_published(published):
    """`page_published` for each (page, revision) of a batch (a bulk import's), after one
    query for the followers of everything the pages concern, for the pages someone follows
    through something; of the others, only the watched state of those that keep one is kept
    (all at once). Returns how many members were told."""
    concerns, by_type = [], defaultdict(set)
    for page, revision in published:
        page = page.specific
        keys = {(content_type_of(obj).pk, obj.pk) for obj, _kind in targets_of(page)}
        for content_type_id, object_id in keys:
            by_type[content_type_id].add(object_id)
        concerns.append((page, revision, keys))
    followed = set()
    if by_type:
        rows = _follows_of(by_type).values_list("content_type_id", "object_id")
        followed = set(rows.distinct())
    told, unfollowed = 0, []
    for page, revision, keys in concerns:
        if keys & followed:
            told += page_published(page, revision)
        elif getattr(type(page), "notify_on_change", ()):
            unfollowed.append(page)
    _remember_watched(unfollowed)
    return told


def _remember_watched(pages):
    """What `page_published` keeps of pages with watched fields that nobody follows through
    anything (so it tells nobody): the fields' values, for the next publish to compare with.
    For them all in a query and two statements rather than three queries a page."""
    now = {page.pk: _watched_values(page) for page in pages if _open_to_all(page)}
    if not now:
        return
    with transaction.atomic():
        states = PublishedState.objects.in_bulk(list(now))
        for page_id, state in states.items():
            state.values = now[page_id]
        PublishedState.objects.bulk_update(states.values(), ["values"])
        PublishedState.objects.bulk_create(
            PublishedState(page_id=page_id, values=values)
            for page_id, values in now.items()
            if page_id not in states
        )


def notify_followers(obj, kind, title, url, text="", actor_id=None):
    """Tell the followers of `obj` (followed as `kind`, e.g. "network") that something happened
    to it: a notification each, and an email at once for those who want it. The actor (who
    made the change) is never told. Returns how many members were told."""
    with transaction.atomic():
        matches = _followers([(obj, kind)], exclude_user=actor_id)
        return _record(matches, Notification.Kind.CHANGED, title, url, text)


def _record(matches, kind, title, url, text=""):
    """One notification for each of `matches` ({user id: (follow id, frequency, reason)}),
    and the immediate emails, queued to be tried once the caller's transaction commits."""
    if not matches:
        return 0
    notifications = [
        Notification(
            user_id=user_id,
            kind=kind,
            title=str(title)[:300],
            text=str(text or "")[:500],
            url=str(url)[:500],
            reason=reason[:300],
            follow_id=follow_id,
            frequency=frequency,
        )
        for user_id, (follow_id, frequency, reason) in matches.items()
    ]
    Notification.objects.bulk_create(notifications, batch_size=BATCH)
    queued = send_immediate(n for n in notifications if n.frequency == Frequency.IMMEDIATE)
    if queued:
        # A few are tried as soon as the change commits; a big fan-out is left to send_outbox,
        # so the editor's publish does not wait for thousands of emails to go out.
        defer_until_committed(deliver_emails, queued[:INLINE_DELIVERY_LIMIT])
    return len(notifications)


def _what_happened(page):
    """("published" | "updated" | "changed", words) for this publish, and remember the page's
    watched fields (`notify_on_change`) for the next one."""
    watched = tuple(getattr(type(page), "notify_on_change", ()))
    now = _watched_values(page)
    changed = []
    if watched:  # a page type with nothing watched has no state to read or keep
        state = PublishedState.objects.filter(page_id=page.pk).first()
        if state is not None:
            changed = [name for name in watched if state.values.get(name) != now[name]]
        PublishedState.objects.update_or_create(page_id=page.pk, defaults={"values": now})
    if changed:
        words = "; ".join(
            f"{page._meta.get_field(name).verbose_name.capitalize()}: {now[name]}"
            for name in changed
        )
        return "changed", words
    first = page.first_published_at
    if first is None or page.last_published_at is None or page.last_published_at <= first:
        return "published", page.summary if hasattr(page, "summary") else ""
    return "updated", page.summary if hasattr(page, "summary") else ""


def _watched_values(page):
    """{field name: value as shown} of the page's watched fields (`notify_on_change`)."""
    return {name: _shown(page, name) for name in getattr(type(page), "notify_on_change", ())}


def _shown(page, name):
    display = getattr(page, f"get_{name}_display", None)
    return str(display() if display else getattr(page, name))


def _follows_of(by_type):
    """The follows of any of these things: {content type id: object ids}, one condition a type."""
    wanted = Q()
    for content_type_id, ids in by_type.items():
        wanted |= Q(content_type_id=content_type_id, object_id__in=sorted(ids))
    return Follow.objects.filter(wanted)


def _followers(targets, exclude_user=None):
    """{user id: (follow id, frequency, reason)}: each follower of any target once, with the
    follow that explains it best (the most particular target; among equals, the most urgent)."""
    rank = {}
    by_type = defaultdict(list)  # content type id -> object ids
    labels = kinds()
    for position, (obj, kind) in enumerate(targets):
        content_type = content_type_of(obj)
        key = (content_type.pk, obj.pk)
        if key in rank:
            continue
        label = "this page" if kind == "page" else f"the {labels[kind].label} {obj}"
        rank[key] = (position, f"You follow {label}")
        by_type[content_type.pk].append(obj.pk)
    rows = _follows_of(by_type)
    if exclude_user is not None:
        rows = rows.exclude(user_id=exclude_user)
    best, urgent = {}, {}
    for follow_id, user_id, content_type_id, object_id, frequency in rows.values_list(
        "id", "user_id", "content_type_id", "object_id", "frequency"
    ).iterator(chunk_size=2000):
        position, reason = rank[(content_type_id, object_id)]
        choice = (position, URGENCY.index(frequency), follow_id, reason)
        if user_id not in best or choice < best[user_id]:
            best[user_id] = choice
        # The email goes as the most urgent of the member's matching follows asks; that follow
        # is the one the notification names, so its unsubscribe link stops those emails.
        ranked = (URGENCY.index(frequency), follow_id)
        if user_id not in urgent or ranked < urgent[user_id]:
            urgent[user_id] = ranked
    return {
        user_id: (urgent[user_id][1], URGENCY[urgent[user_id][0]], choice[3])
        for user_id, choice in best.items()
    }


# --- emails -------------------------------------------------------------------------------------


def unsubscribe_headers(url):
    """RFC 8058 one-click unsubscribe: mail programs POST `List-Unsubscribe=One-Click` to it."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def send_immediate(notifications):
    """An email for each notification its member wants at once, into the outbox; returns the
    outbox rows' ids, for the caller to deliver once its transaction commits."""
    notifications = list(notifications)
    if not notifications:
        return []
    users = get_user_model().objects.in_bulk({n.user_id for n in notifications})
    now, messages = timezone.now(), []
    for notification in notifications:
        user = users.get(notification.user_id)
        if user is None or not user.email or not user.is_active:
            continue
        unsubscribe = absolute_url(
            reverse(
                "following:unsubscribe", args=[unsubscribe_token(user.pk, notification.follow_id)]
            )
        )
        body = render_to_string(
            "following/email/notification.txt",
            {
                "notification": notification,
                "url": absolute_url(notification.url),
                "unsubscribe_url": unsubscribe,
                "manage_url": absolute_url(reverse("following:manage")),
            },
        )
        messages.append(
            {
                "to": [user.email],
                "subject": notification.title,
                "body": body,
                "headers": unsubscribe_headers(unsubscribe),
            }
        )
    queued = queue_emails(messages, kind="following:immediate")
    ids = [n.pk for n in notifications if n.pk is not None]
    Notification.objects.filter(pk__in=ids).update(emailed_at=now)
    return queued


def send_digests(frequency, now=None, limit_users=None):
    """One email to each member with notifications waiting for their `frequency` digest
    ("daily" or "weekly"), listing them; they are then marked as emailed. Returns the number of
    digests queued. Safe to run twice: a notification goes in one digest only."""
    if frequency not in (Frequency.DAILY, Frequency.WEEKLY):
        raise ValueError(f"no digest is sent {frequency!r}")
    now = now or timezone.now()
    waiting = Notification.objects.filter(frequency=frequency, emailed_at__isnull=True)
    user_ids = sorted(set(waiting.values_list("user_id", flat=True)))
    if limit_users:
        user_ids = user_ids[:limit_users]
    users = get_user_model().objects.in_bulk(user_ids)
    manage_url = absolute_url(reverse("following:manage"))
    sent = 0
    for start in range(0, len(user_ids), BATCH):
        chunk = user_ids[start : start + BATCH]
        with transaction.atomic():
            rows = list(
                waiting.filter(user_id__in=chunk).select_for_update().order_by("user_id", "-id")
            )
            by_user = defaultdict(list)
            for row in rows:
                by_user[row.user_id].append(row)
            for user_id, items in by_user.items():
                user = users.get(user_id)
                if user is None or not user.email or not user.is_active:
                    continue
                unsubscribe = absolute_url(
                    reverse("following:unsubscribe", args=[unsubscribe_token(user_id)])
                )
                body = render_to_string(
                    "following/email/digest.txt",
                    {
                        "items": [(n, absolute_url(n.url)) for n in items],
                        "frequency": frequency,
                        "unsubscribe_url": unsubscribe,
                        "manage_url": manage_url,
                    },
                )
                count = len(items)
                queue_email(
                    [user.email],
                    f"Your {frequency} digest: {count} update{'s' if count != 1 else ''}",
                    body,
                    headers=unsubscribe_headers(unsubscribe),
                    kind=f"following:{frequency}",
                    deliver_now=False,
                )
                sent += 1
            Notification.objects.filter(pk__in=[row.pk for row in rows]).update(emailed_at=now)
    return sent


def stop_emails(user_id, follow_id=None):
    """What an unsubscribe link does: that follow's emails stop, or (no follow) all of them."""
    from kb.accounts.models import StaffProfile

    follows = Follow.objects.filter(user_id=user_id)
    if follow_id is not None:
        follows = follows.filter(pk=follow_id)
    else:
        StaffProfile.objects.filter(user_id=user_id).update(email_frequency=Frequency.NEVER)
    follows.update(frequency=Frequency.NEVER)
    waiting = Notification.objects.filter(user_id=user_id, emailed_at__isnull=True)
    if follow_id is not None:
        waiting = waiting.filter(follow_id=follow_id)
    waiting.update(frequency=Frequency.NEVER)


def member_data(user):
    """What a member's data download holds of following: their follows and notifications."""
    return {
        "follows": [
            {"kind": kind, "name": getattr(obj, "title", None) or str(obj), "email": row.frequency}
            for row, obj, kind in follows_of(user)
        ],
        "notifications": [
            {
                "title": n.title,
                "url": n.url,
                "reason": n.reason,
                "created_at": n.created_at.isoformat(),
                "read": n.read_at is not None,
            }
            for n in Notification.objects.filter(user=user)
        ],
    }
