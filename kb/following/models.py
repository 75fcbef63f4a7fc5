"""What staff follow, and what they are told: follows, notifications and what was last published.

A member follows one thing (a page, a pathway, a method, a specialty, an organisation; later a
network or a project) at a chosen email frequency. When something they follow changes, they get
one notification in the site; its email goes at once, in the day's digest or in the week's
(the default), or not at all, as the follow says.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

# How often a follow emails: the same choices as the member's default on their profile.
from kb.accounts.models import EmailFrequency as Frequency

# Most urgent first: when several follows match one change, the most urgent one decides.
URGENCY = [Frequency.IMMEDIATE, Frequency.DAILY, Frequency.WEEKLY, Frequency.NEVER]


class Follow(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    frequency = models.CharField(
        "Email", max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "content_type", "object_id"], name="following_one_follow_each"
            )
        ]
        # Who follows this? is the question every change asks.
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.user_id} follows {self.content_type_id}:{self.object_id}"


class Notification(models.Model):
    class Kind(models.TextChoices):
        PUBLISHED = "published", "New"
        UPDATED = "updated", "Updated"
        CHANGED = "changed", "Changed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # What happened, as the member will read it; the link goes to the thing itself.
    title = models.CharField(max_length=300)
    text = models.CharField(max_length=500, blank=True)
    url = models.CharField(max_length=500)
    # Why they were told: "You follow Urgent and emergency care".
    reason = models.CharField(max_length=300)
    follow = models.ForeignKey(
        Follow, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # When its email was queued (at once or in a digest); null while it waits for one.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"]),
            models.Index(fields=["frequency", "emailed_at"]),
        ]

    def __str__(self):
        return self.title


class PublishedState(models.Model):
    """What a page's watched fields (`notify_on_change`, e.g. an idea's stage) were when it was
    last published, to tell a change of stage from a republish."""

    page_id = models.PositiveBigIntegerField(primary_key=True)
    values = models.JSONField(default=dict)

    def __str__(self):
        return f"page {self.page_id}: {self.values}"
