"""Measures over time on case studies: data entry, import, charts on the page, signals shown."""

import math
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from kb.cases.models import CaseStudyPage, CaseStudySeries
from kb.measurement.spc import analyse_series

MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
MONTHS = [f"{month} {year}" for year in (2024, 2025) for month in MONTH_NAMES]
BEFORE = [15, 17, 17, 18, 24, 18, 17, 18, 17, 18, 19, 12]
AFTER = [32, 31, 34, 31, 31, 30, 32, 34, 36, 30, 28, 27]


def points(values, labels=MONTHS):
    return [[label, float(value)] for label, value in zip(labels, values, strict=False)]


def pasted(values, labels=MONTHS, sep=", "):
    return "\n".join(f"{label}{sep}{value}" for label, value in zip(labels, values, strict=False))


def clean(series):
    series.full_clean(exclude=["page"])


def test_series_validation_names_the_field():
    with pytest.raises(ValidationError) as error:
        clean(CaseStudySeries(name="x", points=points(BEFORE), change_at="Jan 2030"))
    assert list(error.value.message_dict) == ["change_at"]
    with pytest.raises(ValidationError) as error:
        clean(CaseStudySeries(name="x", points=[["Jan", "lots"]]))
    assert error.value.message_dict == {"points": ["point 1: 'lots' is not a number"]}


def test_a_valid_series_is_stored_cleaned():
    series = CaseStudySeries(name="x", points=[(" Jan ", 1), ["Feb", "2%"]], change_at=" Feb ")
    clean(series)
    assert series.points == [["Jan", 1.0], ["Feb", 2.0]]
    assert series.change_at == "Feb"


def test_a_sustained_shift_after_the_change_counts_as_improvement():
    series = CaseStudySeries(name="Streamed", unit="%", direction="up", change_at="Jan 2025",
                             points=points(BEFORE + AFTER))  # fmt: skip
    assert series.spc_result.chart_type == "xmr"
    assert series.spc_result.limits_recalculated
    analysis = series.drawn_analysis
    assert analysis["change"] == "improvement" and analysis["signal"] == "improvement"
    assert "above the previous upper limit" in analysis["change_text"]
    down = CaseStudySeries(name="Waits", direction="down", change_at="Jan 2025",
                           points=points(BEFORE + AFTER))  # fmt: skip
    assert down.drawn_analysis["signal"] == "concern"


def test_few_points_give_a_run_chart():
    series = CaseStudySeries(name="Early days", points=points(BEFORE[:8]))
    assert series.spc_result.chart_type == "run"
    assert "<svg" in series.chart_svg


@pytest.mark.django_db
def test_saving_a_series_stores_its_analysis(make_case_study):
    page = make_case_study("Streaming to SDEC")
    series = CaseStudySeries.objects.create(
        page=page, name="Streamed", unit="%", change_at="Jan 2025", points=points(BEFORE + AFTER)
    )
    series = CaseStudySeries.objects.get(pk=series.pk)
    assert series.points == points(BEFORE + AFTER)
    assert series.analysis["chart_type"] == "xmr"
    assert series.analysis["signal"] == "improvement"
    assert series.analysis["summary"].startswith("The change at Jan 2025 moved the process")
    series.direction = "down"
    series.save(update_fields=["direction"])
    assert CaseStudySeries.objects.get(pk=series.pk).analysis["signal"] == "concern"


@pytest.mark.django_db
def test_case_study_page_draws_the_chart_with_words_and_table(client, make_case_study):
    page = make_case_study("Streaming to SDEC")
    page.series = [
        CaseStudySeries(name="Streamed to SDEC", unit="%", direction="up", change_at="Jan 2025",
                        points=points(BEFORE + AFTER))
    ]  # fmt: skip
    page.save_revision().publish()
    with mock.patch("kb.measurement.spc.analyse_series", wraps=analyse_series) as analysed:
        html = client.get(page.url).content.decode()
    assert analysed.call_count == 0  # drawn when the series was saved: serving runs no SPC
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
                                        points=points(BEFORE + AFTER))]  # fmt: skip
    improving.save_revision().publish()
    flat = make_case_study("Flat streaming", summary="Streaming work.")
    flat.series = [CaseStudySeries(name="Streamed", direction="up", points=points(BEFORE))]
    flat.save_revision().publish()
    listing = client.get("/case-studies/").content.decode()
    assert "Improvement shown on SPC chart" in listing
    assert "No signal yet" in listing
    results = client.get("/api/search/", {"q": "streaming"}).json()["results"]
    assert {r["slug"]: r["signal"] for r in results} == {
        improving.slug: "improvement", flat.slug: "none",
    }  # fmt: skip


