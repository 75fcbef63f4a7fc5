"""Page factories the fixtures share (tests/conftest.py's `make_case_study`, the search corpus)."""

import datetime


def publish_child(parent, page):
    """Add `page` under `parent`, publish it through a revision, and return it as stored."""
    parent.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def create_case_study(
    index,
    title="Faster discharge",
    pathways=("urgent-and-emergency-care",),
    methods=("model-for-improvement",),
    measures=None,
    publish=True,
    **fields,
):
    """A case study under `index`, published unless `publish=False`; fields override."""
    from kb.cases.models import CaseStudyMeasure, CaseStudyPage
    from kb.taxonomy.models import ImprovementMethod, Organisation, Pathway, Region

    region = Region.objects.get(slug=fields.pop("region", "london"))
    organisation, _ = Organisation.objects.get_or_create(
        name=fields.pop("organisation", "Example NHS Trust"),
        defaults={"slug": "example-nhs-trust", "region": region},
    )
    page = CaseStudyPage(
        title=title,
        summary=fields.pop("summary", f"Summary of {title}."),
        organisation=organisation,
        region=region,
        publication_date=fields.pop("publication_date", datetime.date(2025, 6, 1)),
        **fields,
    )
    page.pathways = list(Pathway.objects.filter(slug__in=pathways))
    page.methods = list(ImprovementMethod.objects.filter(slug__in=methods))
    page.measures = [
        CaseStudyMeasure(**m)
        for m in (
            measures
            or [
                {
                    "name": "Length of stay",
                    "unit": "days",
                    "baseline": 9,
                    "result": 7,
                    "higher_is_better": False,
                }
            ]
        )
    ]
    index.add_child(instance=page)
    revision = page.save_revision()
    if publish:
        revision.publish()
    else:
        page.live = False
        page.save()
    page.refresh_from_db()
    return page
