"""A finished project written up as a draft case study, sent to the moderators.

What the draft holds, from the project as it is:
- the problem: the project's background and aim;
- what the team did: each change tested, cycle by cycle, with what was decided;
- what did not work: the abandoned cycles, with what the team found;
- each measure's before and after: the mean of its first and of its latest SPC segment, when
  its limits were recalculated (a measure with one segment has no before and after to give),
  and its data as a chart;
- its organisation, region, pathways, methods and specialties; evidence "sustained over time"
  when a chart shows improvement from a change, else "before and after".

The draft goes into the site's moderation workflow (editors approve it in the admin); the project
links to it and its introduction links back to the project. Writing up again returns the same
draft.
"""

from decimal import Decimal

from django.db import transaction

from kb.cases.choices import EvidenceStrength
from kb.cases.models import CaseStudyIndexPage, CaseStudyMeasure, CaseStudyPage, CaseStudySeries
from kb.measurement import spc

from .choices import Act
from .models import ProjectPage, free_slug


class WriteUpError(Exception):
    """Why a project cannot be written up, for its lead."""


def write_up(project, user):
    """The draft case study for `project` (created and submitted the first time)."""
    with transaction.atomic():
        project = ProjectPage.objects.select_for_update().get(pk=project.pk)
        if project.case_study_id is not None:
            return project.case_study, False
        index = CaseStudyIndexPage.objects.first()
        if index is None:
            raise WriteUpError("There is no case study library to add the write-up to.")
        cycles = list(project.cycles.all())
        series = list(project.series.all())
        case = CaseStudyPage(
            title=project.title,
            slug=free_slug(index, project.title),
            summary=project.summary,
            problem=_problem(project),
            what_we_did=_what_we_did(cycles),
            what_did_not_work=_what_did_not_work(cycles),
            lessons=project.learning,
            organisation=project.organisation,
            region=project.region,
            evidence_strength=_evidence(series),
            content_owner=project.title,
            owner=user,
            live=False,
            # The introduction links back to the project (in the text: no query on its page).
            body=[("markdown", _introduction(project))],
        )
        case.pathways = list(project.pathways.all())
        case.methods = list(project.methods.all())
        case.specialties = list(project.specialties.all())
        case.measures = [m for m in (_before_after(s) for s in series) if m is not None]
        case.series = [
            CaseStudySeries(
                name=s.name,
                unit=s.unit,
                direction=s.direction,
                target=s.target,
                points=s.points,
                change_at=s.change_at,
                screen_moving_ranges=getattr(s, "screen_moving_ranges", False),
            )
            for s in series
            if s.points
        ]
        index.add_child(instance=case)
        revision = case.save_revision(user=user, log_action=True)
        workflow = case.get_workflow()
        if workflow is not None:
            workflow.start(case, user)
        project.case_study = case
        project.save(update_fields=["case_study"])
        return case, revision is not None


def _introduction(project):
    where = f"[{project.title}]({project.url})" if project.live else f"“{project.title}”"
    return (
        f"Written up from the improvement project {where} by its team at "
        f"{project.organisation.name}, which shows every PDSA cycle and chart."
    )


def _problem(project):
    parts = [project.background.strip(), f"**Aim:** {project.aim.strip()}"]
    return "\n\n".join(part for part in parts if part)


def _cycle_line(cycle):
    decided = dict(Act.choices).get(cycle.act, "") if cycle.act else "not decided"
    line = f"- **Cycle {cycle.number}** ({cycle.start_date:%-d %b %Y}): {cycle.change_tested}"
    if cycle.study:
        line += f". {cycle.study.strip()}"
    return f"{line} *Decision: {decided.lower()}.*"


def _what_we_did(cycles):
    tried = [c for c in cycles if c.act != Act.ABANDON]
    if not tried:
        return ""
    return "What we tried, cycle by cycle:\n\n" + "\n".join(_cycle_line(c) for c in tried)


def _what_did_not_work(cycles):
    return "\n".join(_cycle_line(c) for c in cycles if c.act == Act.ABANDON)


def _before_after(series):
    result = series.spc_result
    if result is None or not result.limits_recalculated:
        return None
    first, last = result.segments[0], result.segments[-1]
    points = result.points
    period = f"{points[first.start].label} to {points[last.end - 1].label}"
    return CaseStudyMeasure(
        name=series.name[:200],
        unit=series.unit,
        baseline=_decimal(first.centre),
        result=_decimal(last.centre),
        period=period[:120],
        higher_is_better=series.direction != spc.DOWN,
    )


def _decimal(value):
    return Decimal(spc.format_number(value).replace(",", "")).quantize(Decimal("0.01"))


def _evidence(series):
    if any((s.analysis or {}).get("signal") == "improvement" for s in series):
        return EvidenceStrength.SUSTAINED
    return EvidenceStrength.BEFORE_AND_AFTER
