"""Metrics and their values per organisation and period: what the funnel plots are drawn from.

A `Metric` is edited as a snippet (its definition, source and licence, and the pathways, GIRFT
standards and guides that address it); its values arrive only through the importer
(`kb.variation.importer`: the `import_metric_data` command and the admin upload), which keeps
the rules in one place. Organisations are the vocabulary's (`kb.taxonomy.models.Organisation`).
"""

from django import forms
from django.db import models
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.search import index

from kb.guides.models import GirftStandardPage, ImprovementGuidePage
from kb.taxonomy.models import Organisation, Pathway

from .periods import KINDS


class Metric(index.Indexed, models.Model):
    """One measure compared across organisations, such as "A&E patients seen within 4 hours"."""

    class DataType(models.TextChoices):
        PROPORTION = "proportion", "Proportion (numerator out of denominator)"
        RATE = "rate", "Rate per N (events per N of the denominator)"
        RATIO = "standardised-ratio", "Standardised ratio (observed / expected)"

    class Direction(models.TextChoices):
        HIGHER = "higher", "Higher is better"
        LOWER = "lower", "Lower is better"

    name = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=80,
        unique=True,
        help_text="The `metric` column of data files. Do not change it once data is loaded.",
    )
    numerator_definition = models.TextField(
        "numerator", blank=True, help_text="What is counted, in words."
    )
    denominator_definition = models.TextField(
        "denominator",
        blank=True,
        help_text="What it is counted out of, in words (for a standardised ratio: the expected "
        "count and how it is modelled).",
    )
    data_type = models.CharField(max_length=20, choices=DataType.choices)
    unit = models.CharField(
        max_length=40,
        blank=True,
        help_text='Shown after values: "%" for a percentage (values are then x 100), '
        '"per 1,000 admissions" for a rate, blank for a ratio.',
    )
    per = models.PositiveIntegerField(
        "rate per",
        default=1000,
        help_text="For a rate: events per this many of the denominator (1000 for per 1,000).",
    )
    direction = models.CharField(
        "better", max_length=10, choices=Direction.choices, default=Direction.HIGHER
    )
    source = models.CharField(max_length=300, blank=True, help_text="Who publishes the data.")
    source_url = models.URLField("source web address", max_length=500, blank=True)
    licence = models.CharField(max_length=200, blank=True, default="Open Government Licence v3.0")
    period_kind = models.CharField(
        max_length=10,
        choices=[(kind, kind.title()) for kind in KINDS],
        blank=True,
        editable=False,
        help_text="Month, quarter or year: set by the first data loaded; all its data share it.",
    )
    pathways = models.ManyToManyField(Pathway, blank=True, related_name="metrics")
    standards = models.ManyToManyField(
        GirftStandardPage, blank=True, related_name="metrics", verbose_name="GIRFT standards"
    )
    guides = models.ManyToManyField(
        ImprovementGuidePage,
        blank=True,
        related_name="metrics",
        verbose_name="improvement guides",
    )
    updated_at = models.DateTimeField(auto_now=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        MultiFieldPanel(
            [
                FieldPanel("numerator_definition"),
                FieldPanel("denominator_definition"),
                FieldPanel("data_type"),
                FieldPanel("unit"),
                FieldPanel("per"),
                FieldPanel("direction"),
            ],
            heading="Definition",
        ),
        MultiFieldPanel(
            [FieldPanel("source"), FieldPanel("source_url"), FieldPanel("licence")],
            heading="Source",
        ),
        FieldPanel("pathways", widget=forms.CheckboxSelectMultiple),
        FieldPanel("standards"),
        FieldPanel("guides"),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def multiplier(self):
        """What a numerator / denominator is multiplied by to read as the metric displays it:
        100 for a proportion shown in %, the "per N" of a rate, 1 otherwise."""
        if self.data_type == self.DataType.PROPORTION:
            return 100 if self.unit.strip() == "%" else 1
        if self.data_type == self.DataType.RATE:
            return self.per or 1
        return 1

    @property
    def higher_is_better(self):
        return self.direction == self.Direction.HIGHER


class MetricValue(models.Model):
    """One organisation's numerator and denominator of one metric in one period.

    Written in bulk by the importer (no per-row saves, no signals). For a standardised ratio the
    denominator is the expected count. 0 / 0 is stored (no activity that period) and left out of
    funnels and series, as `kb.variation.funnel` leaves it out.
    """

    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="values")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="metric_values"
    )
    period = models.CharField(max_length=7, help_text="2025-04, 2025-Q2 or 2025.")
    period_kind = models.CharField(max_length=10, choices=[(kind, kind) for kind in KINDS])
    period_start = models.DateField()
    numerator = models.FloatField()
    denominator = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "organisation", "period"], name="variation_value_unique"
            )
        ]
        indexes = [
            # A metric's periods newest first, and one period's values (the funnel).
            models.Index(fields=["metric", "period_start", "period"], name="variation_value_period")
        ]

    def __str__(self):
        return f"{self.metric_id} {self.organisation_id} {self.period}"
