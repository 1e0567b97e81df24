# Versioned page furniture and background re-renders (issue 19, items 2 and 4). Re-pointed by the lead at merge.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0011_new_article_draft_buffer"),
        ("publishing", "0012_publication_glossary_snapshot"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
        ("review", "0005_move_workflowevent_to_audit"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="storedpage",
            name="board_member_ids",
            field=models.CharField(
                blank=True,
                help_text='The board members the page names, as ",3,7,": found by a portable LIKE when a biography changes.',
                max_length=300,
            ),
        ),
        migrations.AddField(
            model_name="storedpage",
            name="fingerprint",
            field=models.CharField(
                blank=True,
                help_text="Hash of the templates and static files the page was rendered with.",
                max_length=64,
            ),
        ),
        migrations.AddField(
            model_name="storedpage",
            name="furniture",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="The approved furniture versions the page was rendered with (publishing/furniture.py).",
            ),
        ),
        migrations.CreateModel(
            name="FurnitureChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("disclaimer", "Disclaimer"),
                            ("policy", "Editorial policy"),
                            ("board_member", "Board member biography and disclosures"),
                        ],
                        max_length=20,
                    ),
                ),
                ("proposed", models.JSONField(help_text="The new values.")),
                ("note", models.CharField(blank=True, help_text="Why, for the approver.", max_length=300)),
                (
                    "state",
                    models.CharField(
                        choices=[("proposed", "Proposed"), ("approved", "Approved"), ("rejected", "Rejected")],
                        db_index=True,
                        default="proposed",
                        max_length=10,
                    ),
                ),
                ("proposed_at", models.DateTimeField()),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                (
                    "version",
                    models.PositiveIntegerField(
                        blank=True, help_text="The object's version this approval made.", null=True
                    ),
                ),
                (
                    "summary",
                    models.CharField(
                        blank=True, help_text='Public, e.g. "Patient disclaimer updated".', max_length=300
                    ),
                ),
                (
                    "audience",
                    models.ForeignKey(
                        blank=True,
                        help_text="A new disclaimer's audience (empty: all audiences).",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="articles.audience",
                    ),
                ),
                (
                    "board_member",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="furniture_changes",
                        to="review.boardmember",
                    ),
                ),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "disclaimer",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="changes",
                        to="publishing.disclaimer",
                    ),
                ),
                (
                    "policy",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="changes",
                        to="publishing.editorialpolicy",
                    ),
                ),
                (
                    "proposed_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
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
            ],
            options={
                "ordering": ["-proposed_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="RenderRun",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("reason", models.CharField(help_text="Shown on the desk.", max_length=300)),
                (
                    "scope",
                    models.JSONField(
                        blank=True,
                        default=dict,
                        help_text='Which pages: {"fingerprint": …} (older renders), {"disclaimer": id, "audience": id}, {"board_member": id} or {"all": true}.',
                    ),
                ),
                ("total", models.PositiveIntegerField(default=0)),
                ("done", models.PositiveIntegerField(default=0)),
                ("failed", models.PositiveIntegerField(default=0)),
                ("cursor", models.PositiveBigIntegerField(default=0, help_text="The last StoredPage id handled.")),
                ("last_error", models.TextField(blank=True)),
                ("created_at", models.DateTimeField()),
                ("progressed_at", models.DateTimeField(help_text="The last batch committed (or the run was created).")),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                (
                    "change",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="runs",
                        to="publishing.furniturechange",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.AddIndex(
            model_name="furniturechange",
            index=models.Index(
                condition=models.Q(("state", "approved")), fields=["-decided_at", "-id"], name="furniture_change_log"
            ),
        ),
        migrations.AddIndex(
            model_name="renderrun",
            index=models.Index(
                condition=models.Q(("finished_at__isnull", True)), fields=["progressed_at"], name="render_run_open"
            ),
        ),
    ]
