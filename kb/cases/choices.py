"""Choices case studies are filed by, apart from the models so forms and filters share them."""

from django.db import models


class EvidenceStrength(models.TextChoices):
    """How far readers can rely on a result, weakest first. Meanings are shown on the page."""

    ANECDOTAL = "anecdotal", "Anecdotal"
    BEFORE_AND_AFTER = "before-and-after", "Before and after"
    SUSTAINED = "sustained", "Sustained over time"
    INDEPENDENTLY_EVALUATED = "independently-evaluated", "Independently evaluated"


EVIDENCE_MEANINGS = {
    EvidenceStrength.ANECDOTAL: "The team reports what it saw, without measurement before and "
    "after the change. Worth a conversation; test it before relying on it.",
    EvidenceStrength.BEFORE_AND_AFTER: "A measure was taken before and after the change. The "
    "result may partly reflect other things that changed at the same time.",
    EvidenceStrength.SUSTAINED: "The measure was tracked over time (for example on an SPC "
    "chart) and the improvement has held for at least six months.",
    EvidenceStrength.INDEPENDENTLY_EVALUATED: "People outside the team evaluated the change "
    "and its results, for example an academic partner or a regional improvement team.",
}
