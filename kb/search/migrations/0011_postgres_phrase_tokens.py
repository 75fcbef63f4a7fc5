"""PostgreSQL: the table of synonym phrases that documents' vectors carry as single tokens.

A phrase query is checked against the whole vector of every document holding all its words
(GIN keeps no positions), and synonym groups put phrases in most searches ("same day emergency
care" for SDEC, "did not attend" for DNA). Each registered phrase has a token (its lexemes
joined by spaces) that every document containing the phrase carries in search_vector, so the
index answers for it exactly with no check. `complete` says every document has been given it:
until then searches use the phrase (DatabaseBackend.complete_phrases, docs/search-postgresql.md).

The table is filled after every migrate (kb/search/apps.py) from the synonym groups in force,
and kept in step when an editor changes one. SQLite: nothing to do (FTS5 checks phrases from
its own position lists).

With no phrase to check, a search reads a match's whole vector only to rank the few that can
reach the page, so the vectors go back to the TOAST table (STORAGE EXTENDED, undoing 0009's
MAIN): the table's own pages, which a search visits for every match, shrink from 566 to 117 MB
at 100,000 documents. Rows move as they are next written (giving them their tokens after this
migration writes most of them); `VACUUM FULL` moves the rest (docs/search-postgresql.md).
And head_vector gets a GIN index of its own: ranking finds the title-and-summary matches
through it, instead of reading head_vector, the row's last column, in every match's row.
"""

from django.db import migrations

TABLE = "kbsearch_searchdocument"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE TABLE IF NOT EXISTS kbsearch_phrase (token text PRIMARY KEY, "
        "query tsquery NOT NULL, complete boolean NOT NULL DEFAULT false)"
    )
    schema_editor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN search_vector SET STORAGE EXTENDED")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS kbsearch_searchdocument_head ON {TABLE} "
        "USING gin (head_vector) WITH (fastupdate = off)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS kbsearch_searchdocument_head")
    schema_editor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN search_vector SET STORAGE MAIN")
    schema_editor.execute("DROP TABLE IF EXISTS kbsearch_phrase")


class Migration(migrations.Migration):
    dependencies = [("kbsearch", "0010_postgres_head_vector")]
    operations = [migrations.RunPython(forwards, backwards)]
