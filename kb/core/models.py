"""The home page and the fields every knowledge page shares.

`KnowledgePage` is the abstract base of guides, GIRFT standards, blueprints and case studies:
summary, pathways, methods, specialties, publication date, owner and review dates. Keeping them
in one place means the listing pages, the freshness report and search treat every kind alike.
"""

import datetime

from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.text import slugify
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from kb.taxonomy.models import Pathway

from .blocks import BodyBlock, markdown_in_stream, section_heading_ids, stream_text
from .markdown import markdown_key, markdown_problem, markdown_to_text, render_stored_markdown

REVIEW_SOON_DAYS = 30


def default_next_review():
    return timezone.localdate() + datetime.timedelta(days=365)


def rendered_markdown_field():
    """`rendered_markdown` of a knowledge page type: its Markdown rendered when it was saved,
    {markdown_key(text): sanitised HTML}, which templates serve instead of rendering on every
    request. Declared on each concrete type (not on KnowledgePage, so that adding it to a type
    is that app's migration); left out of revisions, it is rebuilt on every save."""
    return models.JSONField(default=dict, blank=True, editable=False, serialize=False)


class KnowledgePage(Page):
    """Fields and behaviour shared by every kind of guidance and case study."""

    # Slug of the ContentKind vocabulary term this page type is filed under (search facet).
    content_kind = ""
    # The home page's context name for the latest pages of this type ("" if not listed there),
    # and what their cards need beyond the page itself.
    home_listing = ""
    home_listing_related = ()
    # Where a batch import writes this type: pages that others refer to come first (GIRFT
    # standards before the blueprints and guides citing them).
    import_order = 100
    # (field name, heading) of the Markdown sections this type has, in reading order. Markdown
    # import fills them from `## heading` sections; pages list them as contents.
    section_fields = ()

    summary = models.TextField(
        max_length=600,
        help_text="One or two sentences shown in listings and search results.",
    )
    pathways = ParentalManyToManyField("taxonomy.Pathway", blank=True, related_name="+")
    methods = ParentalManyToManyField(
        "taxonomy.ImprovementMethod", blank=True, related_name="+", verbose_name="methods"
    )
    specialties = ParentalManyToManyField("taxonomy.Specialty", blank=True, related_name="+")
    publication_date = models.DateField(default=timezone.localdate)
    content_owner = models.CharField(
        "owner",
        max_length=200,
        blank=True,
        help_text="The team or person responsible for this page.",
    )
    owner_email = models.EmailField(
        blank=True, help_text="Review reminders are sent here. Not shown to readers."
    )
    last_reviewed = models.DateField(null=True, blank=True)
    next_review = models.DateField("next review date", default=default_next_review)
    body = StreamField(BodyBlock(), blank=True, use_json_field=True)
    # SHA-256 of the Markdown file this page was last imported from, so that importing the same
    # file again changes nothing.
    import_hash = models.CharField(max_length=64, blank=True, editable=False)

    classification_panels = [
        FieldPanel("pathways", widget=forms.CheckboxSelectMultiple),
        FieldPanel("methods", widget=forms.CheckboxSelectMultiple),
        FieldPanel("specialties"),
    ]
    ownership_panels = [
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("content_owner"), FieldPanel("owner_email")]),
                FieldRowPanel(
                    [
                        FieldPanel("publication_date"),
                        FieldPanel("last_reviewed"),
                        FieldPanel("next_review"),
                    ]
                ),
            ],
            heading="Ownership and review",
        )
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary", boost=3),
        index.SearchField("body"),
        index.SearchField("sections_text"),
        index.SearchField("content_owner"),
        index.RelatedFields("pathways", [index.SearchField("name"), index.FilterField("slug")]),
        index.RelatedFields("methods", [index.SearchField("name"), index.FilterField("slug")]),
        index.RelatedFields("specialties", [index.SearchField("name")]),
        index.FilterField("publication_date"),
        index.FilterField("next_review"),
    ]

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        if self.last_reviewed and self.next_review and self.next_review < self.last_reviewed:
            raise ValidationError(
                {"next_review": "The next review date must be after the last review."}
            )
        _, errors = self.render_markdown_for_storage()
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        """Render the page's Markdown once, here, for templates to serve (see
        `rendered_markdown_field`). Publishing a revision saves the page rebuilt from it, so
        the live page always carries the HTML of its own text."""
        if self.stores_rendered_markdown():
            update_fields = kwargs.get("update_fields")
            if update_fields is None or not self.markdown_field_names().isdisjoint(update_fields):
                self.rendered_markdown, _ = self.render_markdown_for_storage()
                if update_fields is not None:
                    kwargs["update_fields"] = {*update_fields, "rendered_markdown"}
        super().save(*args, **kwargs)

    @classmethod
    def stores_rendered_markdown(cls):
        return any(field.name == "rendered_markdown" for field in cls._meta.concrete_fields)

    @classmethod
    def markdown_field_names(cls):
        """Fields that hold Markdown: the Markdown sections and the StreamFields."""
        streams = {f.name for f in cls._meta.concrete_fields if isinstance(f, StreamField)}
        return {name for name, _ in cls.section_fields} | streams

    def markdown_sources(self):
        """(field name, Markdown) for every Markdown text on the page, in reading order."""
        sources = [(name, getattr(self, name) or "") for name, _ in self.section_fields]
        for field in self._meta.concrete_fields:
            if isinstance(field, StreamField):
                stream = field.value_from_object(self)
                sources += [(field.name, text) for text in markdown_in_stream(stream)]
        return [(name, str(text)) for name, text in sources if text]

    def render_markdown_for_storage(self):
        """({markdown_key: HTML} to store, {field: message} for text the page may not save).

        Heading ids are unique on the page, and clear of the section blocks' ids. Validation
        and save() both ask: the second time, while the text is the same, costs nothing.
        """
        sources = self.markdown_sources()
        reserved = [
            heading_id
            for field in self._meta.concrete_fields
            if isinstance(field, StreamField)
            for heading_id in section_heading_ids(field.value_from_object(self))
        ]
        fingerprint = ([markdown_key(text) for _, text in sources], reserved)
        remembered = getattr(self, "_rendered_markdown_for", None)
        if remembered and remembered[0] == fingerprint:
            return remembered[1], remembered[2]
        stored, problems = render_stored_markdown([text for _, text in sources], reserved)
        errors = {}
        for (name, text), key in zip(sources, fingerprint[0], strict=True):
            message = markdown_problem(text, problems.get(key, ""))
            if message and name not in errors:
                if name not in dict(self.section_fields):
                    message = f"A Markdown block starting “{text.strip()[:40]}”: {message}"
                errors[name] = message
        self._rendered_markdown_for = (fingerprint, stored, errors)
        return stored, errors

    @classmethod
    def latest_for_home_page(cls, count=3):
        return (
            cls.objects.live()
            .public()
            .select_related(*cls.home_listing_related)
            .order_by("-publication_date")[:count]
        )

    @property
    def review_status(self):
        """'overdue', 'due-soon' or 'current', for readers and the freshness report."""
        today = timezone.localdate()
        if self.next_review < today:
            return "overdue"
        if self.next_review <= today + datetime.timedelta(days=REVIEW_SOON_DAYS):
            return "due-soon"
        return "current"

    @property
    def reviewed_on(self):
        return self.last_reviewed or self.publication_date

    @property
    def body_text(self):
        return stream_text(self.body)

    def contents(self):
        """(anchor, heading) pairs for the on-page contents list of long pages."""
        return [(anchor, heading) for anchor, heading, _ in self.sections() if heading]

    def sections(self):
        """(anchor, heading, markdown) for each of this type's sections that has content."""
        return [
            (slugify(heading), heading, getattr(self, field))
            for field, heading in self.section_fields
            if getattr(self, field)
        ]

    @property
    def sections_text(self):
        """Plain text of the Markdown sections, for the search index."""
        return " ".join(markdown_to_text(getattr(self, f)) for f, _ in self.section_fields)


def knowledge_page_models():
    """Every concrete page type built on KnowledgePage: guidance, case studies and ideas."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, KnowledgePage) and not model._meta.abstract
    ]


class HomePage(Page):
    """The front door: leads to guidance, case studies, search and sharing an idea."""

    intro = models.TextField(
        blank=True,
        default="National guidance and peer learning for NHS service improvement: what good "
        "looks like, and who has already solved your problem.",
    )

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        # The page types say whether the front door lists them (`home_listing`): the home page
        # knows no content app, so a new type shows here by declaring it.
        context = super().get_context(request, *args, **kwargs)
        for model in knowledge_page_models():
            if model.home_listing:
                context[model.home_listing] = model.latest_for_home_page()
        context["pathways"] = Pathway.objects.all()
        return context


HomePage.subpage_types = [
    "guides.GuidanceIndexPage",
    "cases.CaseStudyIndexPage",
    "ideas.IdeaIndexPage",
]
