"""The driver diagram as typed and drawn, and `type: improvement-project` in the Markdown import."""

import textwrap

import pytest
from django.core.management import call_command

from kb.projects import drivers
from kb.projects.models import ProjectPage
from kb.publishing.frontmatter import ImportFailure, parse_document
from kb.publishing.markdown_import import import_document

DIAGRAM = """\
Patients are assessed soon after arrival
  Senior review at the front door
    Consultant in triage 10am to 10pm
    - Senior nurse streaming
\tECGs recorded at triage
    Healthcare assistants trained
Beds are free when needed
"""


def test_indented_lines_become_a_three_level_tree_and_back():
    tree = drivers.parse(DIAGRAM)
    assert [node["text"] for node in tree] == [
        "Patients are assessed soon after arrival",
        "Beds are free when needed",
    ]
    secondary = tree[0]["children"]
    assert [s["text"] for s in secondary] == [
        "Senior review at the front door",
        "ECGs recorded at triage",
    ]
    assert [c["text"] for c in secondary[0]["children"]] == [
        "Consultant in triage 10am to 10pm",
        "Senior nurse streaming",
    ]
    assert drivers.parse(drivers.as_text(tree)) == tree
    assert drivers.count_change_ideas(tree) == 3


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("  Indented first", "Line 1 is indented under no primary driver"),
        ("A\n    Too deep", "Line 2 is indented under no secondary driver"),
        ("A\n  B\n    C\n      D", "Line 4 is indented too far"),
        ("x" * 301, "Line 1 is too long"),
        ("\n".join(["A"] * 201), "at most 200 lines"),
    ],
)
def test_a_diagram_that_cannot_be_read_names_the_line(text, words):
    with pytest.raises(drivers.DriverDiagramError, match=words):
        drivers.parse(text)


def test_the_svg_escapes_what_teams_type_and_has_a_title():
    tree = drivers.parse("<script>alert(1)</script>\n  Secondary & more")
    svg = drivers.render_svg('Aim "quoted"', tree, id_prefix="d1")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert 'role="img"' in svg and '<title id="d1-title">' in svg
    assert svg.count("<rect") == 3  # the aim, the primary and the secondary driver
    assert drivers.render_svg("Aim", []) == ""


PROJECT = textwrap.dedent(
    """\
    ---
    type: improvement-project
    title: Faster ECGs
    aim: 80% of chest pain patients have an ECG within 10 minutes by September 2025.
    organisation: Northshire Hospitals NHS Foundation Trust
    status: testing
    progress_score: 3.5
    pathways: [urgent-and-emergency-care]
    team:
      - name: Dr Priya Raman
        role: Consultant
        lead: true
      - name: Grace Adeyemi
    driver_diagram: |
      Staff free to record the ECG
        Healthcare assistants record ECGs
          Two-hour course
    measures:
      - name: ECG within 10 minutes
        kind: outcome
        unit: "%"
        direction: up
        target: 80
        data: |
          6 Jan 2025, 45
          13 Jan 2025, 47
          20 Jan 2025, 44
          27 Jan 2025, 60
    cycles:
      - start: 2025-01-20
        change: One healthcare assistant at triage
        act: adopt
        measures: [ECG within 10 minutes]
    ---
    ## Background

    Patients waited for a nurse.
    """
)


def test_a_project_imports_with_its_team_measures_and_cycles(site_tree):
    call_import(PROJECT)
    project = ProjectPage.objects.get(slug="faster-ecgs")
    assert project.live and project.status == "testing" and str(project.progress_score) == "3.5"
    assert [m.name for m in project.team.all()] == ["Dr Priya Raman", "Grace Adeyemi"]
    assert project.team.get(name="Dr Priya Raman").is_lead
    measure = project.series.get()
    assert measure.points[0] == ["6 Jan 2025", 45.0] and measure.target == 80
    cycle = project.cycles.get()
    assert cycle.number == 1 and list(cycle.measures.all()) == [measure]
    assert project.driver_diagram[0]["children"][0]["children"][0]["text"] == "Two-hour course"
    assert "Patients waited for a nurse" in project.background

    # Importing a changed file replaces the team's rows rather than adding to them.
    call_import(PROJECT.replace("  - name: Grace Adeyemi\n", ""))
    assert project.team.count() == 1 and project.series.count() == 1


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("status: testing", "status: maybe"), "status must be one of"),
        (("progress_score: 3.5", "progress_score: 3.7"), "progress_score must be one of"),
        (("6 Jan 2025, 45", "Week one, 45"), "enter the period as a date"),
        (("6 Jan 2025, 45", "6 Jan 2025, 1e308"), "measure 1"),
        (("  - start: 2025-01-20", "  - start: soon"), "start must be a date"),
        (("act: adopt", "act: maybe"), "act must be adopt, adapt or abandon"),
        (("measures: [ECG within 10 minutes]", "measures: [Nothing]"), "measures must name"),
        (("  Healthcare assistants record ECGs", "      Too deep"), "driver_diagram"),
    ],
)
def test_a_bad_project_file_fails_with_a_clear_message(site_tree, change, words):
    with pytest.raises(ImportFailure, match=words):
        call_import(PROJECT.replace(*change))
    assert not ProjectPage.objects.exists()


def call_import(text):
    document = parse_document(text)
    return import_document(document, publish=True)


def test_the_demo_projects_load(demo_content):
    projects = {p.slug: p for p in ProjectPage.objects.live()}
    assert len(projects) >= 4
    carried = [p for p in projects.values() if p.idea_id and p.case_study_id]
    assert len(carried) >= 2
    pathways = {t.slug for p in projects.values() for t in p.pathways.all()}
    assert {"urgent-and-emergency-care", "elective-care"} <= pathways
    call_command("load_demo_content", verbosity=0)  # again: nothing doubles
    assert ProjectPage.objects.count() == len(projects)
