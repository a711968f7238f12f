"""PostgreSQL: index the text with accents folded, so "garcia" finds "García" (SQLite's FTS5
tokenizer already folds them). translate() is built in and immutable: no extension needed.
The expression must match motivo.search.selectors.PG_FOLDED_TEXT."""

from django.db import migrations

FOLDED = "translate(lower(text), 'áàâäãéèêëíìîïóòôöõúùûüñçý', 'aaaaaeeeeiiiiooooouuuuncy')"


def _postgres(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


UP = [
    "DROP INDEX IF EXISTS searchdoc_text_fts",
    f"CREATE INDEX searchdoc_text_fts ON search_searchdocument "
    f"USING GIN (to_tsvector('simple', {FOLDED}))",
]
DOWN = [
    "DROP INDEX IF EXISTS searchdoc_text_fts",
    "CREATE INDEX searchdoc_text_fts ON search_searchdocument "
    "USING GIN (to_tsvector('simple', text))",
]


class Migration(migrations.Migration):
    dependencies = [("search", "0003_fts_indexed_on_read")]

    operations = [migrations.RunPython(_postgres(UP), _postgres(DOWN))]
