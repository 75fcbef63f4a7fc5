"""Importing Markdown files as pages: `manage.py import_markdown` and `import_paths`.

Each test writes real files with `tmp_path`, runs the import as an editor would and checks what
an editor or a reader would notice: the pages and their fields, what is live, what the command
reports, and what the public sees at the page's address.
"""

import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kb.cases.models import CaseStudyPage
from kb.guides.models import BlueprintPage, GirftStandardPage, ImprovementGuidePage
from kb.publishing.markdown_import import ImportFailure, import_paths
from kb.taxonomy.models import Organisation

pytestmark = pytest.mark.usefixtures("site_tree")


# --- helpers ---------------------------------------------------------------------------------


def md(front, body=""):
    """A Markdown file's text: front matter lines between `---` fences, then the body."""
    return "---\n" + front.strip("\n") + "\n---\n" + body


def write(folder, name, text):
    path = Path(folder) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


class Run:
    """What one run of the command did: whether it succeeded and what it printed."""

    def __init__(self, ok, out, err, error=None):
        self.ok, self.out, self.err, self.error = ok, out, err, error


def run_import(*paths, publish=False):
    out, err = io.StringIO(), io.StringIO()
    args = [str(p) for p in paths] + (["--publish"] if publish else [])
    try:
        call_command("import_markdown", *args, stdout=out, stderr=err)
    except CommandError as error:
        return Run(False, out.getvalue(), err.getvalue(), error)
    return Run(True, out.getvalue(), err.getvalue())


def get_html(client, url):
    response = client.get(url)
    return response.status_code, response.content.decode("utf-8")


def revisions(page):
    return page.revisions.count()


def guide(slug="sdec-guide", title="Same day emergency care", extra="", body=None):
    front = f"""
type: improvement-guide
slug: {slug}
title: {title}
summary: How to run same day emergency care well.
pathways: [urgent-and-emergency-care]
methods: [model-for-improvement]
date: 2025-06-01
{extra}"""
    return md(front, body if body is not None else "Why SDEC matters.\n")


def standard(slug="sdec-standard", reference="GIRFT-EM-99", extra=""):
    front = f"""
type: girft-standard
slug: {slug}
title: SDEC open 12 hours a day
summary: SDEC is open 12 hours a day, 7 days a week.
specialty: emergency-medicine
reference: {reference}
standard: Same day emergency care is open at least 12 hours a day, 7 days a week.
date: 2025-06-01
{extra}"""
    return md(front, "## Rationale\n\nFewer admissions.\n")


CASE_STUDY = md(
    """
type: case-study
slug: pah-ed-flow
title: Faster emergency department flow
summary: The trust cut waits for assessment by streaming patients at the door.
pathways: [urgent-and-emergency-care]
methods: [model-for-improvement, statistical-process-control]
specialties: [emergency-medicine]
date: 2025-03-01
owner: UEC improvement team
owner_email: uec.improvement@example.nhs.uk
last_reviewed: 2025-04-01
next_review: 2026-04-01
organisation: Princess Alexandra Hospital NHS Trust
organisation_type: trust
ods_code: rqw
region: east-of-england
measures:
  - name: Time to initial assessment
    unit: minutes
    baseline: 45
    result: 15
    period: April 2024 to March 2025
    higher_is_better: false
  - name: Patients seen within 4 hours
    unit: "%"
    baseline: "61.5"
    result: 72
evidence: sustained
contact_name: Jo Bloggs
contact_email: jo.bloggs@example.nhs.uk
also_adopted_by: [Example Partner Trust]
""",
    """The trust's emergency department was crowded every afternoon.

## The problem

Patients waited 45 minutes to be assessed.

## What the team did

Streaming at the front door.

## What did not work

A second triage nurse.

## Lessons

Measure every day.

## Costs and resources

No new money.

## Timeline

Two years of work.
""",
)


# --- 1. a new file of each type creates a page with its fields filled -------------------------


