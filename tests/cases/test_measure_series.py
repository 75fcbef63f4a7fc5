"""Measures over time on case studies: data entry, import, charts on the page, signals shown."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from kb.cases.models import CaseStudySeries
from kb.measurement.series import parse_series_data

MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
MONTHS = [f"{month} {year}" for year in (2024, 2025) for month in MONTH_NAMES]
BEFORE = [15, 17, 17, 18, 24, 18, 17, 18, 17, 18, 19, 12]
AFTER = [32, 31, 34, 31, 31, 30, 32, 34, 36, 30, 28, 27]


def pasted(values, labels=MONTHS, sep=", "):
    return "\n".join(f"{label}{sep}{value}" for label, value in zip(labels, values, strict=False))


def test_pasted_spreadsheet_columns_are_read():
    text = "Month\tStreamed %\nJan 2024\t15\nFeb 2024\t17.5%\n\n"
    assert parse_series_data(text) == [("Jan 2024", 15.0), ("Feb 2024", 17.5)]
    assert parse_series_data('"Jan, 2024", "1,200"') == [("Jan, 2024", 1200.0)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no data"),
        ("Jan 2024, 15\nFeb 2024", "line 2 should have a period and a value"),
        ("Jan 2024, 15\nFeb 2024, lots", "line 2: 'lots' is not a number"),
        ("Jan 2024, nan", "finite"),
        ("x" * 50 + ", 3", "longer than 40"),
        ("\n".join(f"P{n}, {n}" for n in range(600)), "at most 500"),
    ],
)
def test_bad_data_gets_a_clear_error(text, message):
    with pytest.raises(ValueError, match=message):
        parse_series_data(text)


def test_series_validation_names_the_field():
    series = CaseStudySeries(name="x", data=pasted(BEFORE), change_at="Jan 2030")
    with pytest.raises(ValidationError) as error:
        series.clean()
    assert "change_at" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        CaseStudySeries(name="x", data="Jan, lots").clean()
    assert "data" in error.value.message_dict


def test_a_sustained_shift_after_the_change_counts_as_improvement():
    series = CaseStudySeries(name="Streamed", unit="%", direction="up", change_at="Jan 2025",
                             data=pasted(BEFORE + AFTER))  # fmt: skip
    assert series.analysis.chart_type == "xmr"
    assert series.analysis.limits_recalculated
    code, words = series.change_summary
    assert code == "improvement"
    assert "above the previous upper limit" in words
    assert series.shows_improvement
    down = CaseStudySeries(name="Waits", direction="down", change_at="Jan 2025",
                           data=pasted(BEFORE + AFTER))  # fmt: skip
    assert down.change_summary[0] == "concern"
    assert not down.shows_improvement


def test_few_points_give_a_run_chart():
    series = CaseStudySeries(name="Early days", data=pasted(BEFORE[:8]))
    assert series.analysis.chart_type == "run"
    assert "<svg" in series.chart_svg


@pytest.mark.django_db
def test_case_study_page_draws_the_chart_with_words_and_table(client, make_case_study):
    page = make_case_study("Streaming to SDEC")
    page.series = [CaseStudySeries(name="Streamed to SDEC", unit="%", direction="up",
                                   change_at="Jan 2025", data=pasted(BEFORE + AFTER))]  # fmt: skip
    page.save_revision().publish()
    html = client.get(page.url).content.decode()
    assert "Measures over time" in html
    assert "<svg" in html and 'role="img"' in html
    assert "Improvement after the change." in html
    assert "Rules used: NHS Making Data Count XmR rules" in html
    assert "Show the data for Streamed to SDEC as a table" in html
    assert html.count('<td class="nhsuk-table__cell">Jan 2025</td>') == 1


@pytest.mark.django_db
def test_listing_and_search_show_the_signal(client, make_case_study):
    improving = make_case_study("Streaming to SDEC", summary="Streaming work.")
    improving.series = [CaseStudySeries(name="Streamed", direction="up", change_at="Jan 2025",
                                        data=pasted(BEFORE + AFTER))]  # fmt: skip
    improving.save_revision().publish()
    flat = make_case_study("Flat streaming", summary="Streaming work.")
    flat.series = [CaseStudySeries(name="Streamed", direction="up", data=pasted(BEFORE))]
    flat.save_revision().publish()
    listing = client.get("/case-studies/").content.decode()
    assert "Improvement shown on SPC chart" in listing
    assert "No signal yet" in listing
    results = client.get("/api/search/", {"q": "streaming"}).json()["results"]
    assert {r["slug"]: r["signal"] for r in results} == {
        improving.slug: "improvement", flat.slug: "none",
    }  # fmt: skip


SERIES_FILE = """---
type: case-study
title: Series import
organisation: Series Trust
region: london
series:
  - name: Streamed to SDEC
    unit: "%"
    direction: up
    target: 30
    change_at: Jan 2025
    data:
{rows}
---
## The problem
Text.
"""


@pytest.mark.django_db
def test_markdown_import_reads_series(tmp_path, site_tree):
    pairs = zip(MONTHS, BEFORE + AFTER, strict=True)
    rows = "\n".join(f"      - [{label}, {value}]" for label, value in pairs)
    (tmp_path / "case.md").write_text(SERIES_FILE.format(rows=rows))
    call_command("import_markdown", str(tmp_path), "--publish", verbosity=0)
    from kb.cases.models import CaseStudyPage

    series = CaseStudyPage.objects.get(slug="series-import").series.get()
    assert series.target == 30 and series.change_at == "Jan 2025"
    assert len(series.points) == 24
    assert series.shows_improvement


@pytest.mark.django_db
def test_markdown_import_rejects_a_bad_series(tmp_path, site_tree, capsys):
    from django.core.management.base import CommandError

    rows = "      - [Jan 2024, lots]"
    (tmp_path / "case.md").write_text(SERIES_FILE.format(rows=rows))
    with pytest.raises(CommandError):
        call_command("import_markdown", str(tmp_path), verbosity=0)
    assert "case.md:6: series 1 (Streamed to SDEC)" in capsys.readouterr().err
