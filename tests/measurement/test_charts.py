"""The SVG chart is well-formed, accessible and escaped; the data table matches the points."""

import math
import re
import xml.etree.ElementTree as ET

import pytest

from kb.measurement.charts import (
    DataTableRow,
    Marker,
    data_table_rows,
    describe_chart,
    render_chart_svg,
)
from kb.measurement.spc import MAX_ABS_VALUE, analyse_series

SVG = "{http://www.w3.org/2000/svg}"

# 9/11 in turn with a spike of 30 (index 7, above the upper limit 25.07) and -10 (index 15,
# below the lower limit -5.07): mean 10, mR-bar 85 / 15. See test_spc.py.
SPIKES = [9, 11, 9, 11, 9, 11, 9, 30, 11, 9, 11, 9, 11, 9, 11, -10]


def analyse(values, direction="up", labels=None, **options):
    labels = labels or [f"Week {i + 1}" for i in range(len(values))]
    return analyse_series(list(zip(labels, values, strict=True)), direction, **options)


def parse(svg):
    # The SVG is our own output under test, not untrusted input.
    return ET.fromstring(svg)  # noqa: S314


def by_class(root, name):
    return [el for el in root.iter() if name in el.get("class", "").split()]


def test_svg_is_well_formed_and_labelled_for_assistive_technology():
    result = analyse(SPIKES, target=4)
    root = parse(render_chart_svg(result, "Median wait", id_prefix="wait-chart"))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "wait-chart-title wait-chart-desc"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert (title.get("id"), title.text) == ("wait-chart-title", "Median wait")
    assert desc.get("id") == "wait-chart-desc"
    assert desc.text == describe_chart(result)


def test_description_says_what_the_chart_shows():
    result = analyse(SPIKES, target=4)
    desc = parse(render_chart_svg(result, "Wait")).find(f"{SVG}desc").text
    assert desc.startswith("XmR statistical process control chart of 16 points")
    assert "from Week 1 to Week 16; higher is better" in desc
    assert "centre line at the mean 10" in desc.lower()
    assert "process limits -5.073 to 25.07" in desc
    assert "2 of 16 points show special cause variation (1 improvement, 1 concern)" in desc
    assert result.variation_text in desc
    assert result.assurance_text in desc
    assert "Target 4" in desc


def test_run_chart_description_names_the_median_and_the_note():
    result = analyse([5, 3, 8, 6, 7])
    desc = describe_chart(result)
    assert desc.startswith("Run chart of 5 points")
    assert "Centre line at the median 6; no process limits." in desc
    assert "Fewer than 15 points: shown as a run chart" in desc
    assert "No points show special cause variation." in desc


def test_recalculated_limits_are_described_per_segment():
    result = analyse([9, 11] * 6 + [19, 21] * 6, change_points=[12])
    desc = describe_chart(result)
    assert "Before the change at Week 13, centre line at the mean 10" in desc
    assert "From the change at Week 13, centre line at the mean 20" in desc
    root = parse(render_chart_svg(result, "Step"))
    assert len(by_class(root, "spc-centre-line")) == 2
    assert len(by_class(root, "spc-limit")) == 4
    assert len(by_class(root, "spc-change")) == 1


def test_user_text_is_escaped():
    labels = [f"Week {i}" for i in range(len(SPIKES))]
    labels[0] = "<script>alert(1)</script>"
    labels[-1] = "A&E"
    result = analyse(SPIKES, labels=labels)
    svg = render_chart_svg(result, "A&E <waits>", value_axis_label="Minutes <b>")
    assert "<script>" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert "A&amp;E" in svg
    assert "<waits>" not in svg
    assert "<b>" not in svg
    root = parse(svg)  # escaping keeps it well-formed
    texts = {el.text for el in root.iter(f"{SVG}text")}
    assert {"<script>alert(1)</script>", "A&E", "Minutes <b>"} <= texts
    assert root.find(f"{SVG}title").text == "A&E <waits>"
    assert not list(root.iter(f"{SVG}script"))
    assert not [name for el in root.iter() for name in el.attrib if name.lower().startswith("on")]


