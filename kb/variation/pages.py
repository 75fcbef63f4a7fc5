"""What the variation pages and their JSON show, gathered without templates or HTTP.

- `funnel_view(metric, period, overdispersion, peer_of)`: a metric's funnel in one period,
  nationally or among an organisation's peers, with its picture, words and table rows;
- `organisation_view(organisation)`: for each metric the organisation has data for, where it
  stands nationally and among its peers, its own SPC chart over time and, where it stands out
  on the worse side, what could help: the guides and GIRFT standards that address the metric,
  and case studies and projects from organisations whose own data shows they improved it;
- `improvers(metric)`: which organisations with shared work improved a metric, judged by a
  sustained SPC signal (a shift or a trend on the better side) in their own series, as Making
  Data Count reads a chart. One improvement point beyond the limits is not "sustained".

The views (views.py) turn these into pages and JSON; the guide page tag (templatetags) uses
the small national funnel.
"""

from dataclasses import dataclass, field
from functools import cached_property
from types import SimpleNamespace

from kb.cases.models import CaseStudyPage
from kb.core.models import public_pages
from kb.measurement import analysis, charts, spc
from kb.measurement.series import draw_chart
from kb.networks.models import NetworkPage
from kb.projects.models import ProjectPage
from kb.taxonomy.models import Organisation

from .funnel_svg import BAND_WORDS, describe_funnel, number, render_funnel_svg
from .models import Metric, MetricValue
from .queries import funnel_for, latest_period, metric_periods, organisation_series, peers

SUSTAINED_RULES = {spc.SHIFT, spc.TREND}
ABOVE = ("above_998", "above_95")
BELOW = ("below_998", "below_95")


def spc_direction(metric):
    return spc.UP if metric.higher_is_better else spc.DOWN


def worse_bands(metric):
    """The bands on the worse side of the national value for this metric."""
    return BELOW if metric.higher_is_better else ABOVE


def better_bands(metric):
    return ABOVE if metric.higher_is_better else BELOW


def unit_suffix(metric):
    return "%" if metric.unit.strip() == "%" else (f" {metric.unit}" if metric.unit else "")


@dataclass
class FunnelView:
    metric: Metric
    period: str | None
    periods: list
    result: object  # FunnelResult, or None when the period has no data
    overdispersion: bool
    peer_of: Organisation | None = None
    organisations: dict = field(default_factory=dict)  # name -> Organisation

    @cached_property
    def summary(self):
        if self.result is None:
            return ""
        better = "higher" if self.metric.higher_is_better else "lower"
        centre = "the group's value" if self.peer_of else "national value"
        return describe_funnel(self.result, unit_suffix(self.metric).strip(), better, centre)

    def svg(self, width=720, height=420, id_prefix="funnel"):
        if self.result is None:
            return ""
        where = f" among organisations like {self.peer_of.name}" if self.peer_of else ""
        title = f"{self.metric.name}, {self.period}{where}: funnel plot"
        return render_funnel_svg(
            self.result,
            title,
            id_prefix=id_prefix,
            unit=self.metric.unit,
            x_label=_x_label(self.metric),
            better="higher" if self.metric.higher_is_better else "lower",
            highlight=self.peer_of.name if self.peer_of else None,
            width=width,
            height=height,
        )

    @cached_property
    def rows(self):
        """One row an organisation, the worse side first then by value: the table and JSON."""
        if self.result is None:
            return []
        worse = worse_bands(self.metric)
        rows = []
        for point in self.result.points:
            organisation = self.organisations.get(point.name)
            rows.append(
                SimpleNamespace(
                    point=point,
                    organisation=organisation,
                    band_words=BAND_WORDS[point.band],
                    worse=point.band in worse,
                    better=point.band in better_bands(self.metric),
                )
            )
        order = {"above_998": 0, "above_95": 1, "within": 2, "below_95": 3, "below_998": 4}
        reverse = self.metric.higher_is_better
        rows.sort(key=lambda r: (-order[r.point.band] if reverse else order[r.point.band],
                                 -r.point.value if not reverse else r.point.value))  # fmt: skip
        return rows


def _x_label(metric):
    if metric.data_type == Metric.DataType.RATIO:
        return "Expected count"
    definition = metric.denominator_definition.strip()
    return definition.splitlines()[0][:60] if definition else "Denominator"


