"""Search (issue 21): the ranked lead table, editors' synonyms and their events, searches that found nothing.

On PostgreSQL only, and never failing where an extension is missing (each is
looked up in pg_available_extensions and created in a savepoint):

- ``unaccent`` where available; ``vetted_unaccent(text)`` is an immutable
  wrapper around it, or returns the text unchanged without it, so the rest of
  the code calls one function either way;
- ``rum`` where available: the lead's ``tsv`` gets a RUM index, which returns
  matches in rank order (``ORDER BY tsv <=> query``), and a second one,
  ``catalogue_lead_prior``, that returns them by prior; without the extension
  a GIN index (the selector then ranks a bounded candidate set, see
  ``publishing.selectors.search``). ``search_index_kind()`` reads which one
  exists.

Then every live article's entry and lead are rebuilt (vectors included).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import DatabaseError, migrations, models, transaction


LEAD_INDEX = "catalogue_lead_tsv"
CONDITION_INDEX = "catalogue_condition_trgm"
PRIOR_INDEX = "catalogue_lead_prior"
APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION publishing_searchsynonymevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'publishing_searchsynonymevent is append-only: %% refused', TG_OP;  -- %% : schema_editor.execute formats parameters
END
$$ LANGUAGE plpgsql
"""


def _available(schema_editor, name: str) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = %s", [name])
        return cursor.fetchone() is not None


def _create_extension(schema_editor, name: str) -> bool:
    """Create an extension if the server has it; False (and nothing changed) if it is absent or refused."""
    if not _available(schema_editor, name):
        return False
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute(f"CREATE EXTENSION IF NOT EXISTS {name}")
    except DatabaseError:
        return False
    return True


def _extension_schema(schema_editor, name: str) -> str:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = %s",
            [name],
        )
        return cursor.fetchone()[0]


def postgres_forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    if _create_extension(schema_editor, "unaccent"):
        schema = schema_editor.quote_name(_extension_schema(schema_editor, "unaccent"))
        body = f"SELECT {schema}.unaccent('{schema}.unaccent'::regdictionary, $1)"
    else:
        body = "SELECT $1"
    schema_editor.execute(
        "CREATE OR REPLACE FUNCTION vetted_unaccent(text) RETURNS text"
        f" LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $func$ {body} $func$"
    )
    schema_editor.execute("ALTER TABLE publishing_cataloguelead ADD COLUMN tsv tsvector NOT NULL DEFAULT ''")
    if _create_extension(schema_editor, "rum"):
        schema_editor.execute(f"CREATE INDEX {LEAD_INDEX} ON publishing_cataloguelead USING rum (tsv rum_tsvector_ops)")
        # The same matches ordered by prior inside the index (candidates that tie on the words).
        schema_editor.execute(
            f"CREATE INDEX {PRIOR_INDEX} ON publishing_cataloguelead"
            " USING rum (tsv rum_tsvector_addon_ops, prior) WITH (attach = 'prior', to = 'tsv')"
        )
    else:
        schema_editor.execute(f"CREATE INDEX {LEAD_INDEX} ON publishing_cataloguelead USING gin (tsv)")


    # Synonym events are append-only for every client, as the workflow log is (audit 0002).
    schema_editor.execute(APPEND_ONLY_FUNCTION)
    schema_editor.execute(
        "CREATE TRIGGER publishing_searchsynonymevent_append_only BEFORE UPDATE OR DELETE"
        " ON publishing_searchsynonymevent FOR EACH ROW EXECUTE FUNCTION publishing_searchsynonymevent_append_only()"
    )
    # The closest conditions to a search that found nothing (pg_trgm, created by 0006).
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {CONDITION_INDEX} ON publishing_catalogueentry USING gin (condition_key gin_trgm_ops)"
    )


