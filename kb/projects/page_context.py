"""What the project pages show: the library's filtered list and one project's page.

The page models call these from get_context; nothing here imports the models (the pages and
their relations are passed in), so the models and the views both build on this module.
"""

from django.core.paginator import Paginator
from django.db.models import Prefetch

from kb.taxonomy.models import ImprovementMethod, Organisation, Pathway, Region

from .charts import measure_charts, measure_names
from .choices import PROGRESS_CHOICES, Act, Status

FILTERS = ("pathway", "method", "region", "organisation", "status", "progress")


def index_context(index, request, projects):
    """The shared projects (`projects`: the index's live children), filtered by the query
    string; values that are not known are ignored (and shown as not chosen)."""
    projects = index.public_related(
        projects.select_related("organisation", "region")
        .prefetch_related(
            "pathways",
            "methods",
            Prefetch("series", queryset=series_for_cards(projects.model)),
        )
        .order_by("-last_published_at", "title")
    )
    chosen = {name: request.GET.get(name, "").strip()[:100] for name in FILTERS}
    vocabularies = {
        "pathway": Pathway.objects.all(),
        "method": ImprovementMethod.objects.all(),
        "region": Region.objects.all(),
        "organisation": Organisation.objects.filter(projects__live=True)
        .distinct()
        .order_by("name"),
    }
    lookups = {"pathway": "pathways", "method": "methods", "region": "region",
               "organisation": "organisation"}  # fmt: skip
    for name, terms in vocabularies.items():
        if chosen[name]:
            if chosen[name] in {term.slug for term in terms}:
                projects = projects.filter(**{f"{lookups[name]}__slug": chosen[name]})
            else:
                chosen[name] = ""
    if chosen["status"] in Status.values:
        projects = projects.filter(status=chosen["status"])
    else:
        chosen["status"] = ""
    scores = {str(score): score for score, _ in PROGRESS_CHOICES}
    if chosen["progress"] in scores:
        projects = projects.filter(progress_score__gte=scores[chosen["progress"]])
    else:
        chosen["progress"] = ""
    paginator = Paginator(projects.distinct(), index.page_size)
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "projects": paginator.get_page(request.GET.get("page")),
        "paginator": paginator,
        "chosen": chosen,
        "vocabularies": vocabularies,
        "statuses": Status.choices,
        "progress_choices": PROGRESS_CHOICES,
        "querystring": query.urlencode(),
        "filtered": any(chosen.values()),
    }


def series_for_cards(project_model):
    """A card shows each project's stored signal: not its points or charts."""
    series = project_model._meta.get_field("series").related_model
    return series.objects.defer("points", "stored_chart", "marked_chart")


def project_context(project, request, **forms):
    user = request.user
    member = project.member(user)
    series = list(project.series.all())
    cycles = list(project.cycles.prefetch_related(measure_names(project)))
    return {
        "project": project,
        "member": member,
        "is_team": member is not None,
        "is_lead": bool(member and member.is_lead),
        "team": list(project.team.select_related("user__staff_profile")),
        "measures": measure_charts(project, series, cycles, forms=forms),
        "cycles": cycles,
        "abandoned_cycles": [c for c in cycles if c.act == Act.ABANDON],
        "pathways": project.classification["pathways"],
        "methods": project.classification["methods"],
        "guides": project.guides.live(),
        "standards": project.standards.live(),
    }
