"""Record which bytes each article address served and when (what_was_live), and the verifier's runs.

Every page stored today becomes the first recorded version of its address,
served from its ``rendered_at``; nothing earlier was recorded, so
``what_was_live`` answers "no record" for a moment before that.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def record_stored_pages(apps, schema_editor):
    StoredPage = apps.get_model("publishing", "StoredPage")
    StoredPageVersion = apps.get_model("publishing", "StoredPageVersion")
    batch = []
    for page in StoredPage.objects.order_by("pk").iterator(chunk_size=500):
        batch.append(
            StoredPageVersion(
                path=page.path,
                publication_id=page.publication_id,
                audience_id=page.audience_id,
                content_type=page.content_type,
                body_gzip=page.body_gzip,
                etag=page.etag,
                furniture=page.furniture,
                fingerprint=page.fingerprint,
                served_from=page.rendered_at,
            )
        )
        if len(batch) >= 500:
            StoredPageVersion.objects.bulk_create(batch)
            batch = []
    StoredPageVersion.objects.bulk_create(batch)


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0013_glossary_review'),
        ('publishing', '0014_versioned_furniture'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='VerifyRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('origin', models.CharField(choices=[('desk', 'Started on the desk'), ('command', 'manage.py verify_live')], default='desk', max_length=10)),
                ('created_at', models.DateTimeField()),
                ('progressed_at', models.DateTimeField()),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('cursor', models.PositiveBigIntegerField(default=0, help_text='The last Publication id checked.')),
                ('publications', models.PositiveIntegerField(default=0, help_text='Live publications checked so far.')),
                ('pages', models.PositiveIntegerField(default=0, help_text='Stored pages and export files compared so far.')),
                ('drift', models.PositiveIntegerField(default=0, help_text='Differences found (each is a VerifyFinding).')),
                ('stale', models.PositiveIntegerField(default=0, help_text='Pages waiting for a re-render (not drift).')),
                ('last_error', models.TextField(blank=True)),
                ('started_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='VerifyFinding',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('audience', models.CharField(help_text='The audience slug, or "default".', max_length=100)),
                ('address', models.CharField(max_length=300)),
                ('kind', models.CharField(help_text='Which comparison failed (publishing/verify.py CHECKS).', max_length=30)),
                ('reason', models.TextField()),
                ('stale', models.BooleanField(default=False, help_text='A page not yet re-rendered: reported, not drift.')),
                ('article', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='articles.article')),
                ('publication', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='publishing.publication')),
                ('run', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='findings', to='publishing.verifyrun')),
            ],
            options={
                'ordering': ['run', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='StoredPageVersion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('path', models.CharField(max_length=300)),
                ('content_type', models.CharField(default='text/html; charset=utf-8', max_length=100)),
                ('body_gzip', models.BinaryField()),
                ('etag', models.CharField(max_length=80)),
                ('furniture', models.JSONField(blank=True, default=dict)),
                ('fingerprint', models.CharField(blank=True, max_length=64)),
                ('served_from', models.DateTimeField()),
                ('served_until', models.DateTimeField(blank=True, help_text='Empty: still the stored page.', null=True)),
                ('audience', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='articles.audience')),
                ('publication', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='page_versions', to='publishing.publication')),
            ],
            options={
                'ordering': ['path', '-served_from', '-pk'],
                'indexes': [models.Index(fields=['path', 'served_from'], name='stored_page_version_at'), models.Index(condition=models.Q(('served_until__isnull', True)), fields=['path'], name='stored_page_version_open')],
            },
        ),
        migrations.RunPython(record_stored_pages, migrations.RunPython.noop),
    ]
