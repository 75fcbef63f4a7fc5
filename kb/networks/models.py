"""Learning and Improvement Networks (LINs) and improvement collaboratives.

A `NetworkPage` is a page of the tree (under the "Networks" index) that editors describe in the
admin: its kind, region, lead organisation, member organisations, focus pathways, national
priorities and leads. What happens on it day to day is not page content, so it lives in plain
tables the leads write from the page itself: join requests (`Membership`), `NetworkUpdate`s and
`NetworkEvent`s. Network pages are not knowledge pages: they gather knowledge pages (case
studies and ideas from member organisations, guides and standards on the focus pathways).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.models import Page

from kb.accounts.widgets import StaffChooser
from kb.core.api_fields import TermField, TermListField
from kb.core.models import RoutedPageMixin

from .choices import MembershipStatus


class NetworkKind(models.TextChoices):
    LIN = "lin", "Learning and Improvement Network"
    COLLABORATIVE = "collaborative", "Improvement collaborative"
    CLINICAL = "clinical", "Clinical network"
    CANCER = "cancer", "Cancer alliance"
    IMAGING = "imaging", "Imaging network"


class NetworkIndexPage(RoutedPageMixin, Page):
    """`/networks/`: every network, by region and then by kind, as text (no map)."""

    intro = models.TextField(blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["core.HomePage"]
    subpage_types = ["networks.NetworkPage"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        networks = list(
            self.public_related(NetworkPage.objects.child_of(self).live())
            .select_related("region", "lead_organisation")
            .annotate(
                member_count=models.Count(
                    "memberships",
                    filter=models.Q(memberships__status=Membership.Status.APPROVED),
                )
            )
            .order_by("region__name", "kind", "title")
        )
        context["regions"] = group_by_region_and_kind(networks)
        context["network_count"] = len(networks)
        return context


def group_by_region_and_kind(networks):
    """[(region name, [(kind label, [network...])...])...]: national networks (no region)
    last, kinds in the order of NetworkKind."""
    order = [value for value, _ in NetworkKind.choices]
    regions = {}
    for network in networks:
        name = network.region.name if network.region_id else "National"
        regions.setdefault(name, {}).setdefault(network.kind, []).append(network)
    names = sorted(regions, key=lambda name: (name == "National", name))
    return [
        (
            name,
            [
                (NetworkKind(kind).label, regions[name][kind])
                for kind in sorted(regions[name], key=order.index)
            ],
        )
        for name in names
    ]


class NetworkPage(RoutablePageMixin, RoutedPageMixin, Page):
    """One network: who it is, who belongs, what it shares, its updates and events.

    The page's own address shows it; the actions (join, approve, post an update or an event)
    are POSTs to its routes, handled in kb.networks.views."""

    kind = models.CharField(max_length=20, choices=NetworkKind.choices, default=NetworkKind.LIN)
    summary = models.TextField(max_length=600, help_text="One or two sentences: what it is for.")
    region = models.ForeignKey(
        "taxonomy.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="networks",
        help_text="Leave empty for a national network.",
    )
    lead_organisation = models.ForeignKey(
        "taxonomy.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_networks",
    )
    member_organisations = ParentalManyToManyField(
        "taxonomy.Organisation", blank=True, related_name="networks"
    )
    focus_pathways = ParentalManyToManyField("taxonomy.Pathway", blank=True, related_name="+")
    national_priorities = models.TextField(
        blank=True, help_text="One priority a line, for example 'Reduce 12-hour waits in A&E'."
    )
    leads = ParentalManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="led_networks",
        help_text="Accounts that approve members and post updates and events.",
    )

    content_panels = Page.content_panels + [
        FieldPanel("kind"),
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                FieldPanel("region"),
                FieldPanel("lead_organisation"),
                FieldPanel("member_organisations"),
                FieldPanel("focus_pathways"),
                FieldPanel("national_priorities"),
            ],
            heading="Who and what",
        ),
        # A searchable chooser of active staff, not a select box of every account.
        FieldPanel("leads", widget=StaffChooser(label="Leads", choose_label="Choose leads")),
    ]
    parent_page_types = ["networks.NetworkIndexPage"]
    subpage_types = []
    serve_select_related = ("region", "lead_organisation")
    # Its leads and members are people: the API names organisations only.
    api_fields = (
        APIField("kind"),
        APIField("summary"),
        APIField("region", TermField()),
        APIField("lead_organisation", TermField()),
        APIField("member_organisations", TermListField()),
        APIField("focus_pathways", TermListField()),
        APIField("national_priorities"),
    )

    class Meta:
        verbose_name = "network"

    def priorities(self):
        return [line.strip() for line in self.national_priorities.splitlines() if line.strip()]

    def is_lead(self, user):
        return bool(user.is_authenticated and self.leads.filter(pk=user.pk).exists())

    def listed_members(self):
        """Approved members who agreed to be listed (`StaffProfile.listed_as_member`)."""
        return (
            self.memberships.filter(
                status=Membership.Status.APPROVED, user__staff_profile__listed_as_member=True
            )
            .select_related("user__staff_profile__organisation")
            .order_by("user__staff_profile__name")
        )

    def member_count(self):
        return self.memberships.filter(status=Membership.Status.APPROVED).count()

    def shared_content(self):
        """What the network gathers: case studies, ideas and shared improvement projects from
        member organisations, guides and GIRFT standards on its focus pathways (newest first, a
        few of each)."""
        from kb.cases.models import CaseStudyPage
        from kb.guides.models import GirftStandardPage, ImprovementGuidePage
        from kb.ideas.models import IdeaPage
        from kb.projects.models import ProjectPage

        organisations = list(self.member_organisations.values_list("pk", flat=True))
        pathways = list(self.focus_pathways.values_list("pk", flat=True))

        def newest(model, **filters):
            pages = self.public_related(model.objects.live().filter(**filters)).distinct()
            return list(pages.order_by("-first_published_at")[:5])

        return {
            "case_studies": newest(CaseStudyPage, organisation__in=organisations),
            "ideas": newest(IdeaPage, organisation__in=organisations),
            "guides": newest(ImprovementGuidePage, pathways__in=pathways),
            "standards": newest(GirftStandardPage, pathways__in=pathways),
            "projects": newest(ProjectPage, organisation__in=organisations),
        }

    def get_context(self, request, *args, **kwargs):
        from .views import page_context

        context = super().get_context(request, *args, **kwargs)
        context.update(page_context(self, request))
        return context

    # The actions: each a POST to the page's own address plus a word (views.py does the work).
    @path("join/")
    def join(self, request):
        from . import views

        return views.join(request, self)

    @path("requests/<int:membership_id>/")
    def decide(self, request, membership_id):
        from . import views

        return views.decide(request, self, membership_id)

    @path("updates/")
    def post_update(self, request):
        from . import views

        return views.post_update(request, self)

    @path("events/")
    def add_event(self, request):
        from . import views

        return views.add_event(request, self)

    @path("calendar/")
    def calendar(self, request):
        from . import views

        return views.calendar(request, self)

    @path("feed/")
    def feed(self, request):
        from .feeds import NetworkFeed

        return NetworkFeed()(request, network=self)


class Membership(models.Model):
    """A member of staff's request to join a network, and the lead's answer."""

    Status = MembershipStatus

    network = models.ForeignKey(NetworkPage, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="network_memberships"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    message = models.CharField("Why you want to join", max_length=500, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "user"], name="one_membership_per_network")
        ]

    def __str__(self):
        return f"{self.user} in {self.network} ({self.status})"


class NetworkUpdate(models.Model):
    """A short post by a lead."""

    network = models.ForeignKey(NetworkPage, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    title = models.CharField(max_length=150)
    body = models.TextField(max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.title


class NetworkEvent(models.Model):
    """A meeting, webinar or visit the network runs: online, at a place, or both."""

    network = models.ForeignKey(NetworkPage, on_delete=models.CASCADE, related_name="events")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    title = models.CharField(max_length=150)
    description = models.TextField(max_length=2000, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    online = models.BooleanField(default=False)
    location = models.CharField("Place", max_length=200, blank=True)
    booking_url = models.URLField("Booking link", max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "pk"]

    def __str__(self):
        return self.title

    @property
    def where(self):
        if self.online and self.location:
            return f"Online and at {self.location}"
        return "Online" if self.online else self.location
