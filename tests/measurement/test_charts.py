"""The SVG chart is well-formed, accessible and escaped; the data table matches the points."""

import xml.etree.ElementTree as ET

import pytest

from kb.measurement.charts import (
    DataTableRow,
    data_table_rows,
    describe_chart,
    render_chart_svg,
)
from kb.measurement.spc import analyse_series

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
    result = analyse([9, 11] * 6 + [19, 21] * 6, change_point=12)
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
