"""The full-text index beside SearchDocument: FTS5 on SQLite, a tsvector on PostgreSQL."""

from django.db import migrations

SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS kbsearch_fts USING fts5("
    "title, summary, body, tokenize = 'porter unicode61 remove_diacritics 2')"
)
POSTGRES_CREATE = [
    "ALTER TABLE kbsearch_searchdocument ADD COLUMN IF NOT EXISTS search_vector tsvector",
    "CREATE INDEX IF NOT EXISTS kbsearch_searchdocument_vector "
    "ON kbsearch_searchdocument USING GIN (search_vector)",
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)
    elif vendor == "postgresql":
        for statement in POSTGRES_CREATE:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS kbsearch_fts")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS kbsearch_searchdocument_vector")
        schema_editor.execute(
            "ALTER TABLE kbsearch_searchdocument DROP COLUMN IF EXISTS search_vector"
        )


class Migration(migrations.Migration):
    dependencies = [("kbsearch", "0001_search_index")]
    operations = [migrations.RunPython(create, drop)]
