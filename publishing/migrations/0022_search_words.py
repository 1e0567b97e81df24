"""The words of live articles' names, for "Did you mean" (issue 21; PostgreSQL only).

``publishing_searchword`` holds each distinct word (accents removed, lowercased,
three letters or more) of the catalogue's ``search_names`` (title, condition,
drugs), with a trigram index. A trigger on the catalogue adds the words of every
row written; words are never removed (a word whose article came down only gives a
suggestion that finds nothing, and the page then says so). Looking a misspelling
up among a few thousand distinct words replaces a trigram scan of every name
(150 ms at 100,000 articles, where one drug name is in thousands of titles).
"""

from django.db import migrations

WORDS_SQL = (
    "SELECT DISTINCT w FROM regexp_split_to_table(vetted_unaccent(lower({names})), '[^a-z0-9]+') AS w"
    " WHERE length(w) >= 3"
)

FORWARD = [
    "CREATE TABLE publishing_searchword (word text PRIMARY KEY)",
    "CREATE INDEX publishing_searchword_trgm ON publishing_searchword USING gin (word gin_trgm_ops)",
    f"""
CREATE OR REPLACE FUNCTION publishing_searchword_collect() RETURNS trigger AS $$
BEGIN
    INSERT INTO publishing_searchword (word) {WORDS_SQL.format(names="NEW.search_names")} ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
""",
    "CREATE TRIGGER publishing_searchword_collect AFTER INSERT OR UPDATE OF search_names"
    " ON publishing_catalogueentry FOR EACH ROW EXECUTE FUNCTION publishing_searchword_collect()",
    "INSERT INTO publishing_searchword (word) SELECT DISTINCT w FROM publishing_catalogueentry e,"
    " regexp_split_to_table(vetted_unaccent(lower(e.search_names)), '[^a-z0-9]+') AS w"
    " WHERE length(w) >= 3 ON CONFLICT DO NOTHING",
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS publishing_searchword_collect ON publishing_catalogueentry",
    "DROP FUNCTION IF EXISTS publishing_searchword_collect()",
    "DROP TABLE IF EXISTS publishing_searchword",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0021_search_filter_lexemes_prior_tiers"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
