"""Choices ideas are filed by, apart from the models so forms share them."""

from django.db import models


class Stage(models.TextChoices):
    IDEA = "idea", "An idea, not tried yet"
    TESTED = "tested", "Tested on a small scale"
    IMPLEMENTED = "implemented", "Implemented and in use"
