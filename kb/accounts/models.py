"""A staff member's profile: who they are, where they work and what they want to hear about.

Reading the site needs no account. An account (one user table with the editors': Wagtail's
users are Django's) belongs to NHS staff who follow, join networks, run projects or comment. The
sign-up, sign-in and email side is django-allauth's; this is what we add to its user.
"""

from django.conf import settings
from django.db import models

from kb.taxonomy.models import Organisation, Region

# Shown wherever a deleted account's public contributions are attributed.
FORMER_MEMBER = "a former member"


class EmailFrequency(models.TextChoices):
    WEEKLY = "weekly", "A weekly digest"
    DAILY = "daily", "A daily digest"
    IMMEDIATE = "immediate", "Each one as it happens"
    NEVER = "never", "No emails (see them on the site only)"


class StaffProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    name = models.CharField("Full name", max_length=150, help_text="As colleagues would know you.")
    role = models.CharField(
        "Job title or role",
        max_length=150,
        blank=True,
        help_text="For example, Matron, urgent and emergency care.",
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The trust, practice or board you work for.",
    )
    region = models.ForeignKey(
        Region, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What a new follow emails as (kb.following); the care pathways they want to hear about are
    # follows too, chosen on the profile page.
    email_frequency = models.CharField(
        "How often we email you",
        max_length=10,
        choices=EmailFrequency.choices,
        default=EmailFrequency.WEEKLY,
    )
    listed_as_member = models.BooleanField(
        "Show my name, role and organisation to other members of networks I join",
        default=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "staff profile"

    def __str__(self):
        return self.name or FORMER_MEMBER

    @classmethod
    def for_user(cls, user):
        """The user's profile, made (empty) the first time it is asked for: accounts created
        before profiles existed, or through the admin, have none yet."""
        profile, _ = cls.objects.get_or_create(
            user=user, defaults={"name": user.get_full_name()[:150]}
        )
        return profile
