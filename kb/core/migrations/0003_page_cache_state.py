"""The token that changes whenever published content does, so cached pages go stale at once."""

from django.db import migrations

CREATE = [
    "CREATE TABLE IF NOT EXISTS core_pagecachestate (id integer PRIMARY KEY, token varchar(64))",
    "INSERT INTO core_pagecachestate (id, token) VALUES (1, 'new')",
]


def create(apps, schema_editor):
    for statement in CREATE:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    schema_editor.execute("DROP TABLE IF EXISTS core_pagecachestate")


class Migration(migrations.Migration):
    dependencies = [("core", "0002_editorial_permissions")]
    operations = [migrations.RunPython(create, drop)]
