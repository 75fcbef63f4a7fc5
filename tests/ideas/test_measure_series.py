"""Tested and implemented ideas can show their measures over time as SPC or run charts."""

import pytest

from kb.ideas.models import IdeaPage, IdeaSeries

pytestmark = pytest.mark.django_db

POINTS = [
    [f"Week {n}", float(value)]
    for n, value in enumerate(
        [22, 25, 21, 24, 23, 22, 26, 24, 23, 25, 24, 22, 14, 12, 13, 11, 12, 13, 12, 11, 10,
         12, 11, 13], start=1,
    )
]  # fmt: skip


def with_series(idea, stage):
    idea.stage = stage
    idea.series = [
        IdeaSeries(name="Minutes spent finding equipment", unit="minutes", direction="down",
                   change_at="Week 13", points=POINTS)
    ]  # fmt: skip
    idea.save_revision().publish()
    # Loaded afresh: refresh_from_db() would keep the unsaved series assigned above.
    return IdeaPage.objects.get(pk=idea.pk)


def test_a_tested_idea_shows_its_chart_and_signal(client, make_idea):
    idea = with_series(make_idea(), "tested")
    html = client.get(idea.url).content.decode()
    assert "Measures over time" in html
    assert 'role="img"' in html
    assert "Improvement after the change." in html
    assert idea.signal == "improvement"
    assert idea.series.get().analysis["signal"] == "improvement"
    results = client.get("/api/search/", {"type": "idea"}).json()["results"]
    assert [r["signal"] for r in results if r["slug"] == idea.slug] == ["improvement"]


def test_an_untried_idea_shows_no_chart(client, make_idea):
    idea = with_series(make_idea(), "idea")
    assert "Measures over time" not in client.get(idea.url).content.decode()
    assert idea.signal == ""


def test_an_implemented_idea_stores_its_points_and_analysis(make_idea):
    idea = with_series(make_idea(), "implemented")
    series = idea.series.get()
    assert series.points == POINTS
    assert series.analysis["chart_type"] == "xmr"
    assert idea.signal == "improvement"