def test_new_improvement_guide_fills_mapped_sections_and_puts_the_rest_in_the_body(tmp_path):
    write(tmp_path, "standard.md", standard())
    write(
        tmp_path,
        "guide.md",
        guide(
            extra="""owner: UEC team
owner_email: uec@example.nhs.uk
specialties: [emergency-medicine, acute-and-general-medicine]
last_reviewed: 2025-07-01
related_standards: [sdec-standard]
""",
            body="""Why SDEC matters.

## What good looks like

Patients are assessed **within an hour**.

## measures

- Time to assessment

## Changes to test

Stream at the front door.

## Resources

The SDEC handbook.

## Background

SDEC grew out of ambulatory care.
""",
        ),
    )

    run = run_import(tmp_path)

    assert run.ok, run.err
    page = ImprovementGuidePage.objects.get(slug="sdec-guide")
    assert page.title == "Same day emergency care"
    assert page.summary == "How to run same day emergency care well."
    assert page.what_good_looks_like == "Patients are assessed **within an hour**."
    assert page.measures == "- Time to assessment"  # heading case does not matter
    assert page.changes_to_test == "Stream at the front door."
    assert page.resources == "The SDEC handbook."
    body = [(block.block_type, block.value) for block in page.body]
    assert body[0] == ("markdown", "Why SDEC matters.")
    assert body[1][0] == "section"
    assert body[1][1]["heading"] == "Background"
    assert body[1][1]["content"] == "SDEC grew out of ambulatory care."
    assert len(body) == 2
    assert [p.slug for p in page.pathways.all()] == ["urgent-and-emergency-care"]
    assert [m.slug for m in page.methods.all()] == ["model-for-improvement"]
    assert {s.slug for s in page.specialties.all()} == {
        "emergency-medicine",
        "acute-and-general-medicine",
    }
    assert [s.slug for s in page.related_standards.all()] == ["sdec-standard"]
    assert page.content_owner == "UEC team"
    assert page.owner_email == "uec@example.nhs.uk"
    assert page.publication_date == datetime.date(2025, 6, 1)
    assert page.last_reviewed == datetime.date(2025, 7, 1)
    assert page.next_review == datetime.date(2026, 7, 1)  # 12 months after last_reviewed


def test_new_girft_standard_has_specialty_reference_standard_and_sections(tmp_path):
    write(
        tmp_path,
        "standard.md",
        md(
            """
type: girft-standard
slug: handover-in-15
title: Ambulance handover within 15 minutes
specialty: emergency-medicine
reference: GIRFT-EM-42
standard: Ambulance patients are handed over within 15 minutes of arrival.
source_report: GIRFT Emergency Medicine report
source_url: https://gettingitrightfirsttime.co.uk/
""",
            """Intro to the standard.

## Rationale

Crews get back on the road.

## How it is measured

Minutes from arrival to handover.

## Evidence

National audit data.
""",
        ),
    )

    run = run_import(tmp_path)

    assert run.ok, run.err
    page = GirftStandardPage.objects.get(slug="handover-in-15")
    assert page.specialty.slug == "emergency-medicine"
    assert page.reference == "GIRFT-EM-42"
    assert page.standard == "Ambulance patients are handed over within 15 minutes of arrival."
    assert page.source_report == "GIRFT Emergency Medicine report"
    assert page.source_url == "https://gettingitrightfirsttime.co.uk/"
    assert page.rationale == "Crews get back on the road."
    assert page.how_measured == "Minutes from arrival to handover."
    assert page.evidence == "National audit data."
    assert [(b.block_type, b.value) for b in page.body] == [("markdown", "Intro to the standard.")]
    # No summary given: it is made from the intro.
    assert page.summary == "Intro to the standard."


def test_new_blueprint_has_components_standards_and_its_whole_body_as_narrative(tmp_path):
    write(tmp_path, "s1.md", standard(slug="std-one", reference="GIRFT-T-01"))
    write(tmp_path, "s2.md", standard(slug="std-two", reference="GIRFT-T-02"))
    write(
        tmp_path,
        "blueprint.md",
        md(
            """
type: blueprint
slug: model-ed
title: Model Emergency Department
summary: How an ED should be designed.
standards: [std-two, std-one]
components:
  - name: Streaming
    description: "An experienced clinician sees every walk-in patient."
  - name: Ambulance receiving area
    description: A staffed space for handover.
""",
            "The narrative.\n\n## Rationale\n\nA blueprint has no mapped sections.\n",
        ),
    )

    run = run_import(tmp_path)

    assert run.ok, run.err
    page = BlueprintPage.objects.get(slug="model-ed")
    components = [(b.block_type, b.value["name"], b.value["description"]) for b in page.components]
    assert components == [
        ("component", "Streaming", "An experienced clinician sees every walk-in patient."),
        ("component", "Ambulance receiving area", "A staffed space for handover."),
    ]
    assert {s.slug for s in page.standards.all()} == {"std-one", "std-two"}
    body = [(b.block_type, b.value) for b in page.body]
    assert body[0] == ("markdown", "The narrative.")
    assert body[1][0] == "section" and body[1][1]["heading"] == "Rationale"