def test_an_unsafe_id_prefix_is_cleaned():
    root = parse(render_chart_svg(analyse(SPIKES), "Wait", id_prefix='1 "x"><y'))
    title_id = root.find(f"{SVG}title").get("id")
    assert title_id == "spc-1-x-y-title"
    assert root.get("aria-labelledby").split()[0] == title_id


def test_special_cause_points_are_marked_by_shape_as_well_as_colour():
    result = analyse(SPIKES, "up")
    root = parse(render_chart_svg(result, "Wait"))
    points = root.find(f"{SVG}g[@class='spc-points']")
    assert len(by_class(points, "spc-point")) == len(result.points)
    (improvement,) = by_class(points, "spc-point--improvement")
    (concern,) = by_class(points, "spc-point--concern")
    common = by_class(points, "spc-point--common-cause")
    assert len(common) == 14
    # The legend shows one sample of each.
    legend = root.find(f"{SVG}g[@class='spc-legend']")
    assert len(by_class(legend, "spc-point--improvement")) == 1
    # Improvement: a large ringed circle; concern: a square; common cause: a small circle.
    assert improvement.tag == f"{SVG}circle"
    assert float(improvement.get("r")) > float(common[0].get("r"))
    assert improvement.get("stroke-width") == "2"
    assert concern.tag == f"{SVG}rect"
    assert improvement.get("fill") != concern.get("fill") != common[0].get("fill")
    # Each point's tooltip says what it is in words too.
    assert improvement.find(f"{SVG}title").text == (
        "Week 8: 30. Special cause improvement: above the upper process limit"
    )


def test_no_preferred_direction_draws_purple_diamonds():
    result = analyse(SPIKES, "neither")
    root = parse(render_chart_svg(result, "Wait"))
    neither = by_class(root, "spc-point--neither")
    assert len(neither) == 2 + 1  # two signals and the legend's sample
    assert {el.tag for el in neither} == {f"{SVG}polygon"}
    assert {el.get("fill") for el in neither} == {"#7030A0"}
    assert not by_class(root, "spc-point--improvement")


def test_legend_names_every_marker_and_line():
    root = parse(render_chart_svg(analyse(SPIKES, target=4), "Wait"))
    legend = root.find(f"{SVG}g[@class='spc-legend']")
    texts = [el.text for el in legend.iter(f"{SVG}text")]
    assert texts == [
        "Common cause",
        "Special cause improvement",
        "Special cause concern",
        "Mean",
        "Process limits",
        "Target",
    ]


def test_limits_are_dashed_and_the_target_is_drawn():
    root = parse(render_chart_svg(analyse(SPIKES, target=4), "Wait"))
    limits = by_class(root, "spc-limit")
    assert len(limits) == 2
    assert all(line.get("stroke-dasharray") for line in limits)
    (centre,) = by_class(root, "spc-centre-line")
    assert centre.get("stroke-dasharray") is None
    assert len(by_class(root, "spc-target")) == 1


def test_run_chart_has_a_median_line_and_no_limits():
    root = parse(render_chart_svg(analyse([5, 3, 8, 6, 7]), "Short"))
    assert "spc-chart--run" in root.get("class")
    assert len(by_class(root, "spc-centre-line")) == 1
    assert not by_class(root, "spc-limit")
    assert not by_class(root, "spc-target")
    legend_texts = [el.text for el in root.find(f"{SVG}g[@class='spc-legend']").iter(f"{SVG}text")]
    assert "Median" in legend_texts
    assert "Process limits" not in legend_texts


def test_first_and_last_period_labels_and_value_ticks_are_shown():
    root = parse(render_chart_svg(analyse(SPIKES), "Wait"))
    axes = root.find(f"{SVG}g[@class='spc-axes']")
    texts = [el.text for el in axes.iter(f"{SVG}text")]
    assert "Week 1" in texts
    assert "Week 16" in texts
    # Values run from -10 to 30 (limits -5.07 to 25.07): ticks every 10.
    assert {"-10", "0", "10", "20", "30"} <= set(texts)


