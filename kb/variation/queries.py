"""What the variation pages ask of the data: periods, a funnel, an organisation's series, peers.

Each function is one query when given model instances (one more for each slug given instead)
so a page stays fast: a funnel of 200 organisations for one period reads one indexed range of
rows. Metrics and organisations may be passed as model instances or as their slugs.
"""

from django.db.models import Q

from kb.taxonomy.models import Organisation

from .funnel import funnel
from .models import Metric, MetricValue
from .periods import parse_period


def _metric(metric):
    return metric if isinstance(metric, Metric) else Metric.objects.get(slug=metric)


def _organisation(organisation):
    if isinstance(organisation, Organisation):
        return organisation
    return Organisation.objects.get(slug=organisation)


def metric_periods(metric):
    """The periods that hold data for `metric`, newest first, as canonical strings
    (`["2025-06", "2025-05", ...]`): the period picker of the funnel page."""
    metric = _metric(metric)
    rows = (
        MetricValue.objects.filter(metric=metric)
        .order_by("-period_start")
        .values_list("period_start", "period")
        .distinct()
    )
    return [period for _start, period in rows]


def latest_period(metric):
    """The newest period with data for `metric`, or None when it has none."""
    metric = _metric(metric)
    return (
        MetricValue.objects.filter(metric=metric)
        .order_by("-period_start")
        .values_list("period", flat=True)
        .first()
    )


def funnel_for(metric, period, organisations=None, overdispersion=True, only=None):
    """The funnel (`kb.variation.funnel.FunnelResult`) of `metric` in `period`, or None when no
    organisation has data that period (or a rate has no events at all, which has no funnel).

    `period` is any form `parse_period` reads (`2025-4` is `2025-04`). `organisations`, when
    given (a queryset such as `peers(org)`, or a list of organisations or ids), restricts the
    funnel to them: the national value and limits are then those of the group. The multiplier
    is the metric's (`Metric.multiplier`): values read as the metric displays them. Each point's
    `name` is the organisation's name, which is unique, so a view can link it.
    """
    metric = _metric(metric)
    parsed = parse_period(period) if isinstance(period, str) else None
    if parsed is None:
        return None
    canonical, _kind, start = parsed
    values = MetricValue.objects.filter(metric=metric, period_start=start, period=canonical)
    if organisations is not None:
        values = values.filter(organisation__in=organisations)
    rows = list(values.values_list("organisation__name", "numerator", "denominator"))
    if not any(d > 0 for _name, _n, d in rows):
        return None
    if metric.data_type == Metric.DataType.RATE and not any(n > 0 for _name, n, _d in rows):
        return None
    return funnel(
        rows,
        metric.data_type,
        overdispersion=overdispersion,
        multiplier=metric.multiplier,
        only=only,
    )


def organisation_series(organisation, metric):
    """[(period, value)] of one organisation's metric in time order, the value as the metric
    displays it (x 100 for %, per N for a rate): the points of its SPC chart. Periods with a zero
    denominator (no activity) are left out, as the funnel leaves them out."""
    organisation = _organisation(organisation)
    metric = _metric(metric)
    multiplier = metric.multiplier
    rows = (
        MetricValue.objects.filter(metric=metric, organisation=organisation)
        # Within one metric the canonical periods sort in time order (periods.py): ordering by
        # them lets the database use the (metric, organisation, period) unique index.
        .order_by("period")
        .values_list("period", "numerator", "denominator")
    )
    return [(period, n / d * multiplier) for period, n, d in rows if d > 0]


def peers(organisation, include_self=False):
    """Organisations "like" `organisation`: the same type, and the same region or the same size
    band; itself only with `include_self` (what a "trusts like mine" funnel passes). A queryset,
    lazy: `funnel_for(..., organisations=peers(org, include_self=True))` is still one query.
    Empty (but for itself) when the organisation has neither a region nor a size band."""
    organisation = _organisation(organisation)
    if include_self:
        return Organisation.objects.filter(
            Q(pk=organisation.pk) | Q(pk__in=peers(organisation).values("pk"))
        ).order_by("name")
    alike = Q()
    if organisation.region_id is not None:
        alike |= Q(region_id=organisation.region_id)
    if organisation.size_band:
        alike |= Q(size_band=organisation.size_band)
    if not alike:
        return Organisation.objects.none()
    return (
        Organisation.objects.filter(kind=organisation.kind)
        .filter(alike)
        .exclude(pk=organisation.pk)
        .order_by("name")
    )