def test_new_case_study_has_sections_measures_and_creates_its_unknown_organisation(tmp_path):
    write(tmp_path, "case.md", CASE_STUDY)
    assert not Organisation.objects.filter(name__icontains="Princess Alexandra").exists()

    run = run_import(tmp_path)

    assert run.ok, run.err
    page = CaseStudyPage.objects.get(slug="pah-ed-flow")
    assert page.problem == "Patients waited 45 minutes to be assessed."
    assert page.what_we_did == "Streaming at the front door."
    assert page.what_did_not_work == "A second triage nurse."
    assert page.lessons == "Measure every day."
    assert page.costs_and_resources == "No new money."
    body = [(b.block_type, b.value) for b in page.body]
    assert body[0] == ("markdown", "The trust's emergency department was crowded every afternoon.")
    assert body[1][1]["heading"] == "Timeline"
    measures = [
        (m.name, m.unit, m.baseline, m.result, m.period, m.higher_is_better)
        for m in page.measures.order_by("sort_order")
    ]
    assert measures == [
        (
            "Time to initial assessment",
            "minutes",
            Decimal(45),
            Decimal(15),
            "April 2024 to March 2025",
            False,
        ),
        ("Patients seen within 4 hours", "%", Decimal("61.5"), Decimal(72), "", True),
    ]
    organisation = page.organisation
    assert organisation.name == "Princess Alexandra Hospital NHS Trust"
    assert organisation.kind == "trust"
    assert organisation.ods_code == "RQW"
    assert organisation.region.slug == "east-of-england"
    assert page.region.slug == "east-of-england"
    assert page.evidence_strength == "sustained"
    assert page.contact_name == "Jo Bloggs"
    assert page.contact_email == "jo.bloggs@example.nhs.uk"
    assert [o.name for o in page.also_adopted_by.all()] == ["Example Partner Trust"]
    assert page.next_review == datetime.date(2026, 4, 1)


def test_a_heading_inside_a_code_fence_does_not_start_a_section(tmp_path):
    body = "## Changes to test\n\n```\n## Resources\nnot a heading\n```\n\n### A sub-heading\n"
    write(tmp_path, "guide.md", guide(body=body))

    assert run_import(tmp_path).ok

    page = ImprovementGuidePage.objects.get(slug="sdec-guide")
    assert page.changes_to_test == "```\n## Resources\nnot a heading\n```\n\n### A sub-heading"
    assert page.resources == ""
    assert len(page.body) == 0


def test_case_study_reuses_a_known_organisation_whatever_its_case(tmp_path, make_case_study):
    make_case_study(organisation="Princess Alexandra Hospital NHS Trust")
    before = Organisation.objects.count()
    write(
        tmp_path,
        "case.md",
        CASE_STUDY.replace(
            "Princess Alexandra Hospital NHS Trust", "PRINCESS ALEXANDRA HOSPITAL NHS TRUST"
        ),
    )

    assert run_import(tmp_path).ok

    page = CaseStudyPage.objects.get(slug="pah-ed-flow")
    assert page.organisation.name == "Princess Alexandra Hospital NHS Trust"
    assert Organisation.objects.count() == before + 1  # only "Example Partner Trust" is new


# --- 2. drafts and publishing ------------------------------------------------------------------


def test_without_publish_a_new_page_is_a_draft_hidden_from_the_public(tmp_path, client):
    write(tmp_path, "case.md", CASE_STUDY)

    run = run_import(tmp_path)

    assert run.ok, run.err
    assert "saved as drafts" in run.out
    page = CaseStudyPage.objects.get(slug="pah-ed-flow")
    assert not page.live
    assert page.has_unpublished_changes
    status, _ = get_html(client, "/case-studies/pah-ed-flow/")
    assert status == 404


def test_with_publish_a_case_study_is_live_and_shows_title_summary_and_measures(tmp_path, client):
    write(tmp_path, "case.md", CASE_STUDY)

    run = run_import(tmp_path, publish=True)

    assert run.ok, run.err
    assert CaseStudyPage.objects.get(slug="pah-ed-flow").live
    status, html = get_html(client, "/case-studies/pah-ed-flow/")
    assert status == 200
    assert "Faster emergency department flow" in html
    assert "The trust cut waits for assessment by streaming patients at the door." in html
    assert "Time to initial assessment" in html
    assert "45 minutes" in html and "15 minutes" in html
    assert "61.5%" in html and "72%" in html
    assert "Patients waited 45 minutes to be assessed." in html  # a mapped section
    assert "Two years of work." in html  # an unmapped section, in the body


def test_with_publish_a_guide_is_live_at_its_guidance_address(tmp_path, client):
    write(tmp_path, "guide.md", guide())

    assert run_import(tmp_path, publish=True).ok

    status, html = get_html(client, "/guidance/sdec-guide/")
    assert status == 200
    assert "Same day emergency care" in html
    assert "How to run same day emergency care well." in html


# --- 3. re-importing -------------------------------------------------------------------------