@pytest.mark.parametrize("values", [[4.5], [3, 3, 3]])
def test_degenerate_series_still_draw(values):
    root = parse(render_chart_svg(analyse(values), "Tiny"))
    assert len(by_class(root, "spc-centre-line")) == 1


def test_data_table_rows_match_the_points():
    result = analyse(SPIKES, "up")
    rows = data_table_rows(result)
    assert len(rows) == len(result.points)
    assert all(isinstance(row, DataTableRow) for row in rows)
    assert [row.period for row in rows] == [point.label for point in result.points]
    assert rows[0] == DataTableRow("Week 1", "9", "Common cause")
    assert rows[7] == DataTableRow(
        "Week 8", "30", "Special cause improvement: above the upper process limit"
    )
    assert rows[15] == DataTableRow(
        "Week 16", "-10", "Special cause concern: below the lower process limit"
    )
    assert [row.signal != "Common cause" for row in rows] == [
        point.is_special_cause for point in result.points
    ]


def test_data_table_names_run_chart_rules():
    # Median 5; the highs run 9, 8, 9, (5), 8, 9, 8: six, skipping the point on the median.
    result = analyse([1, 2, 1, 9, 8, 9, 5, 8, 9, 8, 2, 1, 2], "neither")
    rows = data_table_rows(result)
    assert rows[3].signal == (
        "Special cause (neither direction): part of a run of 6 or more points above the median"
    )
    assert rows[6].signal == "Common cause"


# --- several changes ---------------------------------------------------------------------

THREE_STEPS = [9, 11] * 6 + [19, 21] * 6 + [29, 31] * 6


def test_three_segments_are_drawn_with_their_own_limits_and_a_break_at_each_change():
    result = analyse(THREE_STEPS, change_points=[12, 24])
    root = parse(render_chart_svg(result, "Steps"))
    centres = by_class(root, "spc-centre-line")
    assert len(centres) == 3
    assert len(by_class(root, "spc-limit")) == 6
    assert len(by_class(root, "spc-change")) == 2
    # Each segment's lines stop before the next begins: a break at each change.
    spans = [(float(line.get("x1")), float(line.get("x2"))) for line in centres]
    assert spans[0][1] < spans[1][0] and spans[1][1] < spans[2][0]
    # The two change lines sit between the points either side of each change.
    changes = [float(line.get("x1")) for line in by_class(root, "spc-change")]
    assert spans[0][1] < changes[0] < spans[1][0] and spans[1][1] < changes[1] < spans[2][0]
    assert len({line.get("y1") for line in centres}) == 3
    desc = describe_chart(result)
    assert "Before the change at Week 13, centre line at the mean 10" in desc
    assert (
        "From the change at Week 13 until the change at Week 25, centre line at the mean 20"
    ) in desc
    assert "From the change at Week 25, centre line at the mean 30" in desc


def test_a_skipped_change_is_still_drawn_and_explained():
    result = analyse(THREE_STEPS, change_points=[12, 18, 24])
    root = parse(render_chart_svg(result, "Steps"))
    assert len(by_class(root, "spc-change")) == 3
    assert len(by_class(root, "spc-centre-line")) == 3
    assert "not recalculated at the change at Week 19" in describe_chart(result)


# --- markers -------------------------------------------------------------------------------

CYCLES = [
    Marker(2, "1", "PDSA cycle 1: Triage nurse at the front door"),
    Marker(9, "2", "PDSA cycle 2: Streaming <to> SDEC & back."),
]


def test_markers_are_drawn_as_numbered_flags_with_titles():
    result = analyse(SPIKES)
    root = parse(render_chart_svg(result, "Wait", markers=CYCLES))
    group = root.find(f"{SVG}g[@class='spc-markers']")
    marks = by_class(group, "spc-marker")
    assert len(marks) == 2
    assert [m.get("data-index") for m in marks] == ["2", "9"]
    assert [m.find(f"{SVG}title").text for m in marks] == [
        "PDSA cycle 1: Triage nurse at the front door (Week 3)",
        "PDSA cycle 2: Streaming <to> SDEC & back (Week 10)",
    ]
    assert [m.find(f"{SVG}text").text for m in marks] == ["1", "2"]
    # Each sits on a dashed line at its point's x, the same x as the point's marker.
    points = by_class(root.find(f"{SVG}g[@class='spc-points']"), "spc-point")
    for mark, index in zip(marks, (2, 9), strict=True):
        line = mark.find(f"{SVG}line")
        assert line.get("stroke-dasharray")
        assert line.get("x1") == line.get("x2") == points[index].get("cx")
        assert float(line.get("y2")) > float(line.get("y1"))
    legend = root.find(f"{SVG}g[@class='spc-legend']")
    assert "Marked event (numbered)" in [el.text for el in legend.iter(f"{SVG}text")]


