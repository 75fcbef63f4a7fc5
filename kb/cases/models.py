"""Peer case studies: what a trust or practice changed, how, and the measured result."""

from decimal import Decimal

from django import forms
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Prefetch
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.models import Orderable, Page
from wagtail.search import index

from kb.core.api_fields import DocumentsField, PageLinksField, RowsField, TermField
from kb.core.models import KnowledgePage, RoutedPageMixin, rendered_markdown_field
from kb.measurement.records import SeriesField
from kb.measurement.series import MeasureSeriesBase, series_signal

from .choices import EVIDENCE_MEANINGS, EvidenceStrength
from .filters import CaseStudyFilterForm


class CaseStudyIndexPage(RoutedPageMixin, Page):
    """The case study library, filterable by pathway, method, region and evidence."""

    intro = models.TextField(blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["core.HomePage"]
    subpage_types = ["cases.CaseStudyPage"]
    max_count = 1
    page_size = 12

    def get_context(self, request, *args, **kwargs):
        from kb.taxonomy.models import ImprovementMethod, Pathway, Region

        context = super().get_context(request, *args, **kwargs)
        cases = (
            self.public_related(CaseStudyPage.objects.child_of(self).live())
            .select_related("organisation", "region")
            .prefetch_related("pathways", "methods", Prefetch("series", _series_for_cards()))
            .order_by("-publication_date", "title")
        )
        form = CaseStudyFilterForm(request.GET or None)
        form.count_options(CaseStudyPage.objects.filter(pk__in=cases.values("pk")))
        if form.is_valid():
            cases = form.filter(cases)
        paginator = Paginator(cases, self.page_size)
        page = paginator.get_page(request.GET.get("page"))
        context.update(
            filter_form=form,
            cases=page,
            paginator=paginator,
            pathways=Pathway.objects.all(),
            methods=ImprovementMethod.objects.all(),
            regions=Region.objects.all(),
            querystring=_querystring_without_page(request),
        )
        return context


def _series_for_cards():
    """A card shows each case study's stored signal: its series' points and chart are not
    needed."""
    return CaseStudySeries.objects.defer("points", "stored_chart")


def _querystring_without_page(request):
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


class CaseStudyPage(KnowledgePage):
    """What a team changed, how, and the measured result, with the strength of its evidence."""

    content_kind = "case-study"
    schema_type = "Article"
    import_order = 1
    home_listing = "latest_cases"
    home_listing_related = ("organisation", "region")
    serve_select_related = ("organisation", "region")
    classification_fields = (*KnowledgePage.classification_fields, "also_adopted_by")
    linked_page_fields = (("cited_by_guides", "path"),)
    # The contact's email is on the page for people; the API leaves it out, for harvesters.
    api_extra_fields = (
        APIField("organisation", TermField()),
        APIField("region", TermField()),
        APIField("evidence_strength"),
        APIField("contact_name"),
        APIField(
            "results",
            RowsField(
                (
                    "name",
                    "unit",
                    "baseline",
                    "result",
                    "change",
                    "improved",
                    "period",
                    "higher_is_better",
                ),
                source="measures",
            ),
        ),  # fmt: skip
        APIField("measure_series", SeriesField(source="series")),
        APIField("attachments", DocumentsField()),
        APIField("cited_by_guides", PageLinksField()),
    )
    section_fields = (
        ("problem", "The problem"),
        ("what_we_did", "What the team did"),
        ("what_did_not_work", "What did not work"),
        ("lessons", "Lessons"),
        ("costs_and_resources", "Costs and resources"),
    )

    organisation = models.ForeignKey(
        "taxonomy.Organisation", on_delete=models.PROTECT, related_name="case_studies"
    )
    region = models.ForeignKey(
        "taxonomy.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case_studies",
        help_text="Defaults to the organisation's region.",
    )
    problem = models.TextField("the problem", blank=True, help_text="Markdown.")
    what_we_did = models.TextField("what the team did", blank=True, help_text="Markdown.")
    what_did_not_work = models.TextField(blank=True, help_text="Markdown.")
    lessons = models.TextField(blank=True, help_text="Markdown.")
    costs_and_resources = models.TextField(blank=True, help_text="Markdown.")
    evidence_strength = models.CharField(
        max_length=30, choices=EvidenceStrength.choices, default=EvidenceStrength.BEFORE_AND_AFTER
    )
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    also_adopted_by = ParentalManyToManyField(
        "taxonomy.Organisation", blank=True, related_name="adopted_case_studies"
    )
    rendered_markdown = rendered_markdown_field()

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("organisation"), FieldPanel("region")]),
        FieldPanel("problem"),
        FieldPanel("what_we_did"),
        InlinePanel("measures", heading="Measured results", label="Measure"),
        InlinePanel(
            "series",
            heading="Measures over time (run and SPC charts)",
            label="Series",
            help_text="Data points over time, shown as an XmR chart (15 points or more) or a "
            "run chart, following NHS England's Making Data Count rules.",
        ),
        FieldPanel("evidence_strength", widget=forms.RadioSelect),
        FieldPanel("what_did_not_work"),
        FieldPanel("lessons"),
        FieldPanel("costs_and_resources"),
        FieldPanel("body"),
        InlinePanel("attachments", heading="Attachments", label="Attachment"),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("contact_name"), FieldPanel("contact_email")])],
            heading="Contact the team",
        ),
        FieldPanel("also_adopted_by"),
        MultiFieldPanel(KnowledgePage.classification_panels, heading="Classification"),
        *KnowledgePage.ownership_panels,
    ]
    search_fields = KnowledgePage.search_fields + [
        index.RelatedFields(
            "organisation", [index.SearchField("name", boost=2), index.SearchField("ods_code")]
        ),
        index.RelatedFields("region", [index.SearchField("name"), index.FilterField("slug")]),
        index.RelatedFields("measures", [index.SearchField("name"), index.SearchField("period")]),
        index.FilterField("evidence_strength"),
    ]
    parent_page_types = ["cases.CaseStudyIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = "case study"
        verbose_name_plural = "case studies"

    def save(self, *args, **kwargs):
        if self.region_id is None and self.organisation_id is not None:
            self.region_id = self.organisation.region_id
        super().save(*args, **kwargs)

    def schema_author(self):
        """The team's organisation wrote the case study (read with the page when served)."""
        author = {"@type": "Organization", "name": self.organisation.name}
        if self.organisation.ods_code:
            author["identifier"] = self.organisation.ods_code
        return author

    @property
    def signal(self):
        """'improvement' when a chart shows improvement, 'none' when the charts show no such
        signal yet, '' when the case study has no measures over time (read from each series'
        stored analysis)."""
        return series_signal(self.series.all())

    @classmethod
    def latest_for_home_page(cls, count=3):
        series = Prefetch("series", _series_for_cards())
        return super().latest_for_home_page(count).prefetch_related(series)

    def shown_attachments(self):
        return self.attachments.select_related("document")

    def citing_guides(self):
        """The published guides that cite this case study, as readers may see them (in tree
        order, as `cited_by_guides.live().public()` gives them)."""
        return self.linked_pages["cited_by_guides"]

    @property
    def evidence_meaning(self):
        return EVIDENCE_MEANINGS.get(self.evidence_strength, "")

    @property
    def evidence_levels(self):
        """Every level with its meaning, the page's own marked: readers see the whole scale."""
        return [
            {
                "value": value,
                "label": label,
                "meaning": EVIDENCE_MEANINGS[value],
                "current": value == self.evidence_strength,
            }
            for value, label in EvidenceStrength.choices
        ]


class CaseStudyMeasure(Orderable):
    """One measured result: a measure's value before and after the change."""

    page = ParentalKey(CaseStudyPage, on_delete=models.CASCADE, related_name="measures")
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=40, blank=True, help_text='For example "%", "minutes".')
    baseline = models.DecimalField(max_digits=14, decimal_places=2)
    result = models.DecimalField(max_digits=14, decimal_places=2)
    period = models.CharField(
        max_length=120, blank=True, help_text="For example Dec 2024 to Dec 2025."
    )
    higher_is_better = models.BooleanField(
        default=True, help_text="Untick where a fall is the improvement (waiting times, say)."
    )

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("unit")]),
        FieldRowPanel([FieldPanel("baseline"), FieldPanel("result"), FieldPanel("period")]),
        FieldPanel("higher_is_better"),
    ]

    def __str__(self):
        return self.name

    @property
    def change(self):
        return self.result - self.baseline

    @property
    def improved(self):
        if self.change == 0:
            return None
        return (self.change > 0) == self.higher_is_better

    def display(self, value):
        value = value.normalize() if isinstance(value, Decimal) else value
        text = f"{value:f}" if isinstance(value, Decimal) else str(value)
        if self.unit == "%":
            return f"{text}%"
        return f"{text} {self.unit}".strip()

    @property
    def baseline_display(self):
        return self.display(self.baseline)

    @property
    def result_display(self):
        return self.display(self.result)

    @property
    def change_display(self):
        change = self.change.normalize()
        sign = "+" if change > 0 else ""
        unit = " percentage points" if self.unit == "%" else (f" {self.unit}" if self.unit else "")
        return f"{sign}{change:f}{unit}"


class CaseStudyAttachment(Orderable):
    page = ParentalKey(CaseStudyPage, on_delete=models.CASCADE, related_name="attachments")
    document = models.ForeignKey("wagtaildocs.Document", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200, blank=True)

    panels = [FieldPanel("document"), FieldPanel("title")]

    @property
    def display_title(self):
        return self.title or self.document.title


class CaseStudySeries(Orderable, MeasureSeriesBase):
    """A measure over time on a case study, drawn as an XmR or run chart."""

    page = ParentalKey(CaseStudyPage, on_delete=models.CASCADE, related_name="series")

    panels = MeasureSeriesBase.panels

    class Meta(Orderable.Meta):
        verbose_name = "measure over time"
        verbose_name_plural = "measures over time"