def test_reimporting_an_edited_file_updates_the_same_page_as_a_new_revision(tmp_path, client):
    path = write(tmp_path, "guide.md", guide(title="Old title"))
    assert run_import(path, publish=True).ok
    page = ImprovementGuidePage.objects.get(slug="sdec-guide")
    pages_before, revisions_before = ImprovementGuidePage.objects.count(), revisions(page)

    write(tmp_path, "guide.md", guide(title="New title"))
    run = run_import(path, publish=True)

    assert run.ok, run.err
    assert "1 updated" in run.out
    assert ImprovementGuidePage.objects.count() == pages_before
    page.refresh_from_db()
    assert revisions(page) == revisions_before + 1
    status, html = get_html(client, "/guidance/sdec-guide/")
    assert status == 200
    assert "New title" in html and "Old title" not in html


def test_reimporting_an_unchanged_file_changes_nothing_and_says_so(tmp_path):
    path = write(tmp_path, "case.md", CASE_STUDY)
    assert run_import(path, publish=True).ok
    page = CaseStudyPage.objects.get(slug="pah-ed-flow")
    revisions_before = revisions(page)
    organisations_before = Organisation.objects.count()

    run = run_import(path, publish=True)

    assert run.ok, run.err
    assert "unchanged" in run.out and "pah-ed-flow" in run.out
    assert "0 created, 0 updated, 1 unchanged, 0 failed" in run.out
    assert revisions(page) == revisions_before
    assert CaseStudyPage.objects.count() == 1
    assert Organisation.objects.count() == organisations_before
    result = import_paths([path], publish=True)
    assert [p.slug for p in result.unchanged] == ["pah-ed-flow"]
    assert not result.created and not result.updated


def test_reimporting_an_unchanged_draft_changes_nothing(tmp_path):
    path = write(tmp_path, "guide.md", guide())
    assert run_import(path).ok
    page = ImprovementGuidePage.objects.get(slug="sdec-guide")
    revisions_before = revisions(page)

    run = run_import(path)

    assert "1 unchanged" in run.out
    assert revisions(page) == revisions_before


def test_publishing_an_unchanged_draft_makes_it_live_without_duplicating_it(tmp_path, client):
    path = write(tmp_path, "guide.md", guide())
    assert run_import(path).ok

    run = run_import(path, publish=True)

    assert run.ok, run.err
    assert ImprovementGuidePage.objects.count() == 1
    assert ImprovementGuidePage.objects.get(slug="sdec-guide").live
    assert get_html(client, "/guidance/sdec-guide/")[0] == 200


# --- 4. a draft update of a live page ----------------------------------------------------------


def test_draft_update_of_a_live_page_keeps_the_live_version_public(tmp_path, client):
    path = write(tmp_path, "guide.md", guide(title="Published title"))
    assert run_import(path, publish=True).ok
    page = ImprovementGuidePage.objects.get(slug="sdec-guide")
    revisions_before = revisions(page)

    write(tmp_path, "guide.md", guide(title="Draft title"))
    run = run_import(path)

    assert run.ok, run.err
    assert "1 updated" in run.out
    page.refresh_from_db()
    assert page.live
    assert page.has_unpublished_changes
    assert revisions(page) == revisions_before + 1
    assert page.get_latest_revision_as_object().title == "Draft title"
    status, html = get_html(client, "/guidance/sdec-guide/")
    assert status == 200
    assert "Published title" in html and "Draft title" not in html


def test_reimporting_the_same_draft_update_adds_no_further_revision(tmp_path):
    path = write(tmp_path, "guide.md", guide(title="Published title"))
    assert run_import(path, publish=True).ok
    write(tmp_path, "guide.md", guide(title="Draft title"))
    assert run_import(path).ok
    page = ImprovementGuidePage.objects.get(slug="sdec-guide")
    revisions_before = revisions(page)

    run = run_import(path)

    assert "1 unchanged" in run.out
    assert revisions(page) == revisions_before
    assert page.live and page.title == "Published title"


def test_draft_update_of_a_case_study_leaves_the_live_measures_alone(tmp_path, client):
    path = write(tmp_path, "case.md", CASE_STUDY)
    assert run_import(path, publish=True).ok

    write(tmp_path, "case.md", CASE_STUDY.replace("Time to initial assessment", "Door to doctor"))
    assert run_import(path).ok

    html = get_html(client, "/case-studies/pah-ed-flow/")[1]
    assert "Time to initial assessment" in html and "Door to doctor" not in html
    page = CaseStudyPage.objects.get(slug="pah-ed-flow")
    assert [m.name for m in page.get_latest_revision_as_object().measures.all()][0] == (
        "Door to doctor"
    )


