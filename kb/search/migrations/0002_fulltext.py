"""The full-text index beside SearchDocument: FTS5 on SQLite, a tsvector on PostgreSQL; and the
token that changes whenever the index does (so each process knows when to reload facet sets)."""

from django.db import migrations

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS kbsearch_fts USING fts5("
    "title, summary, body, facets, tokenize = 'porter unicode61 remove_diacritics 2')",
    # ORDER BY rank: title weighs most, then summary, then body; facet tokens never score.
    "INSERT INTO kbsearch_fts (kbsearch_fts, rank) VALUES ('rank', 'bm25(10.0, 4.0, 1.0, 0.0)')",
]
STATE_CREATE = [
    "CREATE TABLE IF NOT EXISTS kbsearch_indexstate (id integer PRIMARY KEY, token varchar(64))",
    "INSERT INTO kbsearch_indexstate (id, token) VALUES (1, 'new')",
]
POSTGRES_CREATE = [
    "ALTER TABLE kbsearch_searchdocument ADD COLUMN IF NOT EXISTS search_vector tsvector",
    "CREATE INDEX IF NOT EXISTS kbsearch_searchdocument_vector "
    "ON kbsearch_searchdocument USING GIN (search_vector)",
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}.get(vendor, [])
    for statement in statements + STATE_CREATE:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    schema_editor.execute("DROP TABLE IF EXISTS kbsearch_indexstate")
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
