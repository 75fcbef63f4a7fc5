"""Facet values in one JSON field ({facet: [slugs]}) instead of a column a facet, so that a new
facet (kb/search/facets.py) needs only a reindex. Existing documents keep their values."""

from django.db import migrations, models

# The columns as they were, frozen: facet name -> old column.
OLD_COLUMNS = {
    "pathway": "pathways",
    "method": "methods",
    "specialty": "specialties",
    "region": "region",
}


def copy_values(apps, schema_editor):
    SearchDocument = apps.get_model("kbsearch", "SearchDocument")
    for document in SearchDocument.objects.all().iterator(chunk_size=1000):
        values = {"type": [document.kind] if document.kind else []}
        for facet, column in OLD_COLUMNS.items():
            values[facet] = sorted(set((getattr(document, column) or "").split()))
        SearchDocument.objects.filter(pk=document.pk).update(facets=values)


class Migration(migrations.Migration):
    dependencies = [("kbsearch", "0006_index_changes")]

    operations = [
        migrations.AddField(
            model_name="searchdocument",
            name="facets",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(copy_values, migrations.RunPython.noop),
        migrations.RemoveField(model_name="searchdocument", name="methods"),
        migrations.RemoveField(model_name="searchdocument", name="pathways"),
        migrations.RemoveField(model_name="searchdocument", name="region"),
        migrations.RemoveField(model_name="searchdocument", name="specialties"),
    ]