# --- 5. failures -------------------------------------------------------------------------------

GOOD_GUIDE = guide(slug="good-guide", title="A good guide")


def bad_guide(front_extra="", **changes):
    return guide(slug="bad-guide", title="A bad guide", extra=front_extra, **changes)


FAILURES = [
    pytest.param(
        bad_guide("").replace("[urgent-and-emergency-care]", "[urgent-and-emergency-care, nope]"),
        6,
        "unknown pathway slug: nope",
        id="unknown-pathway",
    ),
    pytest.param(
        bad_guide("").replace("[model-for-improvement]", "[model-for-improvement, kanban]"),
        7,
        "unknown improvement method slug: kanban",
        id="unknown-method",
    ),
    pytest.param(
        bad_guide("").replace("[urgent-and-emergency-care]", "[urgent-and-emergency-care"),
        6,
        "not valid YAML",
        id="unclosed-bracket",
    ),
    pytest.param(
        bad_guide("").replace("date: 2025-06-01", "date: 2025-02-30"),
        8,
        "not valid YAML (day is out of range for month)",
        id="impossible-date",
    ),
    pytest.param(
        bad_guide("").replace("title: A bad guide\n", ""),
        1,
        "a title is required",
        id="missing-title",
    ),
    pytest.param(
        "# A bad guide\n\nNo front matter here.\n",
        1,
        "must start with front matter",
        id="missing-front-matter",
    ),
    pytest.param(
        bad_guide("").replace("type: improvement-guide", "type: policy"),
        2,
        "type must be one of",
        id="unknown-type",
    ),
    pytest.param(
        standard(slug="bad-guide").replace("reference: GIRFT-EM-99\n", ""),
        1,
        "reference is required",
        id="standard-without-reference",
    ),
    pytest.param(
        CASE_STUDY.replace("slug: pah-ed-flow", "slug: bad-guide").replace(
            "baseline: 45", "baseline: about forty"
        ),
        18,
        "baseline must be a number",
        id="non-numeric-baseline",
    ),
    pytest.param(
        bad_guide("related_standards: [no-such-standard]\n"),
        9,
        "no GIRFT standard with slug no-such-standard",
        id="unknown-related-standard",
    ),
    pytest.param(
        bad_guide("").replace("title: A bad guide", "title: Caf\u00e9 guide").encode("latin-1"),
        4,
        "not UTF-8",
        id="not-utf-8",
    ),
]


@pytest.mark.parametrize(("text", "line", "message"), FAILURES)
def test_bad_file_fails_with_its_name_and_line_and_the_good_file_still_imports(
    tmp_path, text, line, message
):
    good = write(tmp_path, "good.md", GOOD_GUIDE)
    bad = write(tmp_path, "bad.md", text)
    organisations_before = Organisation.objects.count()

    run = run_import(good, bad)

    assert not run.ok
    assert "1 created" in str(run.error) and "1 failed" in str(run.error)
    assert f"FAILED {bad}:{line}: " in run.err, run.err
    assert message in run.err
    assert str(good) not in run.err
    assert ImprovementGuidePage.objects.filter(slug="good-guide").exists()
    for model in (ImprovementGuidePage, GirftStandardPage, CaseStudyPage, BlueprintPage):
        assert not model.objects.filter(slug="bad-guide").exists()
    assert Organisation.objects.count() == organisations_before


def test_import_paths_reports_each_failure_with_path_line_and_message(tmp_path):
    bad = write(tmp_path, "bad.md", bad_guide("").replace("type: improvement-guide", "type: x"))

    result = import_paths([bad])

    assert not result.ok
    [failure] = result.failed
    assert isinstance(failure, ImportFailure)
    assert failure.path == bad
    assert failure.line == 2
    assert "type must be one of" in failure.message
    assert str(failure).startswith(f"{bad}:2: ")


def test_bad_yaml_is_reported_at_the_line_that_is_wrong(tmp_path):
    bad = write(tmp_path, "bad.md", bad_guide("").replace("\nmethods:", "\n  methods:"))

    run = run_import(bad)

    assert not run.ok
    assert f"{bad}:7: the front matter is not valid YAML" in run.err


def test_a_failed_case_study_creates_no_organisation(tmp_path):
    bad = write(tmp_path, "case.md", CASE_STUDY.replace("region: east-of-england", "region: mars"))

    run = run_import(bad, publish=True)

    assert not run.ok
    assert f"{bad}:17: unknown region slug: mars" in run.err
    assert not Organisation.objects.filter(name__icontains="Princess Alexandra").exists()
    assert not Organisation.objects.filter(name="Example Partner Trust").exists()


