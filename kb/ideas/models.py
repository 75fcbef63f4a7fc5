"""Frontline ideas: the published idea pages, and the submissions moderators work through.

A submission (`IdeaSubmission`) is a plain model, never indexed or shown to the public; only an
accepted one becomes an `IdeaPage`, a knowledge page like guides and case studies, which search
picks up through its `content_kind`. Endorsements hang off the published page.
"""

from django import forms
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models.functions import Lower
from django.utils.cache import add_never_cache_headers
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.models import Orderable, Page
from wagtail.search import index

from kb.core.api_fields import TermField
from kb.core.models import HomePage, KnowledgePage, rendered_markdown_field
from kb.core.patient_data import FLAG_LABELS
from kb.measurement.records import SeriesField
from kb.measurement.series import MeasureSeriesBase, series_signal

from .choices import Stage
from .forms import endorsement_forms

# Django views live under /ideas/ next to the published idea pages (kb/ideas/urls.py), so an idea
# page may not take one of their slugs: it would never be reached.
RESERVED_SLUGS = frozenset({"submit", "submitted", "status", "similar", "endorse"})


class IdeaIndexPage(Page):
    """The ideas library: published frontline ideas, newest first, filterable by waste."""

    intro = models.TextField(blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["core.HomePage"]
    subpage_types = ["ideas.IdeaPage"]
    max_count = 1
    page_size = 12

    @classmethod
    def ensure(cls, home=None):
        """The ideas index, created under the home page if the site has none yet (a site set
        up before ideas existed gets it when the first idea is accepted)."""
        index = cls.objects.first()
        if index is None:
            home = home or HomePage.objects.first()
            if home is None:
                raise RuntimeError("The site has no home page: run load_demo_content first.")
            index = cls(
                title="Ideas",
                slug="ideas",
                show_in_menus=True,
                intro="Ideas from frontline staff to cut waste and improve care. Back the ones "
                "you support, tell us if you have adopted one, or share your own.",
            )
            home.add_child(instance=index)
            index.save_revision().publish()
        return index

    def get_context(self, request, *args, **kwargs):
        from kb.taxonomy.models import WasteType

        context = super().get_context(request, *args, **kwargs)
        ideas = (
            IdeaPage.objects.child_of(self)
            .live()
            .public()
            .select_related("waste_type", "organisation", "region")
            .order_by("-first_published_at", "title")
        )
        wastes = list(WasteType.objects.all())
        # How many published ideas each kind of waste has, shown beside it (as search counts).
        counts = dict(
            ideas.order_by().values_list("waste_type_id").annotate(count=models.Count("pk"))
        )
        for kind in wastes:
            kind.idea_count = counts.get(kind.pk, 0)
        waste = next((w for w in wastes if w.slug == request.GET.get("waste")), None)
        if waste is not None:
            ideas = ideas.filter(waste_type=waste)
        paginator = Paginator(ideas, self.page_size)
        context.update(
            ideas=paginator.get_page(request.GET.get("page")),
            paginator=paginator,
            wastes=wastes,
            selected_waste=waste,
        )
        return context


class IdeaPage(KnowledgePage):
    """A published frontline idea: the waste seen, the change proposed, and who backs it."""

    content_kind = "idea"
    serve_select_related = ("waste_type", "organisation", "region")
    # Followers hear when a published idea moves stage (kb.following).
    notify_on_change = ("stage",)
    import_order = 4
    # Who sent the idea stays with its submission (IdeaSubmission): never in the API.
    api_extra_fields = (
        APIField("waste_type", TermField()),
        APIField("organisation", TermField()),
        APIField("region", TermField()),
        APIField("stage"),
        APIField("estimated_saving_hours"),
        APIField("estimated_saving_money"),
        APIField("measure_series", SeriesField(source="series")),
    )
    section_fields = (
        ("problem", "The problem"),
        ("proposal", "The idea"),
    )

    rendered_markdown = rendered_markdown_field()
    problem = models.TextField(
        "the problem", blank=True, help_text="Markdown. The waste the team sees."
    )
    proposal = models.TextField("the idea", blank=True, help_text="Markdown. The change.")
    waste_type = models.ForeignKey(
        "taxonomy.WasteType", on_delete=models.PROTECT, related_name="ideas"
    )
    organisation = models.ForeignKey(
        "taxonomy.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ideas",
    )
    region = models.ForeignKey(
        "taxonomy.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ideas",
        help_text="Defaults to the organisation's region.",
    )
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.IDEA)
    estimated_saving_hours = models.PositiveIntegerField(
        "estimated staff hours saved a year", null=True, blank=True
    )
    estimated_saving_money = models.PositiveIntegerField(
        "estimated money saved a year (£)", null=True, blank=True
    )
    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("waste_type"), FieldPanel("stage")]),
        FieldRowPanel([FieldPanel("organisation"), FieldPanel("region")]),
        FieldPanel("problem"),
        FieldPanel("proposal"),
        FieldRowPanel([FieldPanel("estimated_saving_hours"), FieldPanel("estimated_saving_money")]),
        InlinePanel(
            "series",
            heading="Measures over time (run and SPC charts)",
            label="Series",
            help_text="For ideas tested or implemented: data points over time, shown as an XmR "
            "chart (15 points or more) or a run chart. Not shown while the stage is 'idea'.",
        ),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("pathways", widget=forms.CheckboxSelectMultiple),
                FieldPanel("methods", widget=forms.CheckboxSelectMultiple),
                FieldPanel("specialties"),
            ],
            heading="Classification",
        ),
        *KnowledgePage.ownership_panels,
    ]
    search_fields = KnowledgePage.search_fields + [
        index.RelatedFields("waste_type", [index.SearchField("name"), index.FilterField("slug")]),
        index.RelatedFields("organisation", [index.SearchField("name")]),
        index.RelatedFields("region", [index.SearchField("name"), index.FilterField("slug")]),
        index.FilterField("stage"),
    ]
    parent_page_types = ["ideas.IdeaIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = "idea"

    def clean(self):
        super().clean()
        if self.slug in RESERVED_SLUGS:
            raise ValidationError({"slug": f"“{self.slug}” is used by the ideas service."})

    def save(self, *args, **kwargs):
        if self.region_id is None and self.organisation_id is not None:
            self.region_id = self.organisation.region_id
        super().save(*args, **kwargs)

    @property
    def shows_measures(self):
        """Charts belong to ideas that have been tried: tested or implemented."""
        return self.stage in (Stage.TESTED, Stage.IMPLEMENTED)

    @property
    def signal(self):
        return series_signal(self.series.all()) if self.shows_measures else ""

    # Counted from the endorsements rather than stored on the page: a page field would be
    # overwritten by the next published revision, which carries the count it was edited with.
    @property
    def support_count(self):
        return self.endorsements.filter(kind=Endorsement.Kind.SUPPORT).count()

    @property
    def adoption_count(self):
        return self.endorsements.filter(kind=Endorsement.Kind.ADOPTED).count()

    def spread(self):
        """How far the idea has spread: {"testing": [projects], "implemented_by": [names],
        "adoption_count": n}, from the shared improvement projects linked to it and the teams
        who said they adopted it. The projects app answers (looked up by name: it sits above
        this one)."""
        return apps.get_model("projects", "ProjectPage").spread_of(self)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["endorsement_forms"] = endorsement_forms()
        return context

    def serve(self, request, *args, **kwargs):
        # The endorsement forms carry a CSRF token: never keep a copy in a shared cache.
        response = super().serve(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response


class IdeaSeries(Orderable, MeasureSeriesBase):
    """A measure over time on a tested or implemented idea, drawn as an XmR or run chart."""

    page = ParentalKey(IdeaPage, on_delete=models.CASCADE, related_name="series")

    panels = MeasureSeriesBase.panels

    class Meta(Orderable.Meta):
        verbose_name = "measure over time"
        verbose_name_plural = "measures over time"


class SubmissionStatus(models.TextChoices):
    NEW = "new", "New"
    MORE_INFO_REQUESTED = "more-info-requested", "More information requested"
    ACCEPTED = "accepted", "Accepted and published"
    DECLINED = "declined", "Declined"
    MERGED = "merged", "Merged into an existing idea"


# Where a moderator can take a submission from each status; accepted, declined and merged are
# final (an accepted idea is then edited as a page).
MODERATION_TRANSITIONS = {
    SubmissionStatus.NEW: {
        SubmissionStatus.ACCEPTED,
        SubmissionStatus.MORE_INFO_REQUESTED,
        SubmissionStatus.DECLINED,
        SubmissionStatus.MERGED,
    },
    SubmissionStatus.MORE_INFO_REQUESTED: {
        SubmissionStatus.ACCEPTED,
        SubmissionStatus.MORE_INFO_REQUESTED,
        SubmissionStatus.DECLINED,
        SubmissionStatus.MERGED,
    },
}


class IdeaSubmission(models.Model):
    """An idea as a member of staff sent it, waiting for (or past) moderation. Never public."""

    reference = models.CharField(max_length=16, unique=True, editable=False)
    # The status link's token is derived from this nonce (kb/ideas/tokens.py); only its hash is
    # looked up.
    status_token_nonce = models.CharField(max_length=32, editable=False)
    status_token_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(
        max_length=30,
        choices=SubmissionStatus.choices,
        default=SubmissionStatus.NEW,
        db_index=True,
    )

    title = models.CharField(max_length=150)
    problem = models.TextField(max_length=3000)
    proposal = models.TextField(max_length=3000)
    waste_type = models.ForeignKey(
        "taxonomy.WasteType", on_delete=models.PROTECT, related_name="idea_submissions"
    )
    pathway = models.ForeignKey(
        "taxonomy.Pathway",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="idea_submissions",
    )
    organisation = models.CharField(
        "organisation (as written)", max_length=200, help_text="As the submitter wrote it."
    )
    matched_organisation = models.ForeignKey(
        "taxonomy.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="idea_submissions",
        help_text="The known organisation the name matched, if any.",
    )
    region = models.ForeignKey(
        "taxonomy.Region",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="idea_submissions",
    )
    role = models.CharField(max_length=120)
    email = models.EmailField(max_length=254)
    # The staff account that sent it, when the person was signed in: they then also see its
    # decisions among their notifications. Kept if the account goes (the idea stays theirs in
    # history as "a former member").
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="idea_submissions",
    )
    consent_to_publish = models.BooleanField(default=False)
    estimated_saving_hours = models.PositiveIntegerField(
        "estimated staff hours saved a year", null=True, blank=True
    )
    estimated_saving_money = models.PositiveIntegerField(
        "estimated money saved a year (£)", null=True, blank=True
    )
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.IDEA)

    # Likely identifiers found when it was sent: [{"kind": ..., "field": ...}], for moderators.
    identifier_flags = models.JSONField(default=list, blank=True, editable=False)
    flagged = models.BooleanField(
        "possible patient data", default=False, db_index=True, editable=False
    )

    idea_page = models.ForeignKey(
        IdeaPage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="submissions",
        help_text="The idea page published from this submission.",
    )
    merged_into = models.ForeignKey(
        IdeaPage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="merged_submissions",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "idea submission"

    def __str__(self):
        return f"{self.reference}: {self.title}"

    @property
    def is_open(self):
        return self.status in MODERATION_TRANSITIONS

    def can_move_to(self, status):
        return status in MODERATION_TRANSITIONS.get(self.status, set())

    @property
    def flag_labels(self):
        return [
            f"{FLAG_LABELS.get(flag['kind'], flag['kind'])} in {flag['field']}"
            for flag in self.identifier_flags
        ]

    def flags_display(self):
        return "; ".join(self.flag_labels)

    flags_display.short_description = "Possible patient data"

    def published_url(self):
        page = self.idea_page
        return page.full_url if page is not None and page.live else ""

    published_url.short_description = "Published idea"

    def public_messages(self):
        return self.changes.filter(public=True).order_by("created_at", "pk")


class IdeaStatusChange(models.Model):
    """One step in a submission's life: who moved it, when, from what to what, and why."""

    submission = models.ForeignKey(IdeaSubmission, on_delete=models.CASCADE, related_name="changes")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The moderator; empty when the submitter made the change.",
    )
    by_submitter = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    from_status = models.CharField(max_length=30, choices=SubmissionStatus.choices, blank=True)
    to_status = models.CharField(max_length=30, choices=SubmissionStatus.choices)
    message = models.TextField(blank=True, max_length=3000)
    # Public messages are shown to the submitter on their status page and sent by email.
    public = models.BooleanField(default=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "idea status change"

    def __str__(self):
        return f"{self.submission.reference}: {self.from_status or 'sent'} → {self.to_status}"

    @property
    def actor_label(self):
        if self.by_submitter:
            return "The person who sent it"
        if self.actor is None:
            return "Moderator"
        return self.actor.get_full_name() or self.actor.get_username()


class SubmissionFormToken(models.Model):
    """A consumed form token, so a repeated POST of the same form finds the same idea."""

    token_hash = models.CharField(max_length=64, unique=True)
    submission = models.OneToOneField(
        IdeaSubmission, on_delete=models.CASCADE, related_name="form_token"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Form token for {self.submission.reference}"


class Endorsement(models.Model):
    """'I support this' or 'We have adopted this', one of each per email address per idea."""

    class Kind(models.TextChoices):
        SUPPORT = "support", "I support this"
        ADOPTED = "adopted", "We have adopted this"

    idea = models.ForeignKey(IdeaPage, on_delete=models.CASCADE, related_name="endorsements")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    email = models.EmailField(max_length=254, help_text="Not shown to readers.")
    organisation = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                "idea", "kind", Lower("email"), name="ideas_one_endorsement_per_email"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.idea.title}"


class IdeaPromotion(models.Model):
    """The draft case study an idea was promoted into.

    Kept beside the page rather than on it: a page field would be reset by the next published
    revision of the idea, which was saved before the promotion.
    """

    idea = models.OneToOneField(IdeaPage, on_delete=models.CASCADE, related_name="promotion")
    case_study = models.ForeignKey(
        "cases.CaseStudyPage", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    promoted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.idea.title} → case study"
