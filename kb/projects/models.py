"""Improvement projects: a team's aim, driver diagram, measures and PDSA cycles, in the open.

A `ProjectPage` is a knowledge page (so a shared project is searched, followed and fed like a
guide or a case study: content type "project"), but it is the team's, not the editors': it is
started and edited from the site by its team, never through the Wagtail admin's page tree.

- **Private until shared.** A new project is a draft page, which only its team can open (its
  route lets them in; everyone else gets a 404, and search, feeds and listings only read live
  pages). A lead shares it by publishing it, and can stop sharing it.
- **The page's own fields** (aim, summary, organisation, classification, status, progress,
  driver diagram, links) are saved as page revisions, so their history is kept.
- **The work itself** (team, measures with their data, PDSA cycles) is in plain tables the team
  writes to directly: adding this week's value should not make a page revision, and an editor
  publishing an old revision must never roll a team's data back.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.text import slugify
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.models import Page
from wagtail.search import index
from wagtail.url_routing import RouteResult

from kb.core.api_fields import PageLinkField, PageLinksField, RowsField, TermField
from kb.core.models import KnowledgePage, RoutedPageMixin, rendered_markdown_field
from kb.measurement.records import SeriesField
from kb.measurement.series import MeasureSeriesBase, series_signal

from . import drivers
from .choices import (
    IMPLEMENTED_STATUSES,
    PROGRESS_CHOICES,
    PROGRESS_MEANINGS,
    PROGRESS_NAMES,
    TESTING_STATUSES,
    Act,
    MeasureKind,
    Status,
)
from .data_entry import read_period
from .page_context import index_context, project_context

# Addresses under /projects/ that are views, not projects: a project may not take them.
RESERVED_SLUGS = frozenset({"new", "mine", "page"})


class ProjectIndexPage(RoutedPageMixin, Page):
    """`/projects/`: the shared projects, with filters. Starting a project (`/projects/new/`),
    your projects (`/projects/mine/`) and the team's actions on a project are Django views
    (kb/projects/site_urls.py), matched before the page tree."""

    intro = models.TextField(blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["core.HomePage"]
    subpage_types = ["projects.ProjectPage"]
    max_count = 1
    page_size = 20

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        shared = ProjectPage.objects.child_of(self).live()
        context.update(index_context(self, request, shared))
        return context

    def route(self, request, path_components):
        # A private project is a draft page, which Wagtail's routing would answer with a 404:
        # ProjectPage.route lets its team in. Everything else routes as usual.
        if len(path_components) == 1:
            child = (
                ProjectPage.objects.child_of(self)
                .filter(slug=path_components[0])
                .select_related(*ProjectPage.serve_select_related)
                .first()
            )
            if child is None:
                raise Http404
            return child.route(request, [])
        return super().route(request, path_components)


class ProjectPage(KnowledgePage):
    """One team's improvement project."""

    content_kind = "project"
    import_type = "improvement-project"
    import_order = 6  # after the ideas, guides and standards it links to
    review_dates = False  # a project is kept current by its team, not reviewed yearly
    serve_select_related = ("organisation", "region", "idea")
    notify_on_change = ("status", "progress_score")
    # The team's names are on the page for readers; the API leaves people out.
    api_extra_fields = (
        APIField("aim"),
        APIField("organisation", TermField()),
        APIField("region", TermField()),
        APIField("status"),
        APIField("progress_score"),
        APIField("idea", PageLinkField()),
        APIField("guides", PageLinksField()),
        APIField("standards", PageLinksField()),
        APIField("driver_diagram"),
        APIField("measure_series", SeriesField(source="series")),
        APIField(
            "cycles",
            RowsField(
                (
                    "number",
                    "start_date",
                    "end_date",
                    "change_tested",
                    "plan",
                    "prediction",
                    "do",
                    "study",
                    "act",
                    "act_notes",
                ),
            ),
        ),  # fmt: skip
        APIField("case_study", PageLinkField()),
    )
    section_fields = (
        ("background", "Background"),
        ("learning", "What we are learning"),
    )

    aim = models.TextField(
        "aim statement",
        max_length=1000,
        help_text="What will improve, by how much, by when. For example: 95% of patients "
        "seen within 4 hours in the emergency department by March 2027.",
    )
    organisation = models.ForeignKey(
        "taxonomy.Organisation", on_delete=models.PROTECT, related_name="projects"
    )
    region = models.ForeignKey(
        "taxonomy.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        help_text="Defaults to the organisation's region.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNING)
    progress_score = models.DecimalField(
        "progress score",
        max_digits=2,
        decimal_places=1,
        choices=PROGRESS_CHOICES,
        default=Decimal("1.0"),
        help_text="The IHI progress scale, from 1.0 (forming the team) to 5.0 (outstanding "
        "sustainable results).",
    )
    background = models.TextField(blank=True, help_text="Markdown. Why the team started.")
    learning = models.TextField(
        "what we are learning", blank=True, help_text="Markdown. What the team has learnt."
    )
    idea = models.ForeignKey(
        "ideas.IdeaPage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="projects",
        help_text="The frontline idea the project tests, if any.",
    )
    guides = ParentalManyToManyField(
        "guides.ImprovementGuidePage", blank=True, related_name="followed_by_projects"
    )
    standards = ParentalManyToManyField(
        "guides.GirftStandardPage", blank=True, related_name="followed_by_projects"
    )
    driver_diagram = models.JSONField(default=list, blank=True)
    case_study = models.ForeignKey(
        "cases.CaseStudyPage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="from_projects",
        editable=False,
        help_text="The case study written up from this project.",
    )
    rendered_markdown = rendered_markdown_field()

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("aim"),
        FieldRowPanel([FieldPanel("organisation"), FieldPanel("region")]),
        FieldRowPanel([FieldPanel("status"), FieldPanel("progress_score")]),
        FieldPanel("background"),
        FieldPanel("learning"),
        MultiFieldPanel(
            [FieldPanel("idea"), FieldPanel("guides"), FieldPanel("standards")],
            heading="What it tests and follows",
        ),
        MultiFieldPanel(KnowledgePage.classification_panels, heading="Classification"),
    ]
    search_fields = KnowledgePage.search_fields + [
        index.SearchField("aim", boost=2),
        index.RelatedFields("organisation", [index.SearchField("name", boost=2)]),
        index.FilterField("status"),
    ]
    parent_page_types = ["projects.ProjectIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = "improvement project"

    def clean(self):
        super().clean()
        if self.slug in RESERVED_SLUGS:
            raise ValidationError({"slug": f"{self.slug!r} is used by the site: choose another"})

    def save(self, *args, **kwargs):
        if self.region_id is None and self.organisation_id is not None:
            self.region_id = self.organisation.region_id
        super().save(*args, **kwargs)

    @classmethod
    def spread_of(cls, idea):
        """An idea's spread (see IdeaPage.spread): the shared projects testing it, the
        organisations that put it in place (projects implementing, sustaining or finished with
        it, and the organisations named by teams who said they adopted it, each name once),
        and how many said they adopted it."""
        projects = list(
            cls.objects.live().public().filter(idea=idea).select_related("organisation")
        )
        testing = [p for p in projects if p.status in TESTING_STATUSES]
        names = {}
        for project in projects:
            if project.status in IMPLEMENTED_STATUSES:
                names.setdefault(project.organisation.name.casefold(), project.organisation.name)
        # Every adoption (the page's count), in order: the first spelling of a name is shown.
        adopted = list(
            idea.endorsements.filter(kind="adopted").order_by("pk").values_list("organisation")
        )
        for (name,) in adopted:
            if name.strip():
                names.setdefault(" ".join(name.split()).casefold(), " ".join(name.split()))
        return {
            "testing": testing,
            "implemented_by": sorted(names.values()),
            "adoption_count": len(adopted),
        }

    # -- who may do what -----------------------------------------------------------------------
    def member(self, user):
        """The user's ProjectMember row on this team, or None."""
        if not getattr(user, "is_authenticated", False):
            return None
        cache = self.__dict__.setdefault("_members_by_user", {})
        if user.pk not in cache:
            cache[user.pk] = self.team.filter(user=user).first()
        return cache[user.pk]

    def is_team_member(self, user):
        return self.member(user) is not None

    def is_lead(self, user):
        member = self.member(user)
        return bool(member and member.is_lead)

    def route(self, request, path_components):
        # Private (draft) projects are open to their team only; to anyone else they do not
        # exist (Page.route refuses any page that is not live).
        if not path_components and not self.live and self.is_team_member(request.user):
            return RouteResult(self)
        return super().route(request, path_components)

    def serve(self, request, *args, **kwargs):
        response = super().serve(request, *args, **kwargs)
        if not self.live or self.is_team_member(request.user):
            # A private project, or the team's view with its forms: never kept by a cache.
            response["Cache-Control"] = "private, no-store"
        return response

    # -- what the page shows -------------------------------------------------------------------
    @property
    def signal(self):
        return series_signal(self.series.all())

    @property
    def progress_name(self):
        return PROGRESS_NAMES.get(Decimal(self.progress_score), "")

    @property
    def progress_meaning(self):
        return PROGRESS_MEANINGS.get(Decimal(self.progress_score), "")

    @property
    def driver_diagram_text(self):
        return drivers.as_text(self.driver_diagram)

    @cached_property
    def driver_diagram_svg(self):
        return drivers.render_svg(self.aim, self.driver_diagram, id_prefix=f"drivers-{self.pk}")

    @property
    def sections_text(self):
        # Search reads the aim, the drivers and what each cycle tested and found too.
        parts = [super().sections_text, self.aim]

        def walk(nodes):
            for node in nodes or []:
                parts.append(node["text"])
                walk(node.get("children"))

        walk(self.driver_diagram)
        if self.pk:
            for cycle in self.cycles.all():
                parts.extend([cycle.change_tested, cycle.study])
        return " ".join(part for part in parts if part)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(project_context(self, request))
        return context


def free_slug(parent, title):
    """A slug for a new project under `parent`, from its title, not yet taken or reserved."""
    base = slugify(title)[:60].strip("-") or "project"
    slug, number = base, 1
    taken = set(Page.objects.child_of(parent).values_list("slug", flat=True)) | RESERVED_SLUGS
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


class ProjectMember(models.Model):
    """Someone on a project's team: an account, or (for an imported project) a name."""

    page = models.ForeignKey(ProjectPage, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="project_memberships",
    )
    name = models.CharField(max_length=200, blank=True, help_text="Shown when there is no account.")
    role = models.CharField(max_length=120, blank=True)
    is_lead = models.BooleanField("lead", default=False, help_text="Leads edit the project.")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_lead", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["page", "user"],
                condition=models.Q(user__isnull=False),
                name="one_membership_per_project",
            )
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        profile = getattr(self.user, "staff_profile", None) if self.user_id else None
        if profile is not None and profile.name:
            return profile.name
        if self.name:
            return self.name
        return "A former member" if self.user_id is None else "A member of staff"


