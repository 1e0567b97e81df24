"""The reader catalogue: one lean row per live article (index, search, sitemap, API list).

On PostgreSQL only: the pg_trgm extension, a weighted tsvector column with a
GIN index, and a trigram GIN index for misspelled names. SQLite gets the
plain table (its search is a substring match). Existing live articles are
copied in.
"""

import django.db.models.deletion
from django.db import migrations, models

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "ALTER TABLE publishing_catalogueentry ADD COLUMN search_vector tsvector",
    "CREATE INDEX catalogue_search_vector ON publishing_catalogueentry USING gin (search_vector)",
    "CREATE INDEX catalogue_search_names_trgm ON publishing_catalogueentry USING gin (search_names gin_trgm_ops)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS catalogue_search_names_trgm",
    "DROP INDEX IF EXISTS catalogue_search_vector",
    "ALTER TABLE publishing_catalogueentry DROP COLUMN IF EXISTS search_vector",
]


def postgres_forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_FORWARD:
            schema_editor.execute(statement)


def postgres_backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_BACKWARD:
            schema_editor.execute(statement)


def backfill(apps, schema_editor):
    from publishing.catalogue import rebuild

    rebuild(
        CatalogueEntry=apps.get_model("publishing", "CatalogueEntry"),
        Publication=apps.get_model("publishing", "Publication"),
        PublishedPage=apps.get_model("publishing", "PublishedPage"),
    )


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0002_audiences_and_groups'),
        ('publishing', '0005_stored_pages_and_purges'),
    ]

    operations = [
        migrations.CreateModel(
            name='CatalogueEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('slug', models.SlugField(max_length=120)),
                ('title', models.CharField(max_length=250)),
                ('condition', models.CharField(max_length=200)),
                ('condition_key', models.CharField(help_text='Lowercased condition, for the A–Z index.', max_length=200)),
                ('drugs', models.CharField(blank=True, help_text='Comma-separated, as published.', max_length=500)),
                ('kind', models.CharField(choices=[('approved', 'Approved'), ('provisional', 'Provisional (pending review)')], max_length=20)),
                ('live_at', models.DateTimeField()),
                ('expires_at', models.DateTimeField(blank=True, null=True)),
                ('search_names', models.TextField(blank=True, help_text='Lowercased title, condition and drugs.')),
                ('search_text', models.TextField(blank=True, help_text='The published summary and body as plain text.')),
                ('article', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='catalogue_entry', to='articles.article')),
                ('publication', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='catalogue_entry', to='publishing.publication')),
            ],
            options={
                'indexes': [models.Index(fields=['condition_key', 'title', 'id'], name='catalogue_az'), models.Index(fields=['title', 'id'], name='catalogue_title')],
            },
        ),
        migrations.RunPython(postgres_forward, postgres_backward),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
