"""Clean databases made before the patient data guard covered every door.

Runs the same scan as `scan_patient_data --redact` over the historical models: every stored
place holding a valid NHS number has it replaced by "[NHS number removed]". On a new database
there is nothing to find. The published-page search index is rebuilt by `kb_reindex`.
"""

from django.db import migrations

# Frozen here: historical models carry no class attributes. Fields holding tables of numbers
# ("period, value" lines) are checked a cell at a time.
TABLE_FIELDS = {"cases.CaseStudySeries": ("data",), "ideas.IdeaSeries": ("data",)}


def redact(apps, schema_editor):
    from kb.core.stored_text import scan

    scan(apps, redact=True, table_fields=TABLE_FIELDS)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_page_cache_state"),
        ("taxonomy", "0002_vocabularies"),
        ("guides", "0001_initial"),
        ("cases", "0002_measure_series"),
        ("ideas", "0003_measure_series"),
        ("kbsearch", "0005_synonym_permissions"),
        ("wagtailcore", "__latest__"),
        ("wagtailsearch", "__latest__"),
    ]

    operations = [migrations.RunPython(redact, migrations.RunPython.noop)]