def test_a_case_study_failing_after_its_organisation_was_made_leaves_no_organisation(tmp_path):
    long_name = "A" * 201
    bad = write(
        tmp_path,
        "case.md",
        CASE_STUDY.replace("[Example Partner Trust]", f"[Example Partner Trust, {long_name}]"),
    )

    run = run_import(bad, publish=True)

    assert not run.ok
    assert f"{bad}:32: organisation name is longer than 200 characters" in run.err
    assert not CaseStudyPage.objects.exists()
    assert not Organisation.objects.filter(name__icontains="Princess Alexandra").exists()
    assert not Organisation.objects.filter(name="Example Partner Trust").exists()


def test_a_failed_reimport_leaves_the_existing_page_as_it_was(tmp_path, client):
    path = write(tmp_path, "guide.md", guide(title="Working title"))
    assert run_import(path, publish=True).ok
    page = ImprovementGuidePage.objects.get(slug="sdec-guide")
    revisions_before = revisions(page)
    broken = guide(title="Broken title", extra="related_standards: [missing]\n")
    write(tmp_path, "guide.md", broken)

    run = run_import(path, publish=True)

    assert not run.ok
    assert f"{path}:9: no GIRFT standard with slug missing" in run.err
    page.refresh_from_db()
    assert revisions(page) == revisions_before
    assert not page.has_unpublished_changes
    html = get_html(client, "/guidance/sdec-guide/")[1]
    assert "Working title" in html and "Broken title" not in html


def test_slug_used_by_a_page_of_another_type_fails_and_leaves_that_page_alone(tmp_path, client):
    write(tmp_path, "standard.md", standard(slug="shared-slug"))
    assert run_import(tmp_path / "standard.md", publish=True).ok
    bad = write(tmp_path, "guide.md", guide(slug="shared-slug", title="A clashing guide"))
    good = write(tmp_path, "good.md", GOOD_GUIDE)

    run = run_import(bad, good, publish=True)

    assert not run.ok
    assert f"FAILED {bad}:3: slug 'shared-slug' is already used by a GIRFT standard" in run.err
    assert not ImprovementGuidePage.objects.filter(slug="shared-slug").exists()
    assert ImprovementGuidePage.objects.filter(slug="good-guide").exists()
    html = get_html(client, "/guidance/shared-slug/")[1]
    assert "SDEC open 12 hours a day" in html and "A clashing guide" not in html


def test_slug_made_from_the_title_that_clashes_is_reported_at_the_title_line(tmp_path):
    write(tmp_path, "standard.md", standard(slug="a-bad-guide"))
    bad = write(tmp_path, "guide.md", guide(title="A bad guide").replace("slug: sdec-guide\n", ""))

    run = run_import(tmp_path)

    assert not run.ok
    assert f"FAILED {bad}:3: slug 'a-bad-guide' is already used by a GIRFT standard" in run.err
    assert GirftStandardPage.objects.filter(slug="a-bad-guide").exists()


def test_two_files_with_the_same_type_and_slug_in_one_import_fail_the_second(tmp_path):
    first = write(tmp_path, "a.md", guide(title="First version"))
    second = write(tmp_path, "b.md", guide(title="Second version"))

    run = run_import(tmp_path)

    assert not run.ok
    assert f"FAILED {second}:3: improvement-guide slug 'sdec-guide' is also used by {first}" in (
        run.err
    )
    assert [p.title for p in ImprovementGuidePage.objects.all()] == ["First version"]


# --- 6. folders and cross-references -----------------------------------------------------------


def test_a_folder_imports_every_markdown_file_in_it_recursively(tmp_path):
    write(tmp_path, "guides/guide.md", guide())
    write(tmp_path, "standards/emergency/deep/standard.md", standard())
    write(tmp_path, "cases/case.md", CASE_STUDY)
    write(tmp_path, "notes.txt", "not markdown: " + guide(slug="from-a-text-file"))

    run = run_import(tmp_path)

    assert run.ok, run.err
    assert "3 created" in run.out
    assert ImprovementGuidePage.objects.filter(slug="sdec-guide").exists()
    assert GirftStandardPage.objects.filter(slug="sdec-standard").exists()
    assert CaseStudyPage.objects.filter(slug="pah-ed-flow").exists()
    assert not ImprovementGuidePage.objects.filter(slug="from-a-text-file").exists()