def postgres_backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {CONDITION_INDEX}")
    schema_editor.execute(
        "DROP TRIGGER IF EXISTS publishing_searchsynonymevent_append_only ON publishing_searchsynonymevent"
    )
    schema_editor.execute("DROP FUNCTION IF EXISTS publishing_searchsynonymevent_append_only()")
    schema_editor.execute(f"DROP INDEX IF EXISTS {PRIOR_INDEX}")
    schema_editor.execute(f"DROP INDEX IF EXISTS {LEAD_INDEX}")
    schema_editor.execute("ALTER TABLE publishing_cataloguelead DROP COLUMN IF EXISTS tsv")
    schema_editor.execute("DROP FUNCTION IF EXISTS vetted_unaccent(text)")


def backfill(apps, schema_editor):
    from publishing.catalogue import rebuild

    rebuild(
        CatalogueEntry=apps.get_model("publishing", "CatalogueEntry"),
        Publication=apps.get_model("publishing", "Publication"),
        PublishedPage=apps.get_model("publishing", "PublishedPage"),
        CatalogueLead=apps.get_model("publishing", "CatalogueLead"),
    )


class Migration(migrations.Migration):

    dependencies = [
        ('publishing', '0015_page_history_and_verification'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CatalogueLead',
            fields=[
                ('entry', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='lead', serialize=False, to='publishing.catalogueentry')),
                ('language', models.CharField(help_text='Primary language subtag of the text, e.g. en, es.', max_length=12)),
                ('text_config', models.CharField(default='simple', help_text='PostgreSQL text-search configuration (SEARCH_TEXT_CONFIGS).', max_length=63)),
                ('prior', models.FloatField(default=0.0, help_text='Query-independent weight, 0 to 1.')),
                ('audiences', models.CharField(blank=True, help_text='Space-separated slugs of the audiences with text of their own.', max_length=400)),
                ('condition_key', models.CharField(help_text='Lowercased condition, for the filter.', max_length=200)),
                ('drug_keys', models.CharField(blank=True, help_text="Lowercased drug names, '|' around each.", max_length=500)),
                ('reviewed_on', models.DateField(blank=True, null=True)),
                ('expires_at', models.DateTimeField(blank=True, null=True)),
            ],
            options={
                'indexes': [models.Index(fields=['condition_key'], name='catalogue_lead_condition')],
            },
        ),
        migrations.CreateModel(
            name='SearchMiss',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('query_key', models.CharField(max_length=200)),
                ('day', models.DateField()),
                ('count', models.PositiveIntegerField(default=0)),
            ],
            options={
                'indexes': [models.Index(fields=['day'], name='search_miss_day')],
                'constraints': [models.UniqueConstraint(fields=('query_key', 'day'), name='one_search_miss_per_query_day')],
            },
        ),
        migrations.CreateModel(
            name='SearchSynonymEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('synonym_id_at_event', models.BigIntegerField(help_text="The synonym's id (kept after it is deleted).")),
                ('action', models.CharField(choices=[('added', 'Added'), ('changed', 'Changed'), ('deleted', 'Deleted')], max_length=20)),
                ('before', models.JSONField(blank=True, default=dict)),
                ('after', models.JSONField(blank=True, default=dict)),
                ('comment', models.CharField(blank=True, max_length=200)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('actor', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.CreateModel(
            name='SearchSynonym',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('term', models.CharField(help_text='What readers type, e.g. "CMV" or "Valcyte".', max_length=120)),
                ('synonym', models.CharField(help_text='What the articles say, e.g. "cytomegalovirus".', max_length=120)),
                ('kind', models.CharField(choices=[('abbreviation', 'Abbreviation ↔ condition'), ('brand', 'Brand ↔ generic'), ('lay', 'Lay ↔ clinical'), ('other', 'Other')], default='other', max_length=20)),
                ('source', models.CharField(blank=True, help_text='Where it comes from, e.g. "RxNorm", "MeSH".', max_length=80)),
                ('term_key', models.CharField(db_index=True, editable=False, max_length=120)),
                ('synonym_key', models.CharField(db_index=True, editable=False, max_length=120)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('term_key', 'synonym_key'), name='one_search_synonym_per_pair'), models.CheckConstraint(condition=models.Q(('term_key', models.F('synonym_key')), _negated=True), name='search_synonym_not_itself')],
            },
        ),
        migrations.RunPython(postgres_forward, postgres_backward),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
