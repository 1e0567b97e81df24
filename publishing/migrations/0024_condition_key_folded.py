"""File conditions by their folded form: "Úlcera" under U (and "úlcera" = "ulcera" for the search filter).

Only keys with a character outside ASCII can change; on PostgreSQL their leads'
search vectors are rewritten too, since the vector carries the "~c:" filter lexeme.
"""

from django.db import migrations

from textkit.text import folded

CHUNK = 1000


def forward(apps, schema_editor):
    CatalogueEntry = apps.get_model("publishing", "CatalogueEntry")
    CatalogueLead = apps.get_model("publishing", "CatalogueLead")
    changed = []
    for entry in CatalogueEntry.objects.filter(condition_key__regex=r"[^ -~]").only("pk", "condition").iterator():
        key = folded(entry.condition)[:200]
        CatalogueEntry.objects.filter(pk=entry.pk).update(condition_key=key)
        CatalogueLead.objects.filter(entry_id=entry.pk).update(condition_key=key)
        changed.append(entry.pk)
    if schema_editor.connection.vendor != "postgresql" or not changed:
        return
    from publishing.catalogue import LEAD_VECTOR_SQL

    with schema_editor.connection.cursor() as cursor:
        for start in range(0, len(changed), CHUNK):
            cursor.execute(LEAD_VECTOR_SQL, [changed[start : start + CHUNK]])


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0023_catalogue_index_per_language"),
    ]

    operations = [
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