class ProjectMeasure(MeasureSeriesBase):
    """One of a project's measures: a series over time, drawn as an SPC or run chart with the
    project's PDSA cycles marked on it."""

    page = models.ForeignKey(ProjectPage, on_delete=models.CASCADE, related_name="series")
    kind = models.CharField(max_length=10, choices=MeasureKind.choices, default=MeasureKind.OUTCOME)
    position = models.PositiveIntegerField(default=0)
    # The chart with the project's PDSA cycles marked on it, drawn when the measure or the
    # cycles change (kb.projects.charts): {"key": what it was drawn from, "svg": ...}.
    marked_chart = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "measure"

    def point_dates(self):
        """The date of each point (None for a period that is not a date)."""
        return [(read_period(label) or (None,))[0] for label, _ in self.points or []]


class PdsaCycle(models.Model):
    """One plan-do-study-act cycle: a change tested on a small scale, and what was learnt."""

    page = models.ForeignKey(ProjectPage, on_delete=models.CASCADE, related_name="cycles")
    number = models.PositiveIntegerField()
    start_date = models.DateField("started")
    end_date = models.DateField("finished", null=True, blank=True)
    change_tested = models.CharField("change tested", max_length=300)
    plan = models.TextField(blank=True, max_length=3000)
    prediction = models.TextField(blank=True, max_length=1000)
    do = models.TextField("do: what happened", blank=True, max_length=3000)
    study = models.TextField(
        "study: the result against the prediction", blank=True, max_length=3000
    )
    act = models.CharField(max_length=10, choices=Act.choices, blank=True, default=Act.PENDING)
    act_notes = models.TextField("act: what next", blank=True, max_length=2000)
    measures = models.ManyToManyField(ProjectMeasure, blank=True, related_name="cycles")

    class Meta:
        ordering = ["number", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["page", "number"], name="one_cycle_number_per_project")
        ]

    def __str__(self):
        return f"Cycle {self.number}: {self.change_tested}"

    @property
    def abandoned(self):
        return self.act == Act.ABANDON
