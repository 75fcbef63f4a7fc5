"""The fixed lists of an improvement project: its status, its measures' kinds, a cycle's
decision, and the IHI progress scale."""

from decimal import Decimal

from django.db import models


class Status(models.TextChoices):
    PLANNING = "planning", "Planning"
    TESTING = "testing", "Testing changes"
    IMPLEMENTING = "implementing", "Implementing"
    SUSTAINING = "sustaining", "Sustaining"
    FINISHED = "finished", "Finished"
    STOPPED = "stopped", "Stopped"


# Statuses in which a project is trying an idea out, and in which it has put the idea in place:
# what an idea page counts as "being tested" and "implemented".
TESTING_STATUSES = (Status.PLANNING, Status.TESTING)
IMPLEMENTED_STATUSES = (Status.IMPLEMENTING, Status.SUSTAINING, Status.FINISHED)


class MeasureKind(models.TextChoices):
    OUTCOME = "outcome", "Outcome measure"
    PROCESS = "process", "Process measure"
    BALANCING = "balancing", "Balancing measure"


class Act(models.TextChoices):
    PENDING = "", "Not decided yet"
    ADOPT = "adopt", "Adopt"
    ADAPT = "adapt", "Adapt"
    ABANDON = "abandon", "Abandon"


# The Institute for Healthcare Improvement's progress scale for improvement projects (1.0 to
# 5.0 in half steps): the scale's published names, each with our own one-line reading of it.
PROGRESS_SCALE = [
    (
        Decimal("1.0"),
        "Forming team",
        "The team has formed and is meeting; no work on the aim yet.",
    ),
    (
        Decimal("1.5"),
        "Planning for the project has begun",
        "The aim, measures and first changes are being planned.",
    ),
    (
        Decimal("2.0"),
        "Activity, but no changes",
        "Baseline data is collected; no change has been tested yet.",
    ),
    (
        Decimal("2.5"),
        "Changes tested, but no improvement",
        "PDSA cycles are running; the measures have not moved.",
    ),
    (
        Decimal("3.0"),
        "Modest improvement",
        "Some measures show early improvement.",
    ),
    (
        Decimal("3.5"),
        "Improvement",
        "The process measures improve and the outcome measures begin to.",
    ),
    (
        Decimal("4.0"),
        "Significant improvement",
        "Most measures improve; the changes are being put in place.",
    ),
    (
        Decimal("4.5"),
        "Sustainable improvement",
        "The outcome measures have held their improvement for months.",
    ),
    (
        Decimal("5.0"),
        "Outstanding sustainable results",
        "The aim is met and held; the changes are spreading.",
    ),
]
PROGRESS_CHOICES = [(score, f"{score} {name}") for score, name, _ in PROGRESS_SCALE]
PROGRESS_NAMES = {score: name for score, name, _ in PROGRESS_SCALE}
PROGRESS_MEANINGS = {score: meaning for score, _, meaning in PROGRESS_SCALE}