@pytest.mark.django_db
def test_the_listing_reads_stored_signals_without_analysing(client, make_case_study):
    for number in range(3):
        page = make_case_study(f"Streaming {number}")
        page.series = [CaseStudySeries(name="Streamed", direction="up", change_at="Jan 2025",
                                       points=points(BEFORE + AFTER))]  # fmt: skip
        page.save_revision().publish()
    with mock.patch("kb.measurement.spc.analyse_series") as analysed:
        listing = client.get("/case-studies/").content.decode()
    assert listing.count("Improvement shown on SPC chart") == 3
    analysed.assert_not_called()


# --- the page editor ---------------------------------------------------------------------


@pytest.fixture
def editor(client, django_user_model):
    client.force_login(
        django_user_model.objects.create_superuser("admin", "admin@example.nhs.uk", "pw-12345678")
    )
    return client


def edit_with_series(client, page, page_edit_data, text, **fields):
    data = page_edit_data(client, page)
    row = {"name": "Streamed", "unit": "%", "direction": "up", "target": "", "change_at": "",
           "points": text, "id": "", "ORDER": "1", "DELETE": "", **fields}  # fmt: skip
    data["series-TOTAL_FORMS"] = "1"
    data["series-INITIAL_FORMS"] = "0"
    for key, value in row.items():
        data[f"series-0-{key}"] = value
    data["action-publish"] = "action-publish"
    return client.post(f"/admin/pages/{page.id}/edit/", data)


@pytest.mark.django_db
def test_pasted_columns_in_the_editor_are_stored_as_points(editor, make_case_study, page_edit_data):
    page = make_case_study("Streaming to SDEC")
    text = "Month\tStreamed %\n" + pasted(BEFORE + AFTER, sep="\t")
    response = edit_with_series(editor, page, page_edit_data, text, change_at="Jan 2025")
    assert response.status_code == 302, response.content.decode()[:3000]
    series = CaseStudyPage.objects.get(pk=page.pk).series.get()
    assert series.points == points(BEFORE + AFTER)
    assert series.analysis["signal"] == "improvement"
    # Opened again, the editor shows the points as lines to edit.
    form = page_edit_data(editor, page)
    assert form["series-0-points"].strip() == pasted(BEFORE + AFTER)


@pytest.mark.django_db
def test_a_bad_line_in_the_editor_is_named(editor, make_case_study, page_edit_data):
    page = make_case_study("Streaming to SDEC")
    text = "Jan 2024, 15\nFeb 2024, lots\nMar 2024, 17"
    response = edit_with_series(editor, page, page_edit_data, text, change_at="Feb 2024")
    assert response.status_code == 200
    html = response.content.decode()
    assert "line 2: &#x27;lots&#x27; is not a number" in html
    assert "is not in the data" not in html  # no second error from the points not read
    assert "Feb 2024, lots" in html  # what was typed is shown again, to be corrected
    assert not CaseStudySeries.objects.filter(page=page).exists()


@pytest.mark.django_db
def test_a_bad_change_period_in_the_editor_is_named(editor, make_case_study, page_edit_data):
    page = make_case_study("Streaming to SDEC")
    response = edit_with_series(editor, page, page_edit_data, pasted(BEFORE), change_at="Jan 2030")
    assert response.status_code == 200
    assert "the change period &#x27;Jan 2030&#x27; is not in the data" in response.content.decode()


@pytest.mark.django_db
def test_an_nhs_number_pasted_as_a_period_is_refused_and_hidden(
    editor, make_case_study, page_edit_data
):
    page = make_case_study("Streaming to SDEC")
    text = "Jan 2024, 15\n943 476 5919, 17\nMar 2024, 16"
    response = edit_with_series(editor, page, page_edit_data, text)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Remove the NHS number from" in html
    assert "943 476 5919" not in html and "[NHS number removed], 17" in html
    assert not CaseStudySeries.objects.filter(page=page).exists()


