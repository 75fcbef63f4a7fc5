"""Create the controlled vocabularies so that every fresh database has them."""

from django.db import migrations

from . import _vocabularies_0002 as vocabularies

LISTS = {
    "Pathway": vocabularies.PATHWAYS,
    "ImprovementMethod": vocabularies.METHODS,
    "ContentKind": vocabularies.CONTENT_KINDS,
    "Region": vocabularies.REGIONS,
    "Specialty": vocabularies.SPECIALTIES,
    "WasteType": vocabularies.WASTES,
}


def create_vocabularies(apps, schema_editor):
    for model_name, terms in LISTS.items():
        model = apps.get_model("taxonomy", model_name)
        for slug, name, description, synonyms in terms:
            model.objects.get_or_create(
                slug=slug,
                defaults={"name": name, "description": description, "synonyms": synonyms},
            )


def remove_vocabularies(apps, schema_editor):
    for model_name, terms in LISTS.items():
        model = apps.get_model("taxonomy", model_name)
        model.objects.filter(slug__in=[slug for slug, *_ in terms]).delete()


class Migration(migrations.Migration):
    dependencies = [("taxonomy", "0001_initial")]
    operations = [migrations.RunPython(create_vocabularies, remove_vocabularies)]
