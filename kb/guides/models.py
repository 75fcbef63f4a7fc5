"""National guidance page types: improvement guides, GIRFT standards and blueprints."""

from django import forms
from django.db import models
from modelcluster.fields import ParentalManyToManyField
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.images.blocks import ImageChooserBlock
from wagtail.models import Page
from wagtail.search import index

from kb.core.api_fields import PageLinksField, TermField
from kb.core.blocks import MarkdownBlock
from kb.core.models import KnowledgePage, RoutedPageMixin, rendered_markdown_field


def markdown_field(label, help_text=""):
    return models.TextField(label, blank=True, help_text=help_text or "Markdown.")


class FollowedByProjectsMixin:
    """Guides and standards that improvement projects follow (the projects app's
    `followed_by_projects` relation, to a layer above this one: read by name)."""

    def following_projects(self):
        projects = getattr(self, "followed_by_projects", None)
        if projects is None or self.pk is None:
            return []
        shared = projects.live().select_related("organisation").order_by("title")
        return list(self.public_related(shared))


class GuidanceIndexPage(RoutedPageMixin, Page):
    """The guidance library: lists improvement guides, GIRFT standards and blueprints."""

    intro = models.TextField(blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["core.HomePage"]
    subpage_types = [
        "guides.ImprovementGuidePage",
        "guides.GirftStandardPage",
        "guides.BlueprintPage",
    ]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        children = self.public_related(self.get_children().live())
        guides = self.public_related(ImprovementGuidePage.objects.child_of(self).live())
        blueprints = self.public_related(BlueprintPage.objects.child_of(self).live())
        context["guides"] = guides.order_by("title")
        context["blueprints"] = blueprints.order_by("title")
        context["standards"] = (
            self.public_related(GirftStandardPage.objects.child_of(self).live())
            .select_related("specialty")
            .order_by("specialty__name", "reference")
        )
        context["has_children"] = children.exists()
        return context


class ImprovementGuidePage(FollowedByProjectsMixin, KnowledgePage):
    """National guidance on one improvement topic: what good looks like, the measures to watch,
    the changes to test and where to find more."""

    content_kind = "improvement-guide"
    schema_type = "Article"
    import_order = 3
    home_listing = "latest_guides"
    api_extra_fields = (
        APIField("related_standards", PageLinksField()),
        APIField("related_cases", PageLinksField()),
    )
    section_fields = (
        ("what_good_looks_like", "What good looks like"),
        ("measures", "Measures"),
        ("changes_to_test", "Changes to test"),
        ("resources", "Resources"),
    )

    what_good_looks_like = markdown_field("what good looks like")
    measures = markdown_field("measures", "Markdown. The measures that show whether it is working.")
    changes_to_test = markdown_field(
        "changes to test", "Markdown. Changes teams can test with PDSA cycles."
    )
    resources = markdown_field("resources")
    related_standards = ParentalManyToManyField(
        "guides.GirftStandardPage", blank=True, related_name="cited_by_guides"
    )
    related_cases = ParentalManyToManyField(
        "cases.CaseStudyPage", blank=True, related_name="cited_by_guides"
    )
    rendered_markdown = rendered_markdown_field()

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("what_good_looks_like"),
        FieldPanel("measures"),
        FieldPanel("changes_to_test"),
        FieldPanel("resources"),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("related_standards", widget=forms.CheckboxSelectMultiple),
                FieldPanel("related_cases", widget=forms.CheckboxSelectMultiple),
            ],
            heading="Related content",
        ),
        MultiFieldPanel(KnowledgePage.classification_panels, heading="Classification"),
        *KnowledgePage.ownership_panels,
    ]
    parent_page_types = ["guides.GuidanceIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = "improvement guide"

    def shown_related_standards(self):
        return self.public_related(self.related_standards.live())

    def shown_related_cases(self):
        return self.public_related(self.related_cases.live()).select_related("organisation")


class GirftStandardPage(FollowedByProjectsMixin, KnowledgePage):
    """A clinically led standard from the Getting It Right First Time programme."""

    content_kind = "girft-standard"
    schema_type = "Article"
    serve_select_related = ("specialty",)
    linked_page_fields = (("embodied_in_blueprints", "title"), ("cited_by_guides", "title"))
    import_order = 0
    api_extra_fields = (
        APIField("specialty", TermField()),
        APIField("reference"),
        APIField("standard"),
        APIField("source_report"),
        APIField("source_url"),
        APIField("cited_by_guides", PageLinksField()),
        APIField("embodied_in_blueprints", PageLinksField()),
    )
    section_fields = (
        ("rationale", "Rationale"),
        ("how_measured", "How it is measured"),
        ("evidence", "Evidence"),
    )

    specialty = models.ForeignKey(
        "taxonomy.Specialty", on_delete=models.PROTECT, related_name="standards"
    )
    reference = models.CharField(
        max_length=40, unique=True, help_text="Reference code, for example GIRFT-EM-01."
    )
    standard = models.TextField("the standard", max_length=1000)
    rationale = markdown_field("rationale")
    how_measured = markdown_field("how it is measured")
    evidence = markdown_field("evidence")
    source_report = models.CharField(max_length=255, blank=True)
    source_url = models.URLField("source report link", blank=True)
    rendered_markdown = rendered_markdown_field()

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("specialty"),
        FieldPanel("reference"),
        FieldPanel("standard"),
        FieldPanel("rationale"),
        FieldPanel("how_measured"),
        FieldPanel("evidence"),
        FieldPanel("body"),
        MultiFieldPanel([FieldPanel("source_report"), FieldPanel("source_url")], heading="Source"),
        MultiFieldPanel(KnowledgePage.classification_panels, heading="Classification"),
        *KnowledgePage.ownership_panels,
    ]
    search_fields = KnowledgePage.search_fields + [
        index.SearchField("reference", boost=2),
        index.SearchField("standard", boost=2),
        index.SearchField("source_report"),
        index.RelatedFields("specialty", [index.SearchField("name")]),
    ]
    parent_page_types = ["guides.GuidanceIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = "GIRFT standard"

    def citing_pages(self):
        """Published blueprints, then guides, that cite this standard, each by title."""
        return self.linked_pages["embodied_in_blueprints"] + self.linked_pages["cited_by_guides"]


class BlueprintComponentBlock(blocks.StructBlock):
    name = blocks.CharBlock(max_length=120)
    description = MarkdownBlock(rows=4)
    image = ImageChooserBlock(required=False)
    image_alt_text = blocks.CharBlock(required=False, max_length=250)

    class Meta:
        icon = "list-ul"
        template = "guides/blocks/blueprint_component.html"


class BlueprintPage(KnowledgePage):
    """A model service design, such as the Model Emergency Department: its components and the
    standards it embodies."""

    content_kind = "blueprint"
    schema_type = "Article"
    import_order = 2
    api_extra_fields = (APIField("components"), APIField("standards", PageLinksField()))

    components = StreamField(
        [("component", BlueprintComponentBlock())], blank=True, use_json_field=True
    )
    standards = ParentalManyToManyField(
        "guides.GirftStandardPage", blank=True, related_name="embodied_in_blueprints"
    )
    rendered_markdown = rendered_markdown_field()

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("components"),
        FieldPanel("standards", widget=forms.CheckboxSelectMultiple),
        MultiFieldPanel(KnowledgePage.classification_panels, heading="Classification"),
        *KnowledgePage.ownership_panels,
    ]
    search_fields = KnowledgePage.search_fields + [index.SearchField("components")]
    parent_page_types = ["guides.GuidanceIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = "blueprint"

    def shown_standards(self):
        return self.public_related(self.standards.live()).select_related("specialty")
