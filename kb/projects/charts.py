"""A project's measures as charts with its PDSA cycles marked on them.

Each cycle is marked on the charts of the measures it touched (or on every chart when it names
none) at the first point dated on or after the day it started; a cycle that started after the
latest point is not marked yet.

A series stores its own chart when its data is saved, but knows nothing of cycles, which change
on their own. So each measure also stores its chart with the markers (`marked_chart`), drawn
again by `refresh_marked_charts` whenever the team changes the project's measures or cycles,
with a key saying what it was drawn from. A page whose stored drawing is out of date (an edit
made some other way) draws the chart as it shows it, and stores nothing.
"""

import hashlib
import json
from dataclasses import dataclass, field

from django.db.models import Prefetch

from kb.measurement import charts
from kb.measurement.series import chart_key


@dataclass
class MeasureChart:
    measure: object
    chart: dict | None
    markers: list = field(default_factory=list)
    value_form: object = None

    @property
    def name(self):
        return self.measure.name

    @property
    def unit(self):
        return self.measure.unit


def cycle_markers(measure, cycles):
    """charts.Marker for each cycle to show on this measure's chart."""
    dates = measure.point_dates()
    markers = []
    for cycle in cycles:
        touched = [m.pk for m in cycle.measures.all()]
        if touched and measure.pk not in touched:
            continue
        index = next(
            (i for i, day in enumerate(dates) if day is not None and day >= cycle.start_date),
            None,
        )
        if index is None:
            continue
        markers.append(
            charts.Marker(
                index, str(cycle.number), f"PDSA cycle {cycle.number}: {cycle.change_tested}"
            )
        )
    return markers


def _marked_key(measure, markers):
    text = json.dumps([chart_key(measure), [list(marker) for marker in markers]], default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _draw(measure, markers):
    if measure.spc_result is None:
        return ""
    title = f"{measure.name} ({measure.unit})" if measure.unit else measure.name
    return charts.render_chart_svg(
        measure.spc_result,
        title,
        id_prefix=f"series-{measure.pk}",
        value_axis_label=measure.unit or None,
        markers=markers,
    )


def marked_chart(measure, markers):
    """What `marked_chart` should hold for these markers ({} when there are none)."""
    if not markers:
        return {}
    return {"key": _marked_key(measure, markers), "svg": _draw(measure, markers)}


def measure_names(project):
    """A cycle's measures as the page shows them: their names (their data and stored charts,
    read once for the charts, are large)."""
    model = project.series.model
    return Prefetch("measures", queryset=model.objects.only("id", "name", "position"))


def refresh_marked_charts(project):
    """Draw and store every measure's chart with the project's cycles marked, where it changed."""
    cycles = list(project.cycles.prefetch_related(measure_names(project)))
    for measure in project.series.all():
        markers = cycle_markers(measure, cycles)
        stored = measure.marked_chart or {}
        if markers and stored.get("key") == _marked_key(measure, markers):
            continue
        if not markers and not stored:
            continue
        type(measure).objects.filter(pk=measure.pk).update(
            marked_chart=marked_chart(measure, markers)
        )


def measure_charts(project, series, cycles, forms=None):
    """[MeasureChart] for the page, in the measures' order."""
    from .forms import ValueForm

    forms = forms or {}
    found = []
    for measure in series:
        chart = measure.chart
        markers = cycle_markers(measure, cycles) if chart else []
        if markers:
            stored = measure.marked_chart or {}
            if stored.get("key") == _marked_key(measure, markers):
                svg = stored["svg"]
            else:
                svg = _draw(measure, markers)
            chart = chart | {"svg": svg}
        value_form = forms.get(f"value_form_{measure.pk}") or ValueForm(
            prefix=f"value-{measure.pk}"
        )
        found.append(MeasureChart(measure, chart, markers, value_form))
    return found