@pytest.mark.parametrize(
    ("guide_name", "standard_name"),
    [("a-guide.md", "z-standard.md"), ("z-guide.md", "a-standard.md")],
)
def test_a_guide_can_refer_to_a_standard_and_a_case_in_the_same_import(
    tmp_path, client, guide_name, standard_name
):
    write(
        tmp_path,
        guide_name,
        guide(extra="related_standards: [sdec-standard]\nrelated_cases: [pah-ed-flow]\n"),
    )
    write(tmp_path, standard_name, standard())
    write(tmp_path, "m-case.md", CASE_STUDY)

    run = run_import(tmp_path, publish=True)

    assert run.ok, run.err
    page = ImprovementGuidePage.objects.get(slug="sdec-guide")
    assert [s.slug for s in page.related_standards.all()] == ["sdec-standard"]
    assert [c.slug for c in page.related_cases.all()] == ["pah-ed-flow"]
    html = get_html(client, "/guidance/sdec-guide/")[1]
    assert "GIRFT-EM-99: SDEC open 12 hours a day" in html
    assert "Faster emergency department flow" in html


def test_a_blueprint_can_refer_to_a_standard_in_the_same_import(tmp_path):
    write(
        tmp_path,
        "a-blueprint.md",
        md("type: blueprint\nslug: bp\ntitle: Blueprint\nstandards: [sdec-standard]\n"),
    )
    write(tmp_path, "b-standard.md", standard())

    assert run_import(tmp_path).ok

    assert [s.slug for s in BlueprintPage.objects.get(slug="bp").standards.all()] == [
        "sdec-standard"
    ]


def test_a_reference_to_a_standard_that_failed_fails_the_guide_too(tmp_path):
    write(tmp_path, "guide.md", guide(extra="related_standards: [sdec-standard]\n"))
    write(
        tmp_path, "standard.md", standard().replace("specialty: emergency-medicine", "specialty: x")
    )

    run = run_import(tmp_path)

    assert not run.ok
    assert "0 created" in str(run.error) and "2 failed" in str(run.error)
    assert "unknown specialty slug: x" in run.err
    assert "no GIRFT standard with slug sdec-standard" in run.err


# --- 7. hostile and unusual input ----------------------------------------------------------


def test_markup_in_a_title_is_stored_as_text_and_shown_escaped(tmp_path, client):
    title = "<script>alert('owned')</script> <b>Bold</b> guide"
    write(tmp_path, "guide.md", guide(title=f'"{title}"'))

    assert run_import(tmp_path, publish=True).ok

    assert ImprovementGuidePage.objects.get(slug="sdec-guide").title == title
    status, html = get_html(client, "/guidance/sdec-guide/")
    assert status == 200
    assert "<script>alert(" not in html
    assert "<b>Bold</b>" not in html
    assert "&lt;script&gt;alert(&#x27;owned&#x27;)&lt;/script&gt; &lt;b&gt;Bold&lt;/b&gt;" in html


def test_a_title_longer_than_255_characters_fails_cleanly(tmp_path):
    bad = write(tmp_path, "long.md", guide(title="x" * 256))
    good = write(tmp_path, "good.md", GOOD_GUIDE)

    run = run_import(bad, good)

    assert not run.ok
    assert f"FAILED {bad}:4: the title is longer than 255 characters" in run.err
    assert not ImprovementGuidePage.objects.filter(slug="sdec-guide").exists()
    assert ImprovementGuidePage.objects.filter(slug="good-guide").exists()


def test_a_javascript_source_url_is_refused(tmp_path):
    bad = write(tmp_path, "standard.md", standard(extra="source_url: javascript:alert(1)\n"))

    run = run_import(bad, publish=True)

    assert not run.ok
    assert f"FAILED {bad}:10: the page is not valid (source_url: Enter a valid URL.)" in run.err
    assert not GirftStandardPage.objects.exists()


def test_a_path_that_does_not_exist_is_reported_and_the_rest_import(tmp_path):
    missing = tmp_path / "missing.md"
    good = write(tmp_path, "good.md", GOOD_GUIDE)

    run = run_import(missing, good)

    assert not run.ok
    assert f"FAILED {missing}: no such file" in run.err
    assert ImprovementGuidePage.objects.filter(slug="good-guide").exists()


def test_yaml_aliases_are_refused(tmp_path):
    # An alias can stand for a list of aliases, and so on: a few lines that expand to billions.
    text = guide(extra="x: &x [a, a, a]\ny: &y [*x, *x, *x]\n")
    bad = write(tmp_path, "bomb.md", text)

    run = run_import(bad)

    assert not run.ok
    assert f"FAILED {bad}:10: the front matter is not valid YAML (aliases" in run.err


def test_deeply_nested_yaml_fails_cleanly(tmp_path):
    bad = write(tmp_path, "deep.md", guide(extra="x: " + "[" * 5000 + "]" * 5000 + "\n"))
    good = write(tmp_path, "good.md", GOOD_GUIDE)

    run = run_import(bad, good)

    assert not run.ok
    assert f"FAILED {bad}:2: the front matter is not valid YAML" in run.err
    assert ImprovementGuidePage.objects.filter(slug="good-guide").exists()


