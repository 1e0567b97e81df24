"""Build an article's canonical content (textkit.content.ArticleContent) from its rows or from a Revision.

The content dataclasses, their canonical form and hash live in the text engine
(textkit.content), which knows nothing of the database; this module is the
part that reads the models and django-reversion.
"""

from __future__ import annotations

from reversion.models import Revision

from textkit.content import (
    ARTICLE_FIELDS,
    DEFAULT_LANGUAGE,
    REFERENCE_FIELDS,
    ArticleContent,
    ReferenceContent,
    VariantContent,
)

from .models import Article, ArticleVariant, Reference

__all__ = ["content_from_article", "content_from_revision"]


def _clean(value):
    return "" if value is None else value


def content_from_article(article: Article) -> ArticleContent:
    """Build the content of an article from its current database rows."""
    variants = [
        VariantContent(audience_id=v.audience_id, summary=v.summary, body=v.body)
        for v in ArticleVariant.objects.filter(article=article)
    ]
    references = [
        ReferenceContent(**{name: getattr(r, name) for name in REFERENCE_FIELDS})
        for r in Reference.objects.filter(article=article)
    ]
    return ArticleContent(
        **{name: getattr(article, name) for name in ARTICLE_FIELDS},
        variants=tuple(variants),
        references=tuple(references),
        language=article.language or DEFAULT_LANGUAGE,
    )


def content_from_revision(revision: Revision, article_id: int | None = None) -> ArticleContent:
    """Build the content of an article as it was saved in a django-reversion Revision."""
    article_data = None
    variants, references = [], []
    for version in revision.version_set.select_related("content_type"):
        model = version.content_type.model_class()
        data = version.field_dict
        if model is Article:
            if article_id is None or int(version.object_id) == article_id:
                article_data = data
                article_id = int(version.object_id)
        elif model is ArticleVariant:
            variants.append(data)
        elif model is Reference:
            references.append(data)
    if article_data is None:
        raise ValueError(f"Revision {revision.pk} holds no version of article {article_id}.")
    return ArticleContent(
        **{name: _clean(article_data.get(name)) for name in ARTICLE_FIELDS},
        language=article_data.get("language") or DEFAULT_LANGUAGE,
        variants=tuple(
            VariantContent(
                audience_id=data["audience_id"], summary=_clean(data.get("summary")), body=_clean(data.get("body"))
            )
            for data in variants
            if data.get("article_id") == article_id
        ),
        references=tuple(
            ReferenceContent(
                **{
                    name: data.get(name) if name in ("year", "spl_version") else _clean(data.get(name))
                    for name in REFERENCE_FIELDS
                }
            )
            for data in references
            if data.get("article_id") == article_id
        ),
    )
