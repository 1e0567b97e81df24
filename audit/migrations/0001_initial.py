"""Take over review's WorkflowEvent (its table was renamed by review 0004): state only, no data moved.

The content type moves with it (review.workflowevent → audit.workflowevent),
so permissions granted on the audit log and admin history stay attached.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import audit.registry


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="audit", model="workflowevent").exists():
        ContentType.objects.filter(app_label="review", model="workflowevent").update(app_label="audit")


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="review", model="workflowevent").exists():
        ContentType.objects.filter(app_label="audit", model="workflowevent").update(app_label="review")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("articles", "0009_article_list_indexes"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("review", "0005_move_workflowevent_to_audit"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="WorkflowEvent",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("action", models.CharField(choices=audit.registry.action_choices, max_length=40)),
                        ("from_status", models.CharField(blank=True, max_length=20)),
                        ("to_status", models.CharField(blank=True, max_length=20)),
                        ("content_hash", models.CharField(blank=True, max_length=64)),
                        ("comment", models.TextField(blank=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        (
                            "actor",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "article",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="workflow_events",
                                to="articles.article",
                            ),
                        ),
                        (
                            "revision",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="reversion.revision",
                            ),
                        ),
                        (
                            "round",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="events",
                                to="review.reviewround",
                            ),
                        ),
                    ],
                    options={"ordering": ["created_at", "pk"]},
                ),
            ],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
