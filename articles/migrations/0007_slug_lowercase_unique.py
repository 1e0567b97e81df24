"""Slugs are lowercase letters, digits and single hyphens, unique whatever their case.

Existing slugs are checked first: one that breaks the rule is rewritten to the
nearest valid, free address (``CMV_Treatment`` -> ``cmv-treatment-2`` when
``cmv-treatment`` exists) and the change is printed, so the operator can add a
redirect. Live publications keep the slug they were published at.
"""

import re

import django.db.models.functions.text
from django.db import migrations, models

import articles.text

_VALID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def fix_slugs(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    rows = list(Article.objects.order_by("pk").values_list("pk", "slug"))
    taken = {slug.lower() for _, slug in rows if _VALID.fullmatch(slug)}
    seen_valid: set[str] = set()
    for pk, slug in rows:
        if _VALID.fullmatch(slug) and slug not in seen_valid:
            seen_valid.add(slug)
            continue
        base = re.sub(r"[^a-z0-9]+", "-", slug.lower()).strip("-")[:110] or "article"
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}-{n}"
        taken.add(candidate)
        Article.objects.filter(pk=pk).update(slug=candidate)
        print(f"\n  articles: slug “{slug}” (article {pk}) is now “{candidate}”")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_editors_maintain_glossary"),
    ]

    operations = [
        migrations.RunPython(fix_slugs, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="article",
            name="slug",
            field=models.SlugField(
                help_text="The page address: /articles/<slug>/. Lowercase, digits and hyphens.",
                max_length=120,
                unique=True,
                validators=[articles.text.validate_slug],
            ),
        ),
        migrations.AddConstraint(
            model_name="article",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("slug"), name="article_slug_unique_ignoring_case"
            ),
        ),
    ]
