"""When published content last changed, beside the token: the APIs' Last-Modified."""

from django.db import migrations


def add(apps, schema_editor):
    schema_editor.execute("ALTER TABLE core_pagecachestate ADD COLUMN changed_at varchar(40)")


def remove(apps, schema_editor):
    schema_editor.execute("ALTER TABLE core_pagecachestate DROP COLUMN changed_at")


class Migration(migrations.Migration):
    dependencies = [("core", "0004_redact_stored_nhs_numbers")]
    operations = [migrations.RunPython(add, remove)]
