"""PostgreSQL: a second, small tsvector of each document's title and summary alone.

Ranking on PostgreSQL reads a vector for every match (ts_rank_cd), and the whole vector is
several KB to fetch and decompress: for a word in most documents that was most of a search's
time. `head_vector` (title A, summary B, as in the whole vector; about 340 bytes) orders the
matches first, and the whole vector is then read only for those that can reach the page
(DatabaseBackend._ranked_matches, docs/search-postgresql.md). Kept in the row (STORAGE MAIN),
like search_vector; no index, since it is only read for rows the GIN index has found.

SQLite: nothing to do (FTS5 ranks from its own index).
"""

from django.db import migrations

TABLE = "kbsearch_searchdocument"
# As PG_HEAD in kb/search/backends/database.py writes it.
HEAD = (
    "setweight(to_tsvector('kb_english', title), 'A') || "
    "setweight(to_tsvector('kb_english', summary), 'B')"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS head_vector tsvector")
    schema_editor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN head_vector SET STORAGE MAIN")
    schema_editor.execute(f"UPDATE {TABLE} SET head_vector = {HEAD}")  # noqa: S608
    schema_editor.execute(f"ANALYZE {TABLE}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS head_vector")


class Migration(migrations.Migration):
    dependencies = [("kbsearch", "0009_postgres_search_config")]
    operations = [migrations.RunPython(forwards, backwards)]
