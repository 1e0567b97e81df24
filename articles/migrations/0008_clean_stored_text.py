"""Clean the text already stored, as textkit.text.clean_text now cleans every new value.

Rows are rewritten only where something changes (a control character, a CR
line ending, text not in NFC). The append-only workflow log and the stored
revisions are left as they are: revisions are what the board approved, byte
for byte, and the pages rendered from them strip control characters on output.
"""

from django.db import migrations, models

from textkit.text import clean_text

MODELS = [
    ("articles", "Audience"),
    ("articles", "Article"),
    ("articles", "ArticleVariant"),
    ("articles", "Reference"),
    ("articles", "GlossaryTerm"),
    ("review", "BoardMember"),
    ("review", "ReviewDecision"),
    ("review", "ReviewComment"),
    ("publishing", "Disclaimer"),
    ("publishing", "Publication"),
    ("publishing", "ReaderMessage"),
    ("publishing", "EditorialPolicy"),
]
# Stored pages: only the title, which feeds and lists print as text.
PARTIAL = {("publishing", "PublishedPage"): ["title"]}


def clean_rows(apps, schema_editor):
    targets = [(label, None) for label in MODELS] + list(PARTIAL.items())
    for (app_label, model_name), only in targets:
        Model = apps.get_model(app_label, model_name)
        fields = [
            f
            for f in Model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField) and (only is None or f.name in only)
        ]
        names = [f.attname for f in fields]
        for row in Model.objects.only("pk", *names).iterator(chunk_size=500):
            changed = []
            for f in fields:
                value = getattr(row, f.attname)
                if isinstance(value, str) and value:
                    cleaned = clean_text(value, multiline=isinstance(f, models.TextField))
                    if cleaned != value:
                        setattr(row, f.attname, cleaned)
                        changed.append(f.attname)
            if changed:
                Model.objects.filter(pk=row.pk).update(**{name: getattr(row, name) for name in changed})


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0007_slug_lowercase_unique"),
        ("review", "0002_workflowevent_append_only_trigger"),
        ("publishing", "0005_stored_pages_and_purges"),
    ]

    operations = [migrations.RunPython(clean_rows, migrations.RunPython.noop)]
