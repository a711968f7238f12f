"""SQLite: index new search documents in batches instead of one by one.

Before, a trigger added every new SearchDocument to the FTS5 index inside the writing
transaction, and FTS5 then flushed a new index segment at every commit — the costliest
part of taking in a contact. Now new rows wait above a watermark and
`search.services.search_index_pending` indexes them with one INSERT … SELECT just before a
search (and the demo loader after each batch). Updates and deletes of rows that are already
indexed are still mirrored by triggers; those of rows not yet indexed need nothing.
PostgreSQL is unaffected (its GIN index is maintained by the database).
"""

from django.db import migrations

INDEXED = "(SELECT upto FROM search_fts_watermark WHERE id = 1)"

UP = [
    "DROP TRIGGER IF EXISTS search_fts_ai",
    "DROP TRIGGER IF EXISTS search_fts_ad",
    "DROP TRIGGER IF EXISTS search_fts_au",
    "CREATE TABLE search_fts_watermark (id INTEGER PRIMARY KEY CHECK (id = 1), "
    "upto INTEGER NOT NULL)",
    "INSERT INTO search_fts_watermark (id, upto) "
    "SELECT 1, COALESCE(MAX(id), 0) FROM search_searchdocument",
    f"CREATE TRIGGER search_fts_ad AFTER DELETE ON search_searchdocument "
    f"WHEN old.id <= {INDEXED} BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    f"CREATE TRIGGER search_fts_au AFTER UPDATE OF text ON search_searchdocument "
    f"WHEN old.id <= {INDEXED} BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO search_fts(rowid, text) VALUES (new.id, new.text); END",
]
DOWN = [
    "DROP TRIGGER IF EXISTS search_fts_au",
    "DROP TRIGGER IF EXISTS search_fts_ad",
    "DROP TABLE IF EXISTS search_fts_watermark",
    "CREATE TRIGGER search_fts_ai AFTER INSERT ON search_searchdocument BEGIN "
    "INSERT INTO search_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER search_fts_ad AFTER DELETE ON search_searchdocument BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER search_fts_au AFTER UPDATE ON search_searchdocument BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO search_fts(rowid, text) VALUES (new.id, new.text); END",
    "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
]


def _sqlite(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0002_fulltext_index")]

    operations = [migrations.RunPython(_sqlite(UP), _sqlite(DOWN))]
