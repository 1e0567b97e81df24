"""Normalise the whitespace of text saved before the services did it on the way in.

Rows only: django-reversion's stored versions are history and stay as they
were, so the content hash of an approved revision (and of any live page) does
not change. An article whose rows change here differs from its last saved
version until it is saved again; submitting it says so.
"""

from __future__ import annotations

from django.db import migrations

from textkit.whitespace import normalise_line, normalise_markdown


def normalise_rows(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    ArticleVariant = apps.get_model("articles", "ArticleVariant")
    Reference = apps.get_model("articles", "Reference")
    plans = (
        (Article, {"summary": normalise_markdown, "body": normalise_markdown, "title": normalise_line,
                   "condition": normalise_line, "drugs": normalise_line}),
        (ArticleVariant, {"summary": normalise_markdown, "body": normalise_markdown}),
        (Reference, {name: normalise_line for name in ("key", "title", "authors", "source", "pmid", "doi", "url")}),
    )
    for model, fields in plans:
        for row in model.objects.only("pk", *fields).iterator(chunk_size=500):
            changed = []
            for name, normalise in fields.items():
                value = getattr(row, name)
                clean = normalise(value)
                if clean != value:
                    setattr(row, name, clean)
                    changed.append(name)
            if changed:
                row.save(update_fields=changed)


class Migration(migrations.Migration):
    dependencies = [("articles", "0003_evidence_fields_and_identifier_cache")]

    operations = [migrations.RunPython(normalise_rows, migrations.RunPython.noop, elidable=True)]
