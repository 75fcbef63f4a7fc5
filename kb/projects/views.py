"""What a project page does beyond showing itself: starting a project, the team's edits (the
project's details, measures and their data, PDSA cycles, the team), sharing, writing up, and
the JSON of a shared project. Their addresses are in site_urls.py (under /projects/) and
urls.py (under /api/projects/).

Access: a private project's page and actions exist only for its team (its route answers 404 to
anyone else, see ProjectPage.route). On a shared project, anyone reads; the team's actions
answer 403 to others and send people who are not signed in to sign in. Team members add data
and cycles; leads also change the project's details and measures, its team and its sharing,
and write it up. Every change is a POST; a form with a problem is shown again with an error
summary, with what was typed kept and nothing stored.
"""

import functools

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET
from wagtail.actions.unpublish_page import UnpublishPageAction

from kb.core.page_cache import purge
from kb.following.direct import notify_member
from kb.following.services import notify_followers
from kb.measurement.points import SeriesDataError, validate_series

from . import api
from .charts import measure_charts, measure_names, refresh_marked_charts
from .forms import (
    CycleForm,
    MeasureForm,
    PasteForm,
    ProjectDetailsForm,
    ProjectForm,
    TeamMemberForm,
    UploadForm,
    ValueForm,
    idea_reference,
)
from .models import (
    PdsaCycle,
    ProjectIndexPage,
    ProjectMeasure,
    ProjectMember,
    ProjectPage,
    free_slug,
)
from .writeup import WriteUpError, write_up

PRIVATE = "private, no-store"


def _index():
    index = ProjectIndexPage.objects.first()
    if index is None:
        raise Http404
    return index


def project_action(view):
    """A view of one project by its slug: a private project exists only for its team."""

    @functools.wraps(view)
    def wrapped(request, slug, **kwargs):
        project = ProjectPage.objects.child_of(_index()).filter(slug=slug).first()
        if project is None or (not project.live and not project.is_team_member(request.user)):
            raise Http404
        return view(request, project, **kwargs)

    return wrapped


def my_projects(request):
    index = _index()
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    projects = (
        ProjectPage.objects.filter(team__user=request.user)
        .select_related("organisation")
        .order_by("-latest_revision_created_at", "title")
        .distinct()
    )
    return _render(request, "projects/my_projects.html", {"page": index, "projects": projects})


def _render(request, template, context, status=200):
    response = TemplateResponse(request, template, context, status=status)
    response["Cache-Control"] = PRIVATE
    return response


def _form_page(request, project, template, status=200, **context):
    context = {"page": project, "project": project, **context}
    return _render(request, template, context, status=status)


def _back(project, anchor=""):
    return HttpResponseRedirect(project.url + (f"#{anchor}" if anchor else ""))


def _check(request, project, lead=False):
    """None if the user may act; else the response (sign in) — or PermissionDenied."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    member = project.member(request.user)
    if member is None or (lead and not member.is_lead):
        raise PermissionDenied
    return None


def _changed(project):
    """After the team changed the project's measures, data, cycles or team: the charts with the
    cycles marked are drawn again; on a shared project, its cached copies go and search reads
    it again."""
    refresh_marked_charts(project)
    if project.live:
        from kb.search.indexing import update_page

        transaction.on_commit(purge)
        update_page(project)


def _save_page(project, user):
    """Keep the project's own fields: published again if it is shared (so followers hear and
    search updates), else saved as a draft; a revision either way."""
    with transaction.atomic():
        if project.live:
            _publish(project, user)
        else:
            project.save()
            project.save_revision(user=user, log_action=True)
            # A draft's revision marks "unpublished changes": the draft is the whole project.
            ProjectPage.objects.filter(pk=project.pk).update(has_unpublished_changes=False)


def _publish(project, user):
    # The team's rules (a lead) decide, not Wagtail's page permissions: staff accounts have
    # no rights in the admin. The revision and the log still name who did it.
    project.save_revision(user=user, log_action=True).publish(
        user=user, skip_permission_checks=True
    )


def find_idea(text):
    """The published idea a reference (IDEA-XXXXXX) or an idea page's address names."""
    from kb.ideas.models import IdeaPage

    reference = idea_reference(text)
    ideas = IdeaPage.objects.live().public()
    if reference:
        return ideas.filter(submissions__reference=reference).first()
    path = text.strip().split("://", 1)[-1]
    path = "/" + path.split("/", 1)[1] if "://" in text and "/" in path else path
    slug = [part for part in path.split("?")[0].split("/") if part]
    return ideas.filter(slug=slug[-1]).first() if slug else None


