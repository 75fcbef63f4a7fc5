"""Choices shared by the models and the views (kept apart so the views need not import the
models, which route to the views)."""

from django.db import models


class MembershipStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a lead"
    APPROVED = "approved", "Member"
    DECLINED = "declined", "Declined"
