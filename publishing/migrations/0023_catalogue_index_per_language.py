"""The reader index lists one language at a time: its A–Z covering index leads with the language."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0018_glossary_language"),
        ("publishing", "0022_search_words"),
    ]

    operations = [
        # The new index first, so the index pages never go without one.
        migrations.AddIndex(
            model_name="catalogueentry",
            index=models.Index(
                fields=["language", "condition_key", "title", "id"],
                include=("expires_at",),
                name="catalogue_language_az",
            ),
        ),
        migrations.RemoveIndex(model_name="catalogueentry", name="catalogue_az_cover"),
    ]
