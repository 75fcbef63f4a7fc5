"""The page API at /api/v2/ as an analyst's script uses it: paging, filters, fields, privacy."""

import datetime

import pytest
from wagtail.models import Page, PageViewRestriction

from kb.cases.models import CaseStudyPage, CaseStudySeries
from kb.core.models import knowledge_page_models, public_pages
from kb.ideas.models import IdeaPage, IdeaSubmission

pytestmark = pytest.mark.django_db
UEC = "urgent-and-emergency-care"


def live_public_ids(model):
    return set(public_pages(model.objects.live()).values_list("pk", flat=True))


def test_paging_every_case_study_gives_the_live_public_set_once(
    demo_content, make_case_study, draft_guide, all_pages
):
    hidden = make_case_study(title="Behind a login", slug="behind-a-login")
    PageViewRestriction.objects.create(page=hidden, restriction_type="login")
    make_case_study(title="Not yet published", slug="not-yet", publish=False)

    for order in ("", "order=title", "order=-first_published_at"):
        items = all_pages(f"type=cases.CaseStudyPage&{order}")
        ids = [item["id"] for item in items]
        assert len(ids) == len(set(ids)), f"a page came twice ordering by {order!r}"
        assert set(ids) == live_public_ids(CaseStudyPage)
        assert hidden.pk not in ids
        assert {item["meta"]["type"] for item in items} == {"cases.CaseStudyPage"}

    every_page = {item["id"] for item in all_pages(limit=100)}
    assert draft_guide.pk not in every_page and hidden.pk not in every_page
    site_pages = public_pages(Page.objects.live().filter(depth__gt=1))
    assert every_page == set(site_pages.values_list("pk", flat=True))


def test_a_case_study_has_its_results_series_and_review_dates(make_case_study, get_json):
    page = make_case_study(
        title="Faster discharge",
        measures=[
            {"name": "Length of stay", "unit": "days", "baseline": "9.50", "result": 7,
             "higher_is_better": False, "period": "2024 to 2025"},
        ],
        last_reviewed=datetime.date(2025, 6, 1),
    )  # fmt: skip
    points = [[f"Month {n}", 50 + (n % 3)] for n in range(1, 21)]
    CaseStudySeries.objects.create(page=page, name="Discharges before noon", unit="%",
                                   direction="up", points=points)  # fmt: skip

    response, body = get_json(f"/api/v2/pages/{page.pk}/")

    assert response.status_code == 200
    assert body["title"] == "Faster discharge"
    assert body["meta"]["html_url"].endswith("/case-studies/faster-discharge/")
    uec = {"slug": "urgent-and-emergency-care", "name": "Urgent and emergency care"}
    assert body["pathways"] == [uec]
    assert body["organisation"]["name"] == "Example NHS Trust"
    assert body["region"]["slug"] == "london"
    assert body["last_reviewed"] == "2025-06-01"
    assert body["review_status"] in ("current", "due-soon", "overdue")
    (result,) = body["results"]
    assert result == {
        "name": "Length of stay", "unit": "days", "baseline": 9.5, "result": 7.0, "change": -2.5,
        "improved": True, "period": "2024 to 2025", "higher_is_better": False,
    }  # fmt: skip
    (series,) = body["measure_series"]
    assert series["points"][0] == {"period": "Month 1", "value": 51}
    assert len(series["points"]) == 20
    assert series["chart_type"] == "xmr"
    (segment,) = series["segments"]
    assert segment["first_period"] == "Month 1" and segment["last_period"] == "Month 20"
    assert segment["lower_limit"] < segment["centre"] < segment["upper_limit"]


def test_private_fields_are_never_served(demo_content, make_case_study, client):
    page = make_case_study(
        title="Owned page", owner_email="owner.secret@nhs.net",
        contact_name="Asha Patel", contact_email="contact.secret@nhs.net",
    )  # fmt: skip
    served = client.get(f"/api/v2/pages/{page.pk}/").content.decode()
    assert "Asha Patel" in served
    assert "owner.secret@nhs.net" not in served and "contact.secret@nhs.net" not in served
    assert "rendered_markdown" not in served and "import_hash" not in served

    submitter_details = set()
    for submission in IdeaSubmission.objects.all():
        submitter_details |= {submission.email, submission.role}
    for idea in IdeaPage.objects.live():
        served = client.get(f"/api/v2/pages/{idea.pk}/").content.decode()
        assert not [detail for detail in submitter_details if detail and detail in served]
    listing = client.get("/api/v2/pages/?type=ideas.IdeaPage&fields=*&limit=100").content.decode()
    assert "@" not in listing.replace("@type", "")