def funnel_view(metric, period=None, overdispersion=True, peer_of=None):
    """The funnel of `metric` in `period` (the latest when None); among `peer_of`'s peers and
    itself when given. `period` None with no data at all gives a view with no result."""
    periods = metric_periods(metric)
    period = period or (periods[0] if periods else None)
    group = peers(peer_of, include_self=True) if peer_of is not None else None
    result = funnel_for(metric, period, organisations=group, overdispersion=overdispersion)
    names = [point.name for point in result.points] if result else []
    chosen = Organisation.objects.filter(name__in=names).select_related("region")
    organisations = {o.name: o for o in chosen}
    return FunnelView(metric, period, periods, result, overdispersion, peer_of, organisations)


def series_chart(metric, organisation, points):
    """The organisation's own SPC chart of the metric: what `components/measure_series.html`
    shows for a measure (name, unit and chart), drawn with the site's XmR charts."""
    series = SimpleNamespace(
        pk=f"{metric.slug}-{organisation.slug}",
        name=metric.name,
        unit=metric.unit,
        points=[[period, value] for period, value in points],
        change_at="",
        target=None,
        direction=spc_direction(metric),
        screen_moving_ranges=False,
    )
    result = analysis.analyse(series.points, series.direction)
    drawn = draw_chart(series, result)
    chart = None
    if "svg" in drawn:
        chart = drawn | {"rows": [charts.DataTableRow(*row) for row in drawn["rows"]]}
    return SimpleNamespace(name=metric.name, unit=metric.unit, chart=chart, result=result)


def sustained_improvement(result):
    """Whether an SPC result shows a shift or trend on the better side anywhere."""
    if result is None:
        return False
    return any(
        point.kind == spc.IMPROVEMENT
        and any(signal.rule in SUSTAINED_RULES for signal in point.signals)
        for point in result.points
    )


def sharing_organisations():
    """Ids of the organisations with a live public case study or project."""
    return set(
        public_pages(CaseStudyPage.objects.live()).values_list("organisation_id", flat=True)
    ) | set(public_pages(ProjectPage.objects.live()).values_list("organisation_id", flat=True))


def improvers(metric, exclude=None):
    """Organisations that share work (a live case study or project) and whose own series of
    `metric` shows a sustained improvement; with their shared pages on the metric's pathways
    (all of them when the metric names none).

    Returns [(organisation, [case studies and projects])], by organisation name.
    """
    return improvers_by_metric([metric], exclude)[metric.pk]


def improvers_by_metric(metrics, exclude=None):
    """`improvers` for several metrics at once: {metric id: [(organisation, pages)]}, in a
    fixed number of queries however many metrics (an organisation's page asks for all the
    metrics it stands out on)."""
    found = {metric.pk: [] for metric in metrics}
    sharing = sharing_organisations()
    sharing.discard(getattr(exclude, "pk", None))
    if not sharing or not metrics:
        return found
    by_metric = {metric.pk: metric for metric in metrics}
    series = {}
    rows = (
        MetricValue.objects.filter(
            metric_id__in=list(by_metric), organisation_id__in=sharing, denominator__gt=0
        )
        .order_by("metric_id", "organisation_id", "period_start")
        .values_list("metric_id", "organisation_id", "period", "numerator", "denominator")
    )
    multipliers = {pk: metric.multiplier for pk, metric in by_metric.items()}
    for metric_id, organisation_id, period, numerator, denominator in rows:
        value = numerator / denominator * multipliers[metric_id]
        series.setdefault((metric_id, organisation_id), []).append([period, value])
    improved = {}  # metric id -> organisation ids
    for (metric_id, organisation_id), points in series.items():
        result = analysis.analyse(points, spc_direction(by_metric[metric_id]))
        if sustained_improvement(result):
            improved.setdefault(metric_id, []).append(organisation_id)
    if not improved:
        return found
    everyone = {pk for ids in improved.values() for pk in ids}
    pages = []
    for model in (CaseStudyPage, ProjectPage):
        shared = public_pages(model.objects.live().filter(organisation_id__in=everyone))
        pages += shared.prefetch_related("pathways").order_by("title")
    pages.sort(key=lambda page: page.title)
    organisations = Organisation.objects.in_bulk(everyone)
    for metric_id, organisation_ids in improved.items():
        # Their work on this measure's pathways, not everything they shared.
        pathways = {p.pk for p in by_metric[metric_id].pathways.all()}
        for organisation in sorted(
            (organisations[pk] for pk in organisation_ids), key=lambda o: o.name
        ):
            theirs = [
                page
                for page in pages
                if page.organisation_id == organisation.pk
                and (not pathways or pathways & {p.pk for p in page.pathways.all()})
            ]
            if theirs:
                found[metric_id].append((organisation, theirs))
    return found


