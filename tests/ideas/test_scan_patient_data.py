"""scan_patient_data: finds NHS numbers already stored, in every model with free text, and
--redact removes them (also what the data migration runs)."""

import io

import pytest
from django.core.management import CommandError, call_command
from wagtail.models import Revision

from kb.cases.models import CaseStudyPage, CaseStudySeries
from kb.guides.models import ImprovementGuidePage
from kb.ideas.models import Endorsement, IdeaPage, IdeaStatusChange, IdeaSubmission
from kb.taxonomy.models import Organisation

pytestmark = pytest.mark.django_db

PLANTED = "Seen 943 476 5919 here"


def scan(*args):
    out = io.StringIO()
    call_command("scan_patient_data", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def planted(site_tree, make_case_study, make_submission, make_idea):
    """Numbers planted the way an old database would hold them: behind every door's back
    (queryset updates skip the save backstop)."""
    case = make_case_study()
    guide = ImprovementGuidePage(title="Guide", slug="guide", summary="Fine.")
    site_tree[1].add_child(instance=guide)
    guide.save_revision().publish()
    submission, _ = make_submission()
    idea = make_idea()
    Endorsement.objects.create(
        idea=idea, kind="support", email="a@example.nhs.uk", organisation="Ok"
    )
    ImprovementGuidePage.objects.filter(pk=guide.pk).update(summary=PLANTED)
    CaseStudyPage.objects.filter(pk=case.pk).update(
        body=[{"type": "markdown", "value": PLANTED, "id": "0b6e8a4e-1234-4a1b-9c1d-1234567890ab"}]
    )
    IdeaSubmission.objects.filter(pk=submission.pk).update(problem=PLANTED, role=PLANTED)
    IdeaStatusChange.objects.filter(submission=submission).update(message=PLANTED)
    Endorsement.objects.update(organisation=PLANTED)
    IdeaPage.objects.filter(pk=idea.pk).update(proposal=PLANTED)
    Organisation.objects.filter(pk=case.organisation_id).update(name=PLANTED)
    revision = Revision.objects.filter(object_id=str(guide.pk)).latest("pk")
    revision.content["summary"] = PLANTED
    Revision.objects.filter(pk=revision.pk).update(content=revision.content)
    return {"guide": guide, "case": case, "submission": submission, "idea": idea}


def test_a_clean_database_reports_nothing(site_tree, make_case_study):
    make_case_study()
    assert "No NHS numbers found" in scan()


def test_every_planted_place_is_listed_without_the_number(planted):
    with pytest.raises(CommandError) as raised:
        out = io.StringIO()
        call_command("scan_patient_data", stdout=out)
    out = out.getvalue()
    assert "Run with --redact" in str(raised.value)
    for place in (
        f"guides.ImprovementGuidePage id={planted['guide'].pk} field=summary",
        f"cases.CaseStudyPage id={planted['case'].pk} field=body",
        f"ideas.IdeaSubmission id={planted['submission'].pk} field=problem",
        f"ideas.IdeaSubmission id={planted['submission'].pk} field=role",
        f"ideas.IdeaPage id={planted['idea'].pk} field=proposal",
        "ideas.Endorsement",
        "ideas.IdeaStatusChange",
        "taxonomy.Organisation",
        "wagtailcore.Revision",
    ):
        assert place in out, out
    assert "5919" not in out


def test_redact_removes_every_number_and_a_second_scan_finds_none(planted):
    out = scan("--redact")
    assert "redacted: guides.ImprovementGuidePage" in out
    assert "5919" not in out
    assert "No NHS numbers found" in scan()
    submission = IdeaSubmission.objects.get(pk=planted["submission"].pk)
    assert submission.problem == "Seen [NHS number removed] here"
    case = CaseStudyPage.objects.get(pk=planted["case"].pk)
    assert case.body[0].value == "Seen [NHS number removed] here"
    # The block keeps its id: the page still edits normally.
    assert case.body[0].id == "0b6e8a4e-1234-4a1b-9c1d-1234567890ab"


def test_redact_leaves_series_data_and_numbers_that_are_not_nhs_numbers(planted):
    case = planted["case"]
    # Each period is checked on its own: "943 476" next to 5919 is not 943 476 5919.
    points = [[f"2024-{m:02d}", float(40 + m)] for m in range(1, 13)] + [["943 476", 5919.0]]
    series = CaseStudySeries.objects.create(page=case, name="Flow", points=points)
    ImprovementGuidePage.objects.filter(pk=planted["guide"].pk).update(
        content_owner="Call 0113 243 3144 or +44 300 961 8123; ref 943 476 5918"
    )
    scan("--redact")
    series.refresh_from_db()
    assert series.points == points
    guide = ImprovementGuidePage.objects.get(pk=planted["guide"].pk)
    assert guide.content_owner == "Call 0113 243 3144 or +44 300 961 8123; ref 943 476 5918"