def test_drafts_and_restricted_pages_answer_not_found(make_case_study, draft_guide, get_json):
    hidden = make_case_study(title="Behind a password", slug="behind-a-password")
    PageViewRestriction.objects.create(page=hidden, restriction_type="password", password="x")
    for page in (draft_guide, hidden):
        response, body = get_json(f"/api/v2/pages/{page.pk}/")
        assert response.status_code == 404
        assert body["error"]["code"] == "not_found"


def test_filters_by_vocabulary_slug(demo_content, all_pages):
    uec = all_pages("pathway=urgent-and-emergency-care")
    assert uec
    for item in uec:
        page = Page.objects.get(pk=item["id"]).specific
        assert "urgent-and-emergency-care" in {p.slug for p in page.pathways.all()}
    expected = {
        page.pk
        for model in knowledge_page_models()
        for page in public_pages(model.objects.live().filter(pathways__slug=UEC))
    }
    assert {item["id"] for item in uec} == expected

    either = {i["id"] for i in all_pages(f"pathway={UEC},maternity-and-neonatal")}
    maternity = {i["id"] for i in all_pages("pathway=maternity-and-neonatal")}
    assert either == {i["id"] for i in uec} | maternity

    cases_in_uec = all_pages("type=cases.CaseStudyPage&pathway=urgent-and-emergency-care")
    assert {i["id"] for i in cases_in_uec} == expected & live_public_ids(CaseStudyPage)

    assert all_pages("pathway=no-such-pathway") == []
    assert all_pages("type=guides.GirftStandardPage&evidence=before-and-after") == []
    assert all_pages("kind=girft-standard") == all_pages("type=guides.GirftStandardPage")
    assert all_pages("pathway=") == all_pages()  # an empty filter filters nothing


def test_child_of_and_descendant_of(demo_content, site_tree, all_pages):
    home, guidance, cases, ideas = site_tree
    children = {i["id"] for i in all_pages(f"child_of={cases.pk}")}
    assert children == live_public_ids(CaseStudyPage)
    assert {i["id"] for i in all_pages(f"descendant_of={cases.pk}")} == children
    assert {i["id"] for i in all_pages("child_of=root")} >= {guidance.pk, cases.pk, ideas.pk}
    assert all_pages("child_of=2147483647") == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("limit=101", "limit cannot be higher than 100"),
        ("limit=-1", "limit must be a whole number"),
        ("limit=ten", "limit must be a whole number"),
        ("offset=1e3", "offset must be a whole number"),
        ("type=taxonomy.Pathway", "type must name page types"),
        ("type=<script>alert(1)</script>", "type must name page types"),
        ("order=pathways", "cannot order by 'pathways'"),
        ("order=random", "cannot order by 'random'"),
        ("search=A%26E", "unknown query parameter: search"),
        ("title=x", "unknown query parameter: title"),
        ("fields=owner_email", "unknown fields: owner_email"),
        ("type=cases.CaseStudyPage&fields=contact_email", "unknown fields: contact_email"),
        ("child_of=-1", "child_of must be a page id"),
        ("descendant_of=99999999999999999999", "descendant_of must be a page id"),
        ("pathway=" + "a" * 2001, "pathway is too long"),
    ],
)
def test_bad_parameters_get_a_clear_json_error(site_tree, get_json, query, message):
    response, body = get_json(f"/api/v2/pages/?{query}")
    assert response.status_code == 400
    assert body["error"]["code"] == "bad_request"
    assert message in body["error"]["message"]


@pytest.mark.parametrize(
    "value",
    ["", " ", "'; DROP TABLE wagtailcore_page; --", "Ω≈ç√∫", "\u202e", "%00", "<b>x</b>",
     "a" * 2000, "1 OR 1=1", "${jndi:ldap://x}", "../../etc/passwd"],
)  # fmt: skip
def test_hostile_filter_values_answer_without_error(make_case_study, get_json, value):
    make_case_study()
    for name in ("pathway", "method", "specialty", "region", "organisation", "evidence", "kind"):
        response, body = get_json(f"/api/v2/pages/?{name}={value}")
        assert response.status_code == 200, (name, value, body)
        assert body["meta"]["total_count"] == len(body["items"]) or value.strip() == ""


def test_images_and_documents_are_listed(site_tree, get_json):
    for kind in ("images", "documents"):
        response, body = get_json(f"/api/v2/{kind}/")
        assert response.status_code == 200
        assert body == {"meta": {"total_count": 0}, "items": []}
        response, body = get_json(f"/api/v2/{kind}/1/")
        assert response.status_code == 404 and body["error"]["code"] == "not_found"
