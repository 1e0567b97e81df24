"""Normalise any CR or CRLF line ending still in an article's working text, and write a version of it.

0008 cleaned the rows that existed then with ``update()``, which writes no
version (docs/architecture.md). Since then every save is cleaned by the
services, so this normally finds nothing; if a row holds a CR (written
around the services: a raw SQL fix, an import run against an older release),
it is normalised here and, unlike 0008, a django-reversion revision of the
whole article (article, audience versions, references: what the app's own
saves record) is written with the comment below and no user. The history then
shows exactly what changed and why; the working copy equals its newest
version, so the next submission needs no extra save. Approved revisions and
live pages are untouched: they are rendered only from their pinned revision.
"""

from django.core import serializers
from django.db import migrations
from django.db.models import Q
from django.utils import timezone

from textkit.text import clean_text

COMMENT = "Line endings normalised by migration articles 0014 (no author: a data migration)."
# The fields each model's versions record, as registered in articles/apps.py when this was written.
ARTICLE_FIELDS = ["slug", "title", "condition", "drugs", "summary", "body"]
VARIANT_FIELDS = ["article", "audience", "summary", "body"]
REFERENCE_FIELDS = [
    "article",
    *("key", "kind", "title", "authors", "source", "year", "pmid", "doi", "url"),
    *("spl_set_id", "spl_version", "spl_date"),
]
TEXT = {
    "Article": ["title", "condition", "drugs", "summary", "body"],
    "ArticleVariant": ["summary", "body"],
    "Reference": ["title", "authors", "source", "url"],
}


def _clean(row, names: list[str]) -> bool:
    changed = False
    for name in names:
        value = getattr(row, name)
        if isinstance(value, str) and "\r" in value:
            setattr(row, name, clean_text(value, multiline=name in ("summary", "body")))
            changed = True
    return changed


def normalise_with_versions(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    ArticleVariant = apps.get_model("articles", "ArticleVariant")
    Reference = apps.get_model("articles", "Reference")
    Revision = apps.get_model("reversion", "Revision")
    Version = apps.get_model("reversion", "Version")
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias

    affected = set(Article.objects.filter(_has_cr(TEXT["Article"])).values_list("pk", flat=True))
    affected |= set(ArticleVariant.objects.filter(_has_cr(TEXT["ArticleVariant"])).values_list("article_id", flat=True))
    affected |= set(Reference.objects.filter(_has_cr(TEXT["Reference"])).values_list("article_id", flat=True))
    for article_id in sorted(affected):
        article = Article.objects.get(pk=article_id)
        variants = list(ArticleVariant.objects.filter(article_id=article_id).order_by("pk"))
        references = list(Reference.objects.filter(article_id=article_id).order_by("pk"))
        if _clean(article, TEXT["Article"]):
            Article.objects.filter(pk=article.pk).update(**{name: getattr(article, name) for name in TEXT["Article"]})
        for variant in variants:
            if _clean(variant, TEXT["ArticleVariant"]):
                ArticleVariant.objects.filter(pk=variant.pk).update(summary=variant.summary, body=variant.body)
        for reference in references:
            if _clean(reference, TEXT["Reference"]):
                Reference.objects.filter(pk=reference.pk).update(
                    **{name: getattr(reference, name) for name in TEXT["Reference"]}
                )
        revision = Revision.objects.create(date_created=timezone.now(), user=None, comment=COMMENT)
        for rows, fields, model in (
            ([article], ARTICLE_FIELDS, "article"),
            (variants, VARIANT_FIELDS, "articlevariant"),
            (references, REFERENCE_FIELDS, "reference"),
        ):
            content_type, _ = ContentType.objects.get_or_create(app_label="articles", model=model)
            for row in rows:
                Version.objects.create(
                    revision=revision,
                    object_id=str(row.pk),
                    content_type=content_type,
                    db=db,
                    format="json",
                    serialized_data=serializers.serialize("json", [row], fields=fields),
                    object_repr=str(getattr(row, "title", "") or row.pk)[:191],
                )
        print(f"  article {article_id} ({article.slug}): line endings normalised; version written.")


def _has_cr(names: list[str]) -> Q:
    condition = Q(pk__in=[])
    for name in names:
        condition |= Q(**{f"{name}__contains": "\r"})
    return condition


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0013_glossary_review"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(normalise_with_versions, migrations.RunPython.noop)]