def new_project(request):
    index = _index()
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    form = ProjectForm(request.POST or None)
    if request.method == "POST":
        if form.is_bot:
            return HttpResponseRedirect(index.url)
        if form.is_valid():
            data = form.cleaned_data
            with transaction.atomic():
                project = ProjectPage(
                    title=data["title"],
                    slug=free_slug(index, data["title"]),
                    summary=data["summary"],
                    aim=data["aim"],
                    organisation=data["organisation"],
                    owner=request.user,
                    live=False,
                )
                project.pathways = list(data["pathways"])
                project.methods = list(data["methods"])
                index.add_child(instance=project)
                project.save_revision(user=request.user, log_action=True)
                ProjectPage.objects.filter(pk=project.pk).update(has_unpublished_changes=False)
                ProjectMember.objects.create(page=project, user=request.user, is_lead=True)
            messages.success(
                request,
                "Your project has been started. Only your team can see it until a lead shares it.",
            )
            return HttpResponseRedirect(project.url)
    status = 400 if form.is_bound else 200
    return _render(
        request, "projects/new_project.html", {"page": index, "form": form}, status=status
    )


def edit(request, project):
    refused = _check(request, project, lead=True)
    if refused:
        return refused
    from kb.guides.models import GirftStandardPage, ImprovementGuidePage

    choices = {
        "guides": ImprovementGuidePage.objects.live().public().order_by("title"),
        "standards": GirftStandardPage.objects.live().public().order_by("title"),
        "find_idea": find_idea,
    }
    if request.method == "POST":
        form = ProjectDetailsForm(request.POST, **choices)
        if form.is_valid():
            data = form.cleaned_data
            for name in ("title", "summary", "aim", "organisation", "status", "background",
                         "learning", "driver_diagram", "idea", "progress_score"):  # fmt: skip
                setattr(project, name, data[name])
            project.region = data["organisation"].region
            for name in ("pathways", "methods", "guides", "standards"):
                setattr(project, name, list(data[name]))
            _save_page(project, request.user)
            messages.success(request, "The project's details have been saved.")
            return _back(project)
        status = 400
    else:
        form = ProjectDetailsForm(
            initial={
                "title": project.title,
                "summary": project.summary,
                "aim": project.aim,
                "organisation": project.organisation_id,
                "pathways": list(project.pathways.all()),
                "methods": list(project.methods.all()),
                "status": project.status,
                "progress_score": project.progress_score,
                "driver_diagram": project.driver_diagram_text,
                "background": project.background,
                "learning": project.learning,
                "idea": project.idea.full_url if project.idea_id else "",
                "guides": list(project.guides.all()),
                "standards": list(project.standards.all()),
            },
            **choices,
        )
        status = 200
    return _form_page(request, project, "projects/edit_project.html", status, form=form)


def new_measure(request, project):
    return edit_measure(request, project, None)


def edit_measure(request, project, measure_id=None):
    """A new measure (measure_id None) or a measure's settings, and its data entry forms."""
    refused = _check(request, project, lead=request.method == "POST")
    if refused:
        return refused
    measure = None
    if measure_id is not None:
        measure = get_object_or_404(ProjectMeasure, page=project, pk=measure_id)
    if request.method == "POST":
        if not project.is_lead(request.user):
            raise PermissionDenied
        form = MeasureForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            measure = measure or ProjectMeasure(
                page=project, position=project.series.count(), points=[]
            )
            try:
                valid = validate_series(
                    measure.points or [], data["change_at"], data["target"], data["direction"]
                ) if measure.points else {"change_at": data["change_at"]}  # fmt: skip
            except SeriesDataError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                for name in ("name", "kind", "unit", "direction", "target"):
                    setattr(measure, name, data[name])
                measure.change_at = valid["change_at"]
                if hasattr(measure, "screen_moving_ranges"):
                    measure.screen_moving_ranges = data["screen_moving_ranges"]
                measure.save()
                _changed(project)
                messages.success(request, f"The measure ‘{measure.name}’ has been saved.")
                return HttpResponseRedirect(f"{project.url}measures/{measure.pk}/")
        return _measure_page(request, project, measure, form=form, status=400)
    if measure is None:
        form = MeasureForm(initial={"kind": "outcome", "direction": "up"})
    else:
        form = MeasureForm(
            initial={
                "name": measure.name,
                "kind": measure.kind,
                "unit": measure.unit,
                "direction": measure.direction,
                "target": "" if measure.target is None else measure.target,
                "change_at": measure.change_at,
                "screen_moving_ranges": getattr(measure, "screen_moving_ranges", False),
            }
        )
    return _measure_page(request, project, measure, form=form)


