"""The parts of an improvement project's Markdown file that are not page fields: its team (as
names), measures with their data, and PDSA cycles, read from the front matter and checked with
the same rules as the team's own forms. See docs/markdown-import.md ("Improvement projects").

    team:
      - name: Amira Khan
        role: Consultant in emergency medicine
        lead: true
    driver_diagram: |
      Patients are assessed soon after they arrive
        Senior review at the front door
          Consultant in triage from 10am to 10pm
    measures:
      - name: Patients in the department under 4 hours
        kind: outcome            # outcome | process | balancing
        unit: "%"
        direction: up            # up | down | neither
        target: 95
        change_at: 3 Mar 2025    # optional: several separated by ";"
        data: |
          6 Jan 2025, 71.2
          13 Jan 2025, 70.8
    cycles:
      - start: 2025-01-20
        end: 2025-02-03
        change: Consultant in triage on weekday afternoons
        plan: ...
        prediction: ...
        do: ...
        study: ...
        act: adopt               # adopt | adapt | abandon
        act_notes: ...
        measures: [Patients in the department under 4 hours]
"""

import datetime

from kb.measurement.points import SeriesDataError, parse_points_text, validate_series
from kb.projects import drivers
from kb.projects.charts import refresh_marked_charts
from kb.projects.choices import PROGRESS_NAMES, Act, MeasureKind, Status
from kb.projects.data_entry import dated_points

from .frontmatter import as_text


def _items(document, key, what):
    raw = document.meta.get(key) or []
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        document.fail(f"{key} must be a list of {what}", key)
    return raw


def _text(document, key, item, name, max_length, required=False, where=""):
    value = item.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            document.fail(f"{where} needs {name}", key)
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        document.fail(f"{where}: {name} must be text", key)
    value = str(value).strip()
    if len(value) > max_length:
        document.fail(f"{where}: {name} is longer than {max_length} characters", key)
    return value


def team_of(document):
    found = []
    for number, item in enumerate(_items(document, "team", "{name, role, lead}"), start=1):
        where = f"team member {number}"
        found.append(
            {
                "name": _text(document, "team", item, "name", 200, True, where),
                "role": _text(document, "team", item, "role", 120, where=where),
                "is_lead": item.get("lead") is True,
            }
        )
    return found


def drivers_of(document):
    raw = document.meta.get("driver_diagram")
    if raw is None:
        return []
    if not isinstance(raw, str):
        document.fail(
            "driver_diagram must be indented lines (use `driver_diagram: |`)", "driver_diagram"
        )
    try:
        return drivers.parse(raw)
    except drivers.DriverDiagramError as error:
        document.fail(f"driver_diagram: {error}", "driver_diagram")


def status_and_progress(document):
    status = as_text(document, "status") or Status.PLANNING
    if status not in Status.values:
        document.fail(
            f"status must be one of {', '.join(Status.values)}; found {status!r}", "status"
        )
    raw = document.meta.get("progress_score", 1.0)
    scores = {float(score): score for score in PROGRESS_NAMES}
    if isinstance(raw, bool) or not isinstance(raw, int | float) or float(raw) not in scores:
        document.fail(
            "progress_score must be one of 1.0, 1.5 ... 5.0 (the IHI progress scale)",
            "progress_score",
        )
    return status, scores[float(raw)]


def measures_of(document):
    found = []
    for number, item in enumerate(_items(document, "measures", "measures"), start=1):
        where = f"measure {number}"
        name = _text(document, "measures", item, "name", 200, True, where)
        kind = _text(document, "measures", item, "kind", 10, where=where) or "outcome"
        if kind not in MeasureKind.values:
            document.fail(
                f"{where} ({name}): kind must be one of {', '.join(MeasureKind.values)}", "measures"
            )
        data = item.get("data")
        try:
            if isinstance(data, list):
                rows = [[str(row[0]), row[1]] if isinstance(row, list | tuple) and len(row) == 2
                        else row for row in data]  # fmt: skip
            else:
                rows = parse_points_text(str(data or ""))
            valid = validate_series(
                dated_points(rows, where="row"),
                change_at=str(item.get("change_at") or ""),
                target=item.get("target"),
                direction=str(item.get("direction") or "up"),
            )
        except (SeriesDataError, TypeError, ValueError) as error:
            message = getattr(error, "message", str(error))
            document.fail(f"{where} ({name}): {message}", "measures")
        found.append(
            {
                "name": name,
                "kind": kind,
                "unit": _text(document, "measures", item, "unit", 40, where=where),
                "screen_moving_ranges": item.get("screen_moving_ranges") is True,
                **valid,
            }
        )
    names = [m["name"] for m in found]
    if len(set(names)) != len(names):
        document.fail("two measures have the same name", "measures")
    return found


def cycles_of(document, measure_names):
    found = []
    for number, item in enumerate(_items(document, "cycles", "PDSA cycles"), start=1):
        where = f"cycle {number}"
        dates = {}
        for name in ("start", "end"):
            value = item.get(name)
            if isinstance(value, datetime.datetime):
                value = value.date()
            if value is not None and not isinstance(value, datetime.date):
                try:
                    value = datetime.date.fromisoformat(str(value))
                except ValueError:
                    document.fail(f"{where}: {name} must be a date written YYYY-MM-DD", "cycles")
            dates[name] = value
        if dates["start"] is None:
            document.fail(f"{where} needs start (YYYY-MM-DD)", "cycles")
        if dates["end"] is not None and dates["end"] < dates["start"]:
            document.fail(f"{where}: end is before start", "cycles")
        act = _text(document, "cycles", item, "act", 10, where=where)
        if act and act not in Act.values:
            document.fail(f"{where}: act must be adopt, adapt or abandon", "cycles")
        touched = item.get("measures") or []
        if not isinstance(touched, list) or any(name not in measure_names for name in touched):
            document.fail(f"{where}: measures must name the project's measures", "cycles")
        found.append(
            {
                "number": number,
                "start_date": dates["start"],
                "end_date": dates["end"],
                "change_tested": _text(document, "cycles", item, "change", 300, True, where),
                "plan": _text(document, "cycles", item, "plan", 3000, where=where),
                "prediction": _text(document, "cycles", item, "prediction", 1000, where=where),
                "do": _text(document, "cycles", item, "do", 3000, where=where),
                "study": _text(document, "cycles", item, "study", 3000, where=where),
                "act": act,
                "act_notes": _text(document, "cycles", item, "act_notes", 2000, where=where),
                "measures": list(touched),
            }
        )
    return found


def write_parts(page, parts):
    """Replace the page's team, measures and cycles with the imported ones (called once the
    page has its id)."""
    from kb.projects.models import PdsaCycle, ProjectMeasure, ProjectMember

    page.team.all().delete()
    page.series.all().delete()
    page.cycles.all().delete()
    ProjectMember.objects.bulk_create(
        ProjectMember(page=page, **member) for member in parts["team"]
    )
    measures = {}
    for position, values in enumerate(parts["measures"]):
        fields = dict(values)
        if not hasattr(ProjectMeasure, "screen_moving_ranges"):
            fields.pop("screen_moving_ranges", None)
        measure = ProjectMeasure(page=page, position=position, **fields)
        measure.save()
        measures[measure.name] = measure
    for values in parts["cycles"]:
        values = dict(values)
        touched = values.pop("measures")
        cycle = PdsaCycle.objects.create(page=page, **values)
        cycle.measures.set([measures[name] for name in touched])
    refresh_marked_charts(page)
