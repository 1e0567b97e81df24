"""The glossary under board review: numbered definitions, proposed by editors and approved by the board.

Terms that existed before are grandfathered: each becomes approved version 1
of its definition, with no proposer and no board decision (``proposed_by``
empty, no review.GlossaryApproval rows) and the note "Grandfathered by
migration articles 0013 …", so an auditor can tell them from wording the
board approved. Their wording is unchanged, so no page changes.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

GRANDFATHERED = "Grandfathered by migration articles 0013: in force before the board reviewed glossary wording."


def grandfather_terms(apps, schema_editor):
    GlossaryTerm = apps.get_model("articles", "GlossaryTerm")
    GlossaryDefinition = apps.get_model("articles", "GlossaryDefinition")
    for term in GlossaryTerm.objects.order_by("pk"):
        GlossaryDefinition.objects.create(
            glossary_term=term,
            version=1,
            term=term.term,
            explanation=term.explanation,
            synonyms=term.synonyms,
            active=term.active,
            status="approved",
            required_approvals=1,
            proposed_by=None,
            proposed_at=term.updated_at,
            decided_at=term.updated_at,
            note=GRANDFATHERED,
        )
    GlossaryTerm.objects.update(approved_version=1)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0011_new_article_draft_buffer"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="glossaryterm",
            name="approved_version",
            field=models.PositiveIntegerField(
                default=0, help_text="The number of the board-approved definition above; 0 until one is approved."
            ),
        ),
        migrations.AlterField(
            model_name="glossaryterm",
            name="explanation",
            field=models.CharField(
                blank=True,
                help_text="One plain-language sentence a patient understands, shown to readers as the definition.",
                max_length=300,
            ),
        ),
        migrations.CreateModel(
            name="GlossaryDefinition",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("version", models.PositiveIntegerField()),
                ("term", models.CharField(help_text="The word as this version writes it.", max_length=100)),
                ("explanation", models.CharField(max_length=300)),
                ("synonyms", models.CharField(blank=True, max_length=300)),
                ("active", models.BooleanField(default=True)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("proposed", "Waiting for the board"),
                            ("approved", "Approved"),
                            ("rejected", "Rejected"),
                            ("superseded", "Superseded"),
                            ("withdrawn", "Replaced before a decision"),
                        ],
                        default="proposed",
                        max_length=12,
                    ),
                ),
                ("required_approvals", models.PositiveSmallIntegerField(default=1)),
                ("proposed_at", models.DateTimeField()),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                (
                    "note",
                    models.CharField(
                        blank=True,
                        help_text='How it came to be, e.g. "Grandfathered by migration 0013".',
                        max_length=300,
                    ),
                ),
                (
                    "glossary_term",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="definitions",
                        to="articles.glossaryterm",
                    ),
                ),
                (
                    "proposed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["glossary_term_id", "-version"],
                "indexes": [
                    models.Index(
                        condition=models.Q(("status", "proposed")),
                        fields=["proposed_at", "id"],
                        name="glossary_def_waiting",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("glossary_term", "version"), name="glossary_definition_version_unique"
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("status", "approved")),
                        fields=("glossary_term",),
                        name="one_approved_definition_per_term",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("status", "proposed")),
                        fields=("glossary_term",),
                        name="one_proposed_definition_per_term",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("required_approvals__gte", 1)), name="glossary_definition_needs_approval"
                    ),
                ],
            },
        ),
        migrations.RunPython(grandfather_terms, migrations.RunPython.noop),
    ]
