"""PostgreSQL full text that matches as SQLite's does, and a GIN index the searches can rely on.

- A text search configuration `kb_english`: the built-in `english` one (same parser, same token
  types, same Snowball English stemmer) but with a stemming dictionary that keeps stop words,
  as SQLite's FTS5 `porter unicode61` tokenizer does. With `english`, "A&E" searched the bare
  token `e` and "did not attend" searched only `attend`; now both are the exact phrases.
  Stop words still never reach a query on their own (kb/search/query.py drops them) except
  inside a synonym phrase or a query of nothing else, as on SQLite.
- Every stored tsvector is recomputed with it (title A, summary B, body C, as before) and kept
  in the row itself (STORAGE MAIN: the body text is moved out first), compressed with lz4
  where the server has it (PostgreSQL 14 and later built with lz4). Before, each vector (about
  3.4 KB) went to the TOAST table, compressed with pglz: ranking reads every matching row's
  vector, and fetching and decompressing it from there cost about twice as much.
- The GIN index gets `fastupdate = off`: no pending list for every search to scan linearly
  between vacuums; publishing writes one document at a time, so the slower insert is
  invisible.

SQLite: nothing to do (FTS5 already keeps stop words).
"""

from django.db import migrations

CONFIG = "kb_english"
DICTIONARY = "kb_english_stem"
TABLE = "kbsearch_searchdocument"
INDEX = "kbsearch_searchdocument_vector"

CREATE_CONFIG = """
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_dict WHERE dictname = 'kb_english_stem') THEN
        CREATE TEXT SEARCH DICTIONARY kb_english_stem (TEMPLATE = snowball, LANGUAGE = english);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'kb_english') THEN
        CREATE TEXT SEARCH CONFIGURATION kb_english (COPY = english);
        ALTER TEXT SEARCH CONFIGURATION kb_english
            ALTER MAPPING REPLACE english_stem WITH kb_english_stem;
    END IF;
END
$$
"""
# Not every server is built with lz4: then the column keeps the default compression.
LZ4 = f"""
DO $$
BEGIN
    ALTER TABLE {TABLE} ALTER COLUMN search_vector SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR syntax_error OR undefined_object THEN
    RAISE NOTICE 'lz4 compression not available: search_vector keeps the default';
END
$$
"""


def recompute(config):
    """Every document's vector again, as DatabaseBackend._write_fulltext writes it."""
    return (
        f"UPDATE {TABLE} SET search_vector = "  # noqa: S608
        f"setweight(to_tsvector('{config}', title), 'A') || "
        f"setweight(to_tsvector('{config}', summary), 'B') || "
        f"setweight(to_tsvector('{config}', concat_ws(' ', nullif(body, ''), "
        "nullif(organisation, ''), nullif(measures, ''))), 'C')"
    )


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_CONFIG)
    schema_editor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN search_vector SET STORAGE MAIN")
    schema_editor.execute(LZ4)
    schema_editor.execute(recompute(CONFIG))
    schema_editor.execute(f"ALTER INDEX {INDEX} SET (fastupdate = off)")
    schema_editor.execute(f"ANALYZE {TABLE}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER INDEX {INDEX} RESET (fastupdate)")
    schema_editor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN search_vector SET STORAGE EXTENDED")
    schema_editor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN search_vector SET COMPRESSION DEFAULT")
    schema_editor.execute(recompute("english"))
    schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {CONFIG}")
    schema_editor.execute(f"DROP TEXT SEARCH DICTIONARY IF EXISTS {DICTIONARY}")


class Migration(migrations.Migration):
    dependencies = [("kbsearch", "0008_number_synonyms")]
    operations = [migrations.RunPython(forwards, backwards)]
