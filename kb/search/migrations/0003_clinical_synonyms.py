"""Seed the editable synonym groups with the words clinicians type."""

from django.db import migrations

from kb.search.synonyms import CLINICAL_SYNONYMS


def seed(apps, schema_editor):
    SynonymGroup = apps.get_model("kbsearch", "SynonymGroup")
    for terms in CLINICAL_SYNONYMS:
        SynonymGroup.objects.get_or_create(terms=terms)


def unseed(apps, schema_editor):
    apps.get_model("kbsearch", "SynonymGroup").objects.filter(terms__in=CLINICAL_SYNONYMS).delete()


class Migration(migrations.Migration):
    dependencies = [("kbsearch", "0002_fulltext")]
    operations = [migrations.RunPython(seed, unseed)]
