"""Controlled vocabularies, edited by national editors as Wagtail snippets.

Every term has a stable slug (used in URLs, import files and the search API), a name, a short
description and the synonyms and abbreviations clinicians type for it.
"""

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.search import index


class Term(index.Indexed, models.Model):
    slug = models.SlugField(
        max_length=80,
        unique=True,
        help_text="Stable identifier used in web addresses, imports and the API. Do not change "
        "it once published.",
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    synonyms = models.TextField(
        blank=True,
        help_text="Abbreviations and other words people use for this, separated by commas "
        "(for example: A&E, ED, emergency department). Search treats them as the same.",
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("description"),
        FieldPanel("synonyms"),
    ]
    search_fields = [
        index.SearchField("name"),
        index.SearchField("synonyms"),
        index.AutocompleteField("name"),
    ]

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def synonym_list(self):
        return [word.strip() for word in self.synonyms.split(",") if word.strip()]


class Pathway(Term):
    """A care pathway, such as urgent and emergency care or cancer."""

    class Meta(Term.Meta):
        verbose_name = "pathway"


class ImprovementMethod(Term):
    """A quality improvement method, such as the Model for Improvement (PDSA) or Lean."""

    class Meta(Term.Meta):
        verbose_name = "improvement method"


class ContentKind(Term):
    """A kind of content, used as a search facet (improvement guide, case study...)."""

    class Meta(Term.Meta):
        verbose_name = "content type"


class Region(Term):
    """An NHS England region."""

    class Meta(Term.Meta):
        verbose_name = "region"


class Specialty(Term):
    """A clinical specialty in the Getting It Right First Time (GIRFT) programme."""

    class Meta(Term.Meta):
        verbose_name = "specialty"
        verbose_name_plural = "specialties"


class WasteType(Term):
    """One of Lean's eight wastes, used to file frontline ideas."""

    class Meta(Term.Meta):
        verbose_name = "waste type"


class Organisation(index.Indexed, models.Model):
    """An NHS organisation: a trust, ICB, practice or other provider.

    `kind`, `region` and `size_band` place it among its peers ("trusts like mine": same type,
    and same region or same size band, see `kb.variation.queries.peers`). The size band is
    computed from the variation data after each import, never typed in; the stored value
    "trust" is an acute trust (the label changed, the value did not, so older content reads
    the same).
    """

    class Kind(models.TextChoices):
        TRUST = "trust", "Acute trust"
        ICB = "icb", "Integrated care board"
        PRACTICE = "practice", "GP practice"
        PCN = "primary-care-network", "Primary care network"
        COMMUNITY = "community-provider", "Community provider"
        MENTAL_HEALTH = "mental-health-trust", "Mental health trust"
        AMBULANCE = "ambulance-trust", "Ambulance trust"
        OTHER = "other", "Other"

    class SizeBand(models.TextChoices):
        SMALL = "small", "Small"
        MEDIUM = "medium", "Medium"
        LARGE = "large", "Large"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    kind = models.CharField("type", max_length=30, choices=Kind.choices, default=Kind.TRUST)
    ods_code = models.CharField(
        "ODS code",
        max_length=10,
        blank=True,
        help_text="Organisation Data Service code, where known (for example RXW).",
        # Indexed, not unique: data files are matched on it, but stored vocabularies may hold
        # the same code twice (a merger) and the variation import names that as an error.
        db_index=True,
    )
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="organisations"
    )
    size_band = models.CharField(
        max_length=10,
        choices=SizeBand.choices,
        blank=True,
        editable=False,
        help_text="Small, medium or large among organisations of the same type, computed from "
        "the size metric (KB_VARIATION_SIZE_METRIC) after each variation data import.",
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("kind"),
        FieldPanel("ods_code"),
        FieldPanel("region"),
    ]
    search_fields = [
        index.SearchField("name"),
        index.SearchField("ods_code"),
        index.AutocompleteField("name"),
    ]

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        self.ods_code = self.ods_code.strip().upper()
        if self.ods_code and not self.ods_code.isalnum():
            raise ValidationError({"ods_code": "An ODS code has only letters and numbers."})


def vocabularies():
    """Every controlled vocabulary (each model built on Term): what synonyms are read from and
    what search and the page cache watch for edits. A new vocabulary joins by being a Term."""
    return [
        model for model in apps.get_app_config("taxonomy").get_models() if issubclass(model, Term)
    ]
