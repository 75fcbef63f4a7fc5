"""Notifications about a member's own contributions (their idea's status, a reply to it).

These come to the member whether or not they follow anything. They are shown on the site only:
the contribution's own emails (kb/ideas/notifications.py) already tell them by email, and a
second email about the same change would be noise.
"""

from .models import Frequency, Notification


def notify_member(user_id, title, url="", text="", reason="It is about something you shared"):
    """Record one notification for one member, in the caller's transaction."""
    return Notification.objects.create(
        user_id=user_id,
        kind=Notification.Kind.CHANGED,
        title=str(title)[:300],
        text=str(text)[:500],
        url=str(url or "")[:500],
        reason=str(reason)[:300],
        frequency=Frequency.NEVER,
    )