def _measure_page(request, project, measure, status=200, **forms):
    context = {
        "measure": measure,
        "form": forms.get("form"),
        "value_form": forms.get("value_form") or ValueForm(),
        "paste_form": forms.get("paste_form") or PasteForm(),
        "upload_form": forms.get("upload_form") or UploadForm(),
        "is_lead": project.is_lead(request.user),
        "error_forms": [f for f in forms.values() if f is not None and f.is_bound],
    }
    if measure is not None:
        cycles = list(project.cycles.prefetch_related(measure_names(project)))
        context["chart"] = measure_charts(project, [measure], cycles)[0]
    return _form_page(request, project, "projects/measure.html", status, **context)


def measure_data(request, project, measure_id):
    """Add values: `how` is one (this week's value), paste or upload."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    refused = _check(request, project)
    if refused:
        return refused
    measure = get_object_or_404(ProjectMeasure, page=project, pk=measure_id)
    how = request.POST.get("how")
    from_project = request.POST.get("back") == "project"
    if how == "one":
        # The project page shows a quick form under each chart, each with its own prefix.
        form = ValueForm(request.POST, prefix=f"value-{measure.pk}" if from_project else None)
        name = "value_form"
    elif how == "paste":
        form = PasteForm(request.POST)
        name = "paste_form"
    elif how == "upload":
        form = UploadForm(request.POST, request.FILES)
        name = "upload_form"
    else:
        messages.error(request, "Choose how to add the data.")
        return HttpResponseRedirect(f"{project.url}measures/{measure.pk}/")
    if form.is_valid():
        if how == "one":
            new = [[form.cleaned_data["period"], form.cleaned_data["value"]]]
        else:
            new = form.cleaned_data["text" if how == "paste" else "file"]
        from .data_entry import merge

        try:
            with transaction.atomic():
                measure = ProjectMeasure.objects.select_for_update().get(pk=measure.pk)
                measure.points = merge(measure, new)
                measure.save()
        except SeriesDataError as error:
            form.add_error(None, error.message[0].upper() + error.message[1:])
        else:
            _changed(project)
            count = len(new)
            messages.success(
                request,
                f"{count} value{'s' if count != 1 else ''} added to ‘{measure.name}’. The chart "
                "has been updated.",
            )
            if from_project:
                return _back(project, f"measure-{measure.pk}")
            return HttpResponseRedirect(f"{project.url}measures/{measure.pk}/")
    return _measure_page(
        request, project, measure, status=400, form=_settings_form(measure), **{name: form}
    )


def _settings_form(measure):
    return MeasureForm(
        initial={
            "name": measure.name,
            "kind": measure.kind,
            "unit": measure.unit,
            "direction": measure.direction,
            "target": "" if measure.target is None else measure.target,
            "change_at": measure.change_at,
        }
    )


def new_cycle(request, project):
    return edit_cycle(request, project, None)


def edit_cycle(request, project, cycle_id=None):
    refused = _check(request, project)
    if refused:
        return refused
    cycle = None
    if cycle_id is not None:
        cycle = get_object_or_404(PdsaCycle, page=project, pk=cycle_id)
    measures = project.series.all()
    if request.method == "POST":
        form = CycleForm(request.POST, measures=measures)
        if form.is_valid():
            data = form.cleaned_data
            with transaction.atomic():
                if cycle is None:
                    locked = ProjectPage.objects.select_for_update().get(pk=project.pk)
                    last = locked.cycles.order_by("-number").values_list("number", flat=True)
                    cycle = PdsaCycle(page=project, number=(last.first() or 0) + 1)
                for name in ("change_tested", "start_date", "end_date", "plan", "prediction",
                             "do", "study", "act", "act_notes"):  # fmt: skip
                    setattr(cycle, name, data[name] if data[name] is not None else "")
                cycle.end_date = data["end_date"]
                cycle.save()
                cycle.measures.set(data["measures"])
                if project.live and cycle_id is None:
                    notify_followers(
                        project,
                        "project",
                        f"New PDSA cycle on {project.title}: {cycle.change_tested}",
                        f"{project.url}#cycle-{cycle.number}",
                        text=cycle.plan[:300],
                        actor_id=request.user.pk,
                    )
            _changed(project)
            messages.success(request, f"Cycle {cycle.number} has been saved.")
            return _back(project, f"cycle-{cycle.number}")
        status = 400
    else:
        initial = {}
        if cycle is not None:
            initial = {
                name: getattr(cycle, name)
                for name in (
                    "change_tested",
                    "start_date",
                    "end_date",
                    "plan",
                    "prediction",
                    "do",
                    "study",
                    "act",
                    "act_notes",
                )  # fmt: skip
            }
            for name in ("start_date", "end_date"):
                if initial[name]:
                    initial[name] = initial[name].strftime("%d/%m/%Y")
            initial["measures"] = list(cycle.measures.all())
        form = CycleForm(initial=initial, measures=measures)
        status = 200
    return _form_page(request, project, "projects/cycle.html", status, form=form, cycle=cycle)


def team(request, project):
    refused = _check(request, project, lead=request.method == "POST")
    if refused:
        return refused
    form = TeamMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.cleaned_data["email"]
        with transaction.atomic():
            member, created = ProjectMember.objects.get_or_create(
                page=project,
                user=user,
                defaults={
                    "role": form.cleaned_data["role"],
                    "is_lead": form.cleaned_data["is_lead"],
                },  # fmt: skip
            )
            if not created:
                member.role = form.cleaned_data["role"] or member.role
                member.is_lead = form.cleaned_data["is_lead"]
                member.save(update_fields=["role", "is_lead"])
            elif user.pk != request.user.pk:
                notify_member(
                    user.pk,
                    f"You have been added to the project team: {project.title}",
                    project.url,
                    reason="You were added to a project's team",
                )
        _changed(project)
        messages.success(request, f"{member.display_name} is on the team.")
        return HttpResponseRedirect(f"{project.url}team/")
    members = project.team.select_related("user__staff_profile")
    status = 400 if form.is_bound else 200
    return _form_page(
        request, project, "projects/team.html", status, form=form, members=members,
        is_lead=project.is_lead(request.user),
    )  # fmt: skip


def remove_member(request, project, member_id):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    refused = _check(request, project, lead=True)
    if refused:
        return refused
    member = get_object_or_404(ProjectMember, page=project, pk=member_id)
    leads = project.team.filter(is_lead=True).exclude(pk=member.pk)
    if member.is_lead and not leads.exists():
        messages.error(request, "A project needs a lead: make someone else a lead first.")
    else:
        member.delete()
        _changed(project)
        messages.success(request, f"{member.display_name} has left the team.")
    return HttpResponseRedirect(f"{project.url}team/")


def share(request, project):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    refused = _check(request, project, lead=True)
    if refused:
        return refused
    if not project.live:
        _publish(project, request.user)
        messages.success(
            request, "Your project is shared: anyone can read it, find it in search and follow it."
        )
    return _back(project)


def unshare(request, project):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    refused = _check(request, project, lead=True)
    if refused:
        return refused
    if project.live:
        # Who may unshare is the team's rule (a lead), not Wagtail's page permissions: staff
        # accounts have no rights in the admin.
        UnpublishPageAction(project, user=request.user, log_action=True).execute(
            skip_permission_checks=True
        )
        messages.success(request, "Your project is private again: only your team can see it.")
    return _back(project)


def write_up_view(request, project):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    refused = _check(request, project, lead=True)
    if refused:
        return refused
    try:
        case, created = write_up(project, request.user)
    except WriteUpError as error:
        messages.error(request, str(error))
        return _back(project)
    if created:
        messages.success(
            request,
            f"A draft case study, ‘{case.title}’, has been written from the project and sent to "
            "the editors. They will check it before it is published.",
        )
    else:
        messages.info(request, "This project has already been written up and sent to the editors.")
    return _back(project, "write-up")


def data(request, project):
    """The project's data as a CSV file (every measure, every point)."""
    import csv

    from django.http import HttpResponse

    from kb.core.spreadsheets import spreadsheet_safe

    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{project.slug}-data.csv"'
    if not project.live:
        response["Cache-Control"] = PRIVATE
    writer = csv.writer(response)
    writer.writerow(["measure", "kind", "unit", "period", "value"])
    for measure in project.series.all():
        for label, value in measure.points or []:
            writer.writerow(
                [spreadsheet_safe(v) for v in (measure.name, measure.kind, measure.unit, label)]
                + [value]
            )
    return response


@require_GET
def api_project(request, slug):
    """`/api/projects/<slug>/`: a shared project as JSON (private projects do not exist here)."""
    project = (
        ProjectPage.objects.live()
        .public()
        .filter(slug=slug)
        .select_related("organisation", "region", "idea")
        .first()
    )
    if project is None:
        raise Http404
    response = JsonResponse(api.project_json(project, request), json_dumps_params={"indent": 1})
    return response
