"""The funnel plot's picture and words, read as a screen reader and an XML parser would."""

import random

import pytest
from lxml import etree

from kb.variation.funnel import funnel
from kb.variation.funnel_svg import describe_funnel, render_funnel_svg

SVG = "{http://www.w3.org/2000/svg}"


def proportions(count=40, seed=1, names=None):
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        n = rng.randint(100, 5000)
        rows.append(
            ((names or {}).get(i, f"Trust {i}"), round(n * min(0.99, 0.7 + rng.gauss(0, 0.05))), n)
        )
    return funnel(rows, "proportion", multiplier=100)


def parse(svg):
    return etree.fromstring(svg.encode())


def test_every_organisation_is_a_point_named_with_where_it_stands():
    result = proportions()
    tree = parse(render_funnel_svg(result, "Four-hour performance", unit="%"))
    tooltips = [t.text for t in tree.iter(f"{SVG}title")][1:]
    assert len(tooltips) == len(result.points)
    for point in result.points:
        (text,) = [t for t in tooltips if t.startswith(f"{point.name}:")]
        assert ("above" in text) == point.band.startswith("above")
        assert ("below" in text) == point.band.startswith("below")
    assert tree.get("role") == "img"
    labelled = tree.get("aria-labelledby").split()
    assert [tree.find(f".//*[@id='{i}']").tag for i in labelled] == [f"{SVG}title", f"{SVG}desc"]


def test_the_summary_counts_what_the_limits_show():
    result = proportions(count=80, seed=7)
    counts = result.counts()
    text = describe_funnel(result, "%", "higher")
    assert text.startswith("80 organisations; national value")
    for band, words in (("above_998", "above the upper 99.8 % limit"),
                        ("below_998", "below the lower 99.8 % limit")):  # fmt: skip
        if counts[band]:
            noun = "organisation is" if counts[band] == 1 else "organisations are"
            assert f"{counts[band]} {noun} {words}" in text.lower()
        else:
            assert words not in text
    assert "Higher is better, so below the limits is the worse side." in text


def test_all_within_limits_says_so():
    result = funnel([(f"T{i}", 50, 100) for i in range(10)], "proportion", multiplier=100)
    assert "Every organisation is within the 95 % limits." in describe_funnel(result)


def test_hostile_names_are_escaped_and_the_highlight_is_labelled():
    name = '<script>alert("x")</script> & Ω'
    result = proportions(count=12, names={3: name})
    svg = render_funnel_svg(result, "<b>title</b>", highlight=name, id_prefix='x" onload="y')
    assert "<script>" not in svg and "<b>" not in svg and 'onload="y"' not in svg
    tree = parse(svg)
    assert [t.text for t in tree.iter(f"{SVG}text") if t.text == name] == [name]


@pytest.mark.parametrize("data_type", ["proportion", "standardised-ratio", "rate"])
def test_limits_stay_inside_the_plot(data_type):
    rows = [(f"T{i}", 3 + i * 2, 10 + i * 40) for i in range(25)]
    result = funnel(rows, data_type, multiplier=100 if data_type == "proportion" else 1)
    tree = parse(render_funnel_svg(result, "t"))
    limit_paths = [p for p in tree.iter(f"{SVG}path") if p.get("fill") == "none"]
    assert len(limit_paths) == 4
    assert all(p.get("clip-path") for p in limit_paths)
