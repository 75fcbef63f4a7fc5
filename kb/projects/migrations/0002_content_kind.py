"""The "project" content type of the search facet (the values frozen here, as a migration must)."""

from django.db import migrations

KIND = {
    "slug": "project",
    "name": "Improvement project",
    "description": "A team's improvement work in the open: its aim, driver diagram, measures "
    "on SPC charts and PDSA cycles.",
    "synonyms": "QI project, quality improvement project, improvement projects",
}


def add_kind(apps, schema_editor):
    ContentKind = apps.get_model("taxonomy", "ContentKind")
    ContentKind.objects.get_or_create(slug=KIND["slug"], defaults=KIND)


def remove_kind(apps, schema_editor):
    apps.get_model("taxonomy", "ContentKind").objects.filter(slug=KIND["slug"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0001_initial"),
        ("taxonomy", "0002_vocabularies"),
    ]

    operations = [migrations.RunPython(add_kind, remove_kind)]
