"""Variation pages for people and their JSON for machines.

- `/variation/`: the metrics, each with its latest period;
- `/variation/<metric>/?period=P&overdispersion=off&peers=ODS`: the funnel plot, its words and
  its table; a period without data, or an organisation not known, is said plainly and the
  latest national funnel shown instead: no dead end;
- `/organisations/<ods_code>/`: where an organisation stands, and what helped others;
- `/api/variation/<metric>/funnel.json` and `/api/organisations/<ods_code>/`: the same as JSON
  (errors in the API's shape, 400 for a parameter it cannot use, 404 for nothing there).
"""

from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from kb.core.api_conventions import json_error
from kb.taxonomy.models import Organisation

from .funnel_svg import number
from .models import Metric
from .pages import funnel_view, organisation_by_code, organisation_view, unit_suffix
from .periods import parse_period
from .queries import latest_period

SWITCHES = {"on": True, "off": False}


@require_GET
def metric_list(request):
    metrics = list(Metric.objects.prefetch_related("pathways").order_by("name"))
    for metric in metrics:
        metric.latest = latest_period(metric)
    return TemplateResponse(request, "variation/metric_list.html", {"metrics": metrics})


def _peer_organisation(code):
    code = (code or "").replace("\x00", "").strip()  # PostgreSQL refuses NUL in a query
    if not code:
        return None
    return organisation_by_code(code) or Organisation.objects.filter(slug=code[:200]).first()


@require_GET
def metric_funnel(request, metric):
    metric = get_object_or_404(Metric, slug=metric)
    problems = []
    period = request.GET.get("period", "").strip() or None
    if period is not None:
        parsed = parse_period(period[:20])
        if parsed is None:
            problems.append(f"“{period[:20]}” is not a period: use a month such as 2026-03, a "
                            "quarter such as 2026-Q1 or a year.")  # fmt: skip
            period = None
        else:
            period = parsed[0]
    overdispersion = request.GET.get("overdispersion", "on") != "off"
    peer_code = request.GET.get("peers", "")
    peer_of = _peer_organisation(peer_code)
    if peer_code.strip() and peer_of is None:
        problems.append("No organisation has that code or name: showing every organisation.")
    view = funnel_view(metric, period, overdispersion, peer_of)
    if period is not None and view.result is None and view.periods:
        problems.append(f"There is no data for {period}: showing the latest period instead.")
        view = funnel_view(metric, None, overdispersion, peer_of)
    context = {
        "metric": metric,
        "view": view,
        "problems": problems,
        "suffix": unit_suffix(metric),
        "organisations": Organisation.objects.filter(metric_values__metric=metric)
        .distinct()
        .order_by("name"),
    }
    return TemplateResponse(request, "variation/metric_funnel.html", context)


@require_GET
def organisation_page(request, ods_code):
    organisation = organisation_by_code(ods_code)
    if organisation is None:
        raise Http404("No organisation has this ODS code")
    context = {"view": organisation_view(organisation), "number": number}
    return TemplateResponse(request, "variation/organisation_page.html", context)


def funnel_json(request, metric):
    metric = Metric.objects.filter(slug=metric).first()
    if metric is None:
        return json_error(404, "No metric has this slug. /variation/ lists them.")
    switch = request.GET.get("overdispersion", "on")
    if switch not in SWITCHES:
        return json_error(400, "overdispersion must be on or off")
    period = request.GET.get("period", "").strip() or None
    if period is not None:
        parsed = parse_period(period[:20])
        if parsed is None:
            return json_error(400, "period must be a month (2026-03), a quarter (2026-Q1) or a "
                              "year (2026)")  # fmt: skip
        period = parsed[0]
    view = funnel_view(metric, period, SWITCHES[switch])
    if view.result is None:
        return json_error(
            404, f"There is no data for {metric.name} in {view.period or 'any period'}."
        )
    result = view.result
    body = {
        "metric": _metric_json(metric),
        "period": view.period,
        "periods": view.periods,
        "target": result.target,
        "overdispersion": {
            "requested": SWITCHES[switch],
            "phi": result.phi,
            "tau2": result.tau2,
            "overdispersed": result.overdispersed,
            "adjusted": result.adjusted,
        },
        "method": result.method,
        "counts": result.counts(),
        "organisations": [_row_json(row) for row in view.rows],
    }
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


def organisation_json(request, ods_code):
    organisation = organisation_by_code(ods_code)
    if organisation is None:
        return json_error(404, "No organisation has this ODS code.")
    view = organisation_view(organisation)
    body = {
        "organisation": _organisation_json(organisation),
        "peers": [_organisation_json(peer) for peer in view.peers],
        "metrics": [
            {
                "metric": _metric_json(standing.metric),
                "period": standing.period,
                "value": standing.point.value if standing.point else None,
                "band": standing.point.band if standing.point else None,
                "outside": _outside(standing.point),
                "peer_band": standing.peer_point.band if standing.peer_point else None,
                "worse_side": standing.worse,
                "series": [{"period": p, "value": v} for p, v in standing.series],
            }
            for standing in view.standings
        ],
        "networks": [{"title": n.title, "url": n.full_url} for n in view.networks],
    }
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


def _metric_json(metric):
    return {
        "slug": metric.slug,
        "name": metric.name,
        "data_type": metric.data_type,
        "unit": metric.unit,
        "multiplier": metric.multiplier,
        "better": metric.direction,
    }


def _organisation_json(organisation):
    return {
        "name": organisation.name,
        "slug": organisation.slug,
        "ods_code": organisation.ods_code or None,
        "type": organisation.kind,
        "region": organisation.region.slug if organisation.region_id else None,
        "size_band": organisation.size_band or None,
    }


def _outside(point):
    """Which limits a point lies outside: [], ["95"] or ["95", "99.8"]."""
    if point is None:
        return []
    if point.band.endswith("998"):
        return ["95", "99.8"]
    return ["95"] if point.band.endswith("95") else []


def _row_json(row):
    point, organisation = row.point, row.organisation
    limits = point.limits
    return {
        "organisation": _organisation_json(organisation) if organisation else {"name": point.name},
        "numerator": point.numerator,
        "denominator": point.denominator,
        "value": point.value,
        "z_score": point.z_score,
        "band": point.band,
        "outside": _outside(point),
        "limits": {
            "lower_95": limits.lower_95,
            "upper_95": limits.upper_95,
            "lower_998": limits.lower_998,
            "upper_998": limits.upper_998,
            "adjusted": limits.adjusted,
        },
    }
