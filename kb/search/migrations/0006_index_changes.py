"""The index change log: each process applies the changes since its last search to its facet
sets, instead of rebuilding them all after every publish."""

from django.db import migrations, models


def anchor(apps, schema_editor):
    """Start the log at the index's current state, so no process rebuilds for lack of it."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT token FROM kbsearch_indexstate WHERE id = 1")
        row = cursor.fetchone()
    apps.get_model("kbsearch", "IndexChange").objects.create(
        seq=0, document_id=None, token=row[0] if row else "new"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("kbsearch", "0005_synonym_permissions"),
    ]

    operations = [
        migrations.CreateModel(
            name="IndexChange",
            fields=[
                ("seq", models.BigIntegerField(primary_key=True, serialize=False)),
                ("document_id", models.IntegerField(null=True)),
                ("token", models.CharField(max_length=64)),
            ],
        ),
        migrations.RunPython(anchor, migrations.RunPython.noop),
    ]