@dataclass
class MetricStanding:
    metric: Metric
    period: str
    point: object  # FunnelPoint of the organisation nationally, or None
    peer_point: object  # among its peers, or None
    peer_rows: list
    chart: object
    series: list
    worse: bool
    guides: list = field(default_factory=list)
    standards: list = field(default_factory=list)
    improvers: list = field(default_factory=list)

    @property
    def suffix(self):
        return unit_suffix(self.metric)

    @property
    def national_words(self):
        return _words(self.point, self.metric)

    @property
    def peer_words(self):
        return _words(self.peer_point, self.metric)

    @property
    def chart_list(self):
        return [self.chart] if self.chart else []


def _words(point, metric):
    if point is None:
        return ""
    words = BAND_WORDS[point.band].capitalize()
    if point.band in worse_bands(metric):
        return f"{words}: the worse side"
    if point.band in better_bands(metric):
        return f"{words}: the better side"
    return words


def organisation_view(organisation):
    """Where `organisation` stands on every metric it has data for (see the module).

    Only its own position is worked out in each funnel (`only=`: the others' limits are not
    needed here), and its peers' values are read straight from the data."""
    metric_ids = (
        MetricValue.objects.filter(organisation=organisation).values("metric_id").distinct()
    )
    metrics = Metric.objects.filter(pk__in=metric_ids).prefetch_related("pathways").order_by("name")
    peer_group = list(peers(organisation, include_self=True).select_related("region"))
    others = {o.pk: o for o in peer_group if o.pk != organisation.pk}
    standings = []
    for metric in metrics:
        period = latest_period(metric)
        own = [organisation.name]
        point = _point(funnel_for(metric, period, only=own), organisation.name)
        peer_point = None
        if others:
            among_peers = funnel_for(metric, period, organisations=peer_group, only=own)
            peer_point = _point(among_peers, organisation.name)
        series = organisation_series(organisation, metric)
        standing = MetricStanding(
            metric=metric,
            period=period,
            point=point,
            peer_point=peer_point,
            peer_rows=_peer_values(metric, period, others),
            chart=series_chart(metric, organisation, series) if series else None,
            series=series,
            worse=bool(point and point.band in worse_bands(metric)),
        )
        if standing.worse:
            standing.guides = list(public_pages(metric.guides.live()).order_by("title"))
            standing.standards = list(public_pages(metric.standards.live()).order_by("title"))
        standings.append(standing)
    worse = [standing.metric for standing in standings if standing.worse]
    helped = improvers_by_metric(worse, exclude=organisation)
    for standing in standings:
        standing.improvers = helped.get(standing.metric.pk, [])
    networks = public_pages(NetworkPage.objects.live().filter(member_organisations=organisation))
    return SimpleNamespace(
        organisation=organisation,
        standings=standings,
        peers=list(others.values()),
        networks=list(networks.order_by("title")),
    )


def _peer_values(metric, period, others):
    """The peers' values of `metric` in `period`, as (name, value, text), by name."""
    if not others or period is None:
        return []
    rows = MetricValue.objects.filter(
        metric=metric, period=period, organisation_id__in=list(others), denominator__gt=0
    ).values_list("organisation_id", "numerator", "denominator")
    multiplier, suffix = metric.multiplier, unit_suffix(metric)
    values = []
    for organisation_id, numerator, denominator in rows:
        value = numerator / denominator * multiplier
        values.append(
            SimpleNamespace(
                name=others[organisation_id].name,
                value=value,
                text=f"{number(value)}{suffix}",
            )
        )
    return sorted(values, key=lambda row: row.name)


def _point(result, name):
    if result is None:
        return None
    try:
        return result.point(name)
    except KeyError:
        return None


def organisation_by_code(code):
    """The organisation with this ODS code (any case), or None."""
    code = (code or "").replace("\x00", "").strip()  # PostgreSQL refuses NUL in a query
    if not code or len(code) > 10:
        return None
    return Organisation.objects.filter(ods_code__iexact=code).order_by("pk").first()