def test_markers_are_listed_in_the_description():
    result = analyse(SPIKES)
    desc = parse(render_chart_svg(result, "Wait", markers=CYCLES)).find(f"{SVG}desc").text
    assert desc == describe_chart(result, CYCLES)
    assert desc.endswith(
        "2 marked events: Marker 1, at Week 3: PDSA cycle 1: Triage nurse at the front door. "
        "Marker 2, at Week 10: PDSA cycle 2: Streaming <to> SDEC & back."
    )
    assert "marked event" not in describe_chart(result)


def test_markers_out_of_range_are_left_out_and_no_markers_draw_nothing():
    result = analyse(SPIKES)
    markers = [Marker(-1, "0", "Before"), Marker(16, "9", "After"), Marker(15, "3", "Last")]
    root = parse(render_chart_svg(result, "Wait", markers=markers))
    assert [m.get("data-index") for m in by_class(root, "spc-marker")] == ["15"]
    assert "1 marked event: Marker 3, at Week 16: Last." in root.find(f"{SVG}desc").text
    plain = render_chart_svg(result, "Wait")
    assert "spc-marker" not in plain and "Marked event" not in plain
    assert plain == render_chart_svg(result, "Wait", markers=[Marker(99, "1", "Later")])


def test_markers_on_neighbouring_points_do_not_overlap():
    result = analyse(list(range(100)))
    markers = [Marker(i, str(i), f"Cycle {i}") for i in (10, 11, 12, 50)]
    root = parse(render_chart_svg(result, "Many", markers=markers))
    flags = [mark.find(f"{SVG}rect") for mark in by_class(root, "spc-marker")]
    boxes = [
        (float(f.get("x")), float(f.get("y")), float(f.get("width")), float(f.get("height")))
        for f in flags
    ]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0]
            apart = apart or a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1]
            assert apart, (a, b)


def test_marker_text_is_escaped():
    markers = [Marker(1, "<b>", "<script>alert(1)</script>")]
    svg = render_chart_svg(analyse(SPIKES), "Wait", markers=markers)
    assert "<script>" not in svg and "<b>" not in svg
    parse(svg)


# --- values at the bound -----------------------------------------------------------------

NUMBER = re.compile(r'(?<![\w-])(?:x|y|x1|x2|y1|y2|cx|cy|r|width|height|points)="([^"]*)"')


def coordinates(svg):
    return [float(n) for value in NUMBER.findall(svg) for n in re.split(r"[ ,]+", value) if n]


@pytest.mark.parametrize(
    "values",
    [
        [MAX_ABS_VALUE, -MAX_ABS_VALUE] * 8,
        [MAX_ABS_VALUE] * 15,
        [MAX_ABS_VALUE - 0.001, MAX_ABS_VALUE] * 8,
        [-MAX_ABS_VALUE, 0.5, 1e-9] * 6,
    ],
)
def test_values_at_the_bound_draw_finite_coordinates(values):
    result = analyse(values, target=-MAX_ABS_VALUE, change_points=[])
    svg = render_chart_svg(result, "Huge", markers=[Marker(3, "1", "Cycle")])
    numbers = coordinates(svg)
    assert numbers and all(math.isfinite(n) for n in numbers)
    assert not re.search(r"\b(?:inf|infinity|nan)\b", svg, re.IGNORECASE)
    ticks = by_class(parse(svg), "spc-axes")[0].findall(f"{SVG}text")
    assert len(ticks) < 20
