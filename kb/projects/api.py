"""The JSON of a shared project (`/api/projects/<slug>/`): the project, its cycles and, for each
measure, its SPC result: segments with their centre line and limits, every point with its
signal, the variation and the assurance against a target."""

from django.db.models import Prefetch

from kb.measurement import spc

from .models import ProjectMeasure


def _segment(result, segment):
    points = result.points
    return {
        "from": points[segment.start].label,
        "to": points[segment.end - 1].label,
        "points": len(segment),
        "centre": segment.centre,
        "centre_kind": segment.centre_kind,
        "upper_limit": segment.upper_limit,
        "lower_limit": segment.lower_limit,
        "mean_moving_range": segment.mr_bar,
    }


def spc_json(measure):
    result = measure.spc_result
    if result is None:
        return None
    return {
        "chart_type": result.chart_type,
        "rule_set": result.rule_set,
        "segments": [_segment(result, s) for s in result.segments],
        "points": [
            {
                "period": point.label,
                "value": point.value,
                "segment": point.segment,
                "special_cause": point.is_special_cause,
                "signal": point.kind or "common_cause",
                "rules": sorted(point.flags),
                "description": spc.describe_signals(point, result.chart_type),
            }
            for point in result.points
        ],
        "variation": result.variation,
        "variation_text": result.variation_text,
        "assurance": result.assurance,
        "assurance_text": result.assurance_text,
        "notes": list(result.notes),
    }


def project_json(project, request):
    absolute = request.build_absolute_uri
    measures = list(project.series.all())
    return {
        "slug": project.slug,
        "title": project.title,
        "url": absolute(project.url),
        "summary": project.summary,
        "aim": project.aim,
        "organisation": {
            "name": project.organisation.name,
            "ods_code": project.organisation.ods_code,
        },
        "region": project.region.slug if project.region_id else None,
        "status": project.status,
        "progress_score": float(project.progress_score),
        "progress": project.progress_name,
        "pathways": [term.slug for term in project.pathways.all()],
        "methods": [term.slug for term in project.methods.all()],
        "idea": absolute(project.idea.url) if project.idea_id and project.idea.live else None,
        "guides": [absolute(page.url) for page in project.guides.live().public()],
        "standards": [absolute(page.url) for page in project.standards.live().public()],
        "case_study": (
            absolute(project.case_study.url)
            if project.case_study_id and project.case_study.live
            else None
        ),
        "driver_diagram": project.driver_diagram,
        "team": [
            member.display_name for member in project.team.select_related("user__staff_profile")
        ],
        "measures": [
            {
                "id": measure.pk,
                "name": measure.name,
                "kind": measure.kind,
                "unit": measure.unit,
                "direction": measure.direction,
                "target": measure.target,
                "change_at": measure.change_at,
                "screen_moving_ranges": getattr(measure, "screen_moving_ranges", False),
                "data": [[label, value] for label, value in measure.points or []],
                "spc": spc_json(measure),
            }
            for measure in measures
        ],
        "cycles": [
            {
                "number": cycle.number,
                "start_date": cycle.start_date.isoformat(),
                "end_date": cycle.end_date.isoformat() if cycle.end_date else None,
                "change_tested": cycle.change_tested,
                "plan": cycle.plan,
                "prediction": cycle.prediction,
                "do": cycle.do,
                "study": cycle.study,
                "act": cycle.act or None,
                "act_notes": cycle.act_notes,
                "measures": [m.name for m in cycle.measures.all()],
            }
            for cycle in project.cycles.prefetch_related(
                Prefetch("measures", queryset=ProjectMeasure.objects.only("id", "name"))
            )
        ],
    }
