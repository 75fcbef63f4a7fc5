"""The controlled vocabularies exist in every fresh database, with the slugs others rely on."""

import pytest
from django.core.exceptions import ValidationError

from kb.taxonomy import models

EXPECTED = {
    models.Pathway: {
        "urgent-and-emergency-care",
        "elective-care",
        "cancer",
        "maternity-and-neonatal",
        "mental-health",
        "primary-care",
        "community-and-neighbourhood-care",
        "diagnostics",
        "end-of-life-care",
        "learning-disability-and-autism",
    },
    models.ImprovementMethod: {
        "model-for-improvement",
        "lean",
        "six-sigma",
        "statistical-process-control",
        "experience-based-co-design",
        "theory-of-constraints",
        "total-quality-management",
        "business-process-reengineering",
    },
    # "project" comes from the projects app's own migration (kb/projects/migrations/0002).
    models.ContentKind: {
        "improvement-guide",
        "girft-standard",
        "blueprint",
        "case-study",
        "idea",
        "project",
    },  # fmt: skip
    models.Region: {
        "london",
        "south-east",
        "south-west",
        "east-of-england",
        "midlands",
        "north-east-and-yorkshire",
        "north-west",
    },
    models.Specialty: None,
    models.WasteType: {
        "transport",
        "inventory",
        "motion",
        "waiting",
        "overproduction",
        "overprocessing",
        "defects",
        "skills",
    },
}


@pytest.mark.django_db
@pytest.mark.parametrize("model", [m for m in EXPECTED if EXPECTED[m]], ids=lambda m: m.__name__)
def test_migrate_creates_each_vocabulary_with_its_slugs(model):
    assert set(model.objects.values_list("slug", flat=True)) == EXPECTED[model]


@pytest.mark.django_db
def test_every_term_has_a_name_and_description():
    for model in EXPECTED:
        for term in model.objects.all():
            assert term.name and term.description, f"{model.__name__} {term.slug}"


@pytest.mark.django_db
def test_girft_specialties_include_the_programme_workstreams():
    slugs = set(models.Specialty.objects.values_list("slug", flat=True))
    assert {"emergency-medicine", "trauma-and-orthopaedics", "ophthalmology", "urology"} <= slugs
    assert len(slugs) >= 30


@pytest.mark.django_db
def test_synonyms_carry_the_abbreviations_clinicians_type():
    uec = models.Pathway.objects.get(slug="urgent-and-emergency-care")
    assert "UEC" in uec.synonym_list
    mfi = models.ImprovementMethod.objects.get(slug="model-for-improvement")
    assert "PDSA" in mfi.synonym_list
    spc = models.ImprovementMethod.objects.get(slug="statistical-process-control")
    assert "SPC" in spc.synonym_list
    ebcd = models.ImprovementMethod.objects.get(slug="experience-based-co-design")
    assert "EBCD" in ebcd.synonym_list


@pytest.mark.django_db
def test_slugs_are_unique_per_vocabulary():
    with pytest.raises(ValidationError):
        models.Pathway(slug="cancer", name="Cancer again").full_clean()


@pytest.mark.django_db
def test_organisation_ods_code_is_normalised_and_checked():
    region = models.Region.objects.get(slug="midlands")
    org = models.Organisation(name="Test Trust", slug="test-trust", ods_code=" rxw ", region=region)
    org.full_clean()
    assert org.ods_code == "RXW"
    bad = models.Organisation(name="Bad Trust", slug="bad-trust", ods_code="R-X;W")
    with pytest.raises(ValidationError) as error:
        bad.full_clean()
    assert "ods_code" in error.value.message_dict


@pytest.mark.django_db
def test_editors_find_vocabularies_in_the_admin(admin_client):
    response = admin_client.get("/admin/snippets/taxonomy/pathway/")
    assert response.status_code == 200
    assert b"Urgent and emergency care" in response.content
    response = admin_client.get("/admin/snippets/taxonomy/wastetype/")
    assert b"Overprocessing" in response.content