def test_a_title_of_exactly_255_characters_imports(tmp_path):
    write(tmp_path, "long.md", guide(title="x" * 255))

    assert run_import(tmp_path).ok

    assert ImprovementGuidePage.objects.get(slug="sdec-guide").title == "x" * 255


def test_welsh_emoji_and_right_to_left_text_round_trip(tmp_path, client):
    title = "Gofal brys ym Mhen-y-bont ar Ogwr: ŵyn, ŷd a chwâl 🚑"
    summary = "Crynodeb: gwella llif y cleifion 🏥 — תקציר בעברית — ملخص بالعربية"
    body = "Testun Cymraeg: Llanfairpwll 👩‍⚕️\n\n## Cefndir\n\nנקודה ראשונה، نقطة ثانية\n"
    text = guide(slug="gofal-brys", title=f'"{title}"', body=body).replace(
        "How to run same day emergency care well.", f'"{summary}"'
    )
    write(tmp_path, "cymraeg.md", text)

    assert run_import(tmp_path, publish=True).ok

    page = ImprovementGuidePage.objects.get(slug="gofal-brys")
    assert page.title == title
    assert page.summary == summary
    html = get_html(client, "/guidance/gofal-brys/")[1]
    assert title in html
    assert summary in html
    assert "Testun Cymraeg: Llanfairpwll 👩‍⚕️" in html
    assert "Cefndir" in html
    assert "נקודה ראשונה، نقطة ثانية" in html


def test_a_slug_is_made_from_a_welsh_title_when_none_is_given(tmp_path, client):
    write(tmp_path, "guide.md", guide(title="Gwella gofal ŵyn").replace("slug: sdec-guide\n", ""))

    assert run_import(tmp_path, publish=True).ok

    assert get_html(client, "/guidance/gwella-gofal-wyn/")[0] == 200


def test_a_file_with_a_byte_order_mark_imports(tmp_path):
    write(tmp_path, "bom.md", b"\xef\xbb\xbf" + guide().encode("utf-8"))

    assert run_import(tmp_path).ok

    assert ImprovementGuidePage.objects.filter(slug="sdec-guide").exists()


def test_a_summary_made_from_the_body_shows_ampersands_as_written(tmp_path, client):
    text = guide(body="Fish & chips for A&E teams.\n").replace(
        "summary: How to run same day emergency care well.\n", ""
    )
    write(tmp_path, "guide.md", text)

    assert run_import(tmp_path, publish=True).ok

    assert ImprovementGuidePage.objects.get(slug="sdec-guide").summary == (
        "Fish & chips for A&E teams."
    )
    html = get_html(client, "/guidance/sdec-guide/")[1]
    assert "Fish &amp; chips" in html
    assert "&amp;amp;" not in html


# --- the two YAML loaders ----------------------------------------------------------------------


DEMO_CONTENT = Path(__file__).resolve().parents[2] / "kb" / "publishing" / "demo_content"


@pytest.mark.parametrize(
    "front",
    [
        "title: Plain\nsummary: 'quoted: colon'\ndate: 2025-02-03\nlist: [a, b]",
        "title: [unclosed\nslug: x",  # an error, worded as the Python loader words it
        "date: 2025-02-30",  # a bad date: reported with its line by either loader
        "a: " + "[" * 7000,  # deep, but within the C loader's limit: a clear error, no crash
        "a: " + "[" * 200_000,  # far past it: the Python loader's RecursionError, no crash
        "a: &x [1]\nb: *x",  # an alias: refused
        "title: Tab\there\nn: 0x1F\nf: .5\nnull_value: ~\nflag: yes",
    ],
    ids=["plain", "unclosed", "bad-date", "deep", "very-deep", "alias", "scalars"],
)
def test_front_matter_reads_the_same_with_either_loader(front, monkeypatch):
    from kb.publishing import frontmatter

    def outcome():
        try:
            return ("ok", frontmatter.load_front_matter(front))
        except RecursionError:
            return ("too deep", None)
        except Exception as error:
            return (type(error).__name__, str(error))

    fast = outcome()
    monkeypatch.setattr(frontmatter, "FastFrontMatterLoader", None)
    assert fast == outcome()


def test_every_demo_file_reads_the_same_with_either_loader(monkeypatch):
    from kb.publishing import frontmatter

    texts = [path.read_text() for path in sorted(DEMO_CONTENT.rglob("*.md"))]
    assert texts
    fast = [frontmatter.parse_document(text).meta for text in texts]
    monkeypatch.setattr(frontmatter, "FastFrontMatterLoader", None)
    assert fast == [frontmatter.parse_document(text).meta for text in texts]