@pytest.mark.django_db
def test_comparing_revisions_shows_the_changed_point(editor, make_case_study, page_edit_data):
    page = make_case_study("Streaming to SDEC")
    page.series = [CaseStudySeries(name="Streamed", points=points(BEFORE))]
    page.save_revision().publish()
    data = page_edit_data(editor, page)
    data["series-0-points"] = pasted(BEFORE[:-1] + [99])
    assert editor.post(f"/admin/pages/{page.id}/edit/", data).status_code == 302
    first, second = list(page.revisions.order_by("id"))[-2:]
    compare = f"/admin/pages/{page.id}/revisions/compare/{first.id}...{second.id}/"
    html = editor.get(compare).content.decode()
    assert "Nov 2024, 19" in html
    assert '<span class="deletion">12</span><span class="addition">99</span>' in html


# --- Markdown import ---------------------------------------------------------------------

SERIES_FILE = """---
type: case-study
title: Series import
organisation: Series Trust
region: london
series:
  - name: Streamed to SDEC
    unit: "%"
    direction: up
    target: {target}
    change_at: {change_at}
    data:
{rows}
---
## The problem
Text.
"""


def series_file(values=BEFORE + AFTER, target="30", change_at="Jan 2025"):
    rows = "\n".join(
        f"      - [{label}, {value}]" for label, value in zip(MONTHS, values, strict=True)
    )
    return SERIES_FILE.format(rows=rows, target=target, change_at=change_at)


@pytest.mark.django_db
def test_markdown_import_reads_series(tmp_path, site_tree):
    (tmp_path / "case.md").write_text(series_file())
    call_command("import_markdown", str(tmp_path), "--publish", verbosity=0)
    series = CaseStudyPage.objects.get(slug="series-import").series.get()
    assert series.target == 30 and series.change_at == "Jan 2025"
    assert series.points == points(BEFORE + AFTER)
    assert series.analysis["signal"] == "improvement"


@pytest.mark.django_db
def test_markdown_import_keeps_large_values_and_commas_in_periods(tmp_path, site_tree):
    file = series_file(change_at="''").replace("[Jan 2024, 15]", '["Jan, 2024", "1,500"]')
    (tmp_path / "case.md").write_text(file)
    call_command("import_markdown", str(tmp_path), "--publish", verbosity=0)
    series = CaseStudyPage.objects.get(slug="series-import").series.get()
    assert series.points[0] == ["Jan, 2024", 1500.0]


@pytest.mark.django_db
def test_markdown_import_rejects_a_bad_series(tmp_path, site_tree, capsys):
    (tmp_path / "case.md").write_text(series_file().replace("[Jan 2024, 15]", "[Jan 2024, lots]"))
    with pytest.raises(CommandError):
        call_command("import_markdown", str(tmp_path), verbosity=0)
    assert "case.md:6: series 1 (Streamed to SDEC): point 1: 'lots'" in capsys.readouterr().err


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("file", "series", "field"),
    [
        (
            {"change_at": "Jan 2030"},
            {"points": points(BEFORE + AFTER), "change_at": "Jan 2030"},
            "change_at",
        ),
        (
            {"change_at": "Jan 2024"},
            {"points": points(BEFORE + AFTER), "change_at": "Jan 2024"},
            "change_at",
        ),
        ({"target": ".inf"}, {"points": points(BEFORE + AFTER), "target": math.inf}, "target"),
    ],
)
def test_import_and_model_refuse_a_bad_series_with_the_same_message(
    tmp_path, site_tree, capsys, file, series, field
):
    with pytest.raises(ValidationError) as error:
        clean(CaseStudySeries(name="Streamed to SDEC", **series))
    [message] = error.value.message_dict[field]
    (tmp_path / "case.md").write_text(series_file(**file))
    with pytest.raises(CommandError):
        call_command("import_markdown", str(tmp_path), verbosity=0)
    assert f"series 1 (Streamed to SDEC): {message}" in capsys.readouterr().err


@pytest.mark.django_db
def test_the_chart_caption_names_the_variation_once(client, make_case_study):
    page = make_case_study("Flat waits")
    page.series = [
        CaseStudySeries(name="Waits", unit="min", direction="down",
                        points=points([30, 31, 29, 30, 32, 30, 29, 31, 30, 30, 31, 29, 30, 31, 30]))
    ]  # fmt: skip
    page.save_revision().publish()

    html = client.get(page.url).content.decode()

    assert "<strong>Common cause variation.</strong> No point in the data meets" in html
    assert "</strong> Common cause variation: no point" not in html
