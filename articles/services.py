"""Authoring services: every change to an article is one reversion revision.

Each function takes the acting user, runs in one transaction and returns the
changed article. Status changes made by the review workflow live in
review/services.py; this module only edits content.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import reversion
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from reversion.models import Revision

from .content import REFERENCE_FIELDS, ArticleContent, content_from_article, content_from_revision
from .exceptions import ContentLocked, EditConflict, SlugTaken
from .models import Article, ArticleVariant, Audience, Reference
from .text import clean_model_text, clean_text, ensure_max_length, validate_slug

ARTICLE_EDITABLE_FIELDS = ("slug", "title", "condition", "drugs", "summary", "body")
# Slugs that fixed pages already use: /studio/new/, /review/editor/.
RESERVED_SLUGS = frozenset({"new", "editor"})


@dataclass(frozen=True)
class VariantInput:
    audience_id: int
    summary: str = ""
    body: str = ""


def _ensure_editable(article: Article) -> None:
    if article.is_locked_for_review:
        raise ContentLocked(
            f"“{article.title}” is with the Medical Advisory Board ({article.get_status_display().lower()}) "
            "and cannot be edited. Withdraw it from review first."
        )
    if article.status == Article.Status.ARCHIVED:
        raise ContentLocked(f"“{article.title}” is archived and read-only.")


def _ensure_slug_free(slug: str, *, exclude_pk: int | None = None) -> None:
    try:
        validate_slug(slug)
    except ValidationError as exc:
        raise ValidationError({"slug": exc.messages}) from exc
    if slug in RESERVED_SLUGS:
        raise SlugTaken(f"The address “{slug}” is reserved for a page of the site. Choose another slug.")
    taken = Article.objects.filter(slug__iexact=slug).exclude(pk=exclude_pk).exists()
    if taken:
        raise SlugTaken(f"The address “{slug}” is already used by another article. Choose another slug.")


def _clean_text_fields(obj) -> None:
    """Normalise every text field (articles.text) and enforce the size limits of summary and body."""
    clean_model_text(obj)
    for name in ("summary", "body"):
        if hasattr(obj, name):
            label = str(obj._meta.get_field(name).verbose_name).capitalize()
            ensure_max_length(getattr(obj, name), kind=name, label=label, field=name)


def _save_full_clean(obj) -> None:
    _clean_text_fields(obj)
    obj.full_clean(validate_unique=False, validate_constraints=False)
    obj.save()


def _sync_variants(article: Article, variants: Iterable[VariantInput]) -> None:
    """Make the article's variants exactly these; empty ones are removed."""
    wanted = {v.audience_id: v for v in variants if v.summary.strip() or v.body.strip()}
    for existing in ArticleVariant.objects.filter(article=article):
        if existing.audience_id not in wanted:
            existing.delete()
    current = {v.audience_id: v for v in ArticleVariant.objects.filter(article=article)}
    for audience_id, data in wanted.items():
        variant = current.get(audience_id) or ArticleVariant(article=article, audience_id=audience_id)
        if variant.pk and variant.summary == data.summary and variant.body == data.body:
            continue
        variant.summary, variant.body = data.summary, data.body
        _save_full_clean(variant)


def _sync_references(article: Article, references: Iterable[Mapping]) -> None:
    """Make the article's references exactly these, matched by key."""
    wanted: dict[str, Mapping] = {}
    for data in references:
        key = data["key"]
        if key in wanted:
            raise ValidationError({"references": f"The reference key “{key}” is used twice; keys must be unique."})
        wanted[key] = data
    for existing in Reference.objects.filter(article=article):
        if existing.key not in wanted:
            existing.delete()
    current = {r.key: r for r in Reference.objects.filter(article=article)}
    for key, data in wanted.items():
        reference = current.get(key) or Reference(article=article)
        changed = not reference.pk
        for name in REFERENCE_FIELDS:
            value = data.get(name, "" if name != "year" else None)
            if name != "year" and value is None:
                value = ""
            if getattr(reference, name) != value:
                setattr(reference, name, value)
                changed = True
        if changed:
            _save_full_clean(reference)


@transaction.atomic
def article_create(
    *,
    acting_user: AbstractBaseUser,
    slug: str,
    title: str,
    condition: str,
    drugs: str = "",
    summary: str = "",
    body: str = "",
    variants: Iterable[VariantInput] = (),
    references: Iterable[Mapping] = (),
    comment: str = "Created the article.",
) -> Article:
    """Create a draft article with the acting user as its author (one revision)."""
    slug = clean_text(slug, multiline=False)
    _ensure_slug_free(slug)
    with reversion.create_revision():
        article = Article(
            slug=slug, title=title, condition=condition, drugs=drugs, summary=summary, body=body, created_by=acting_user
        )
        _clean_text_fields(article)
        article.full_clean(validate_unique=False, validate_constraints=False)
        try:
            with transaction.atomic():
                article.save()
        except IntegrityError as exc:
            raise SlugTaken(f"The address “{slug}” is already used by another article. Choose another slug.") from exc
        article.authors.add(acting_user)
        _sync_variants(article, variants)
        _sync_references(article, references)
        reversion.set_user(acting_user)
        reversion.set_comment(comment)
    return article


@transaction.atomic
def article_update(
    article: Article,
    *,
    acting_user: AbstractBaseUser,
    lock_version: int,
    fields: Mapping[str, str] | None = None,
    variants: Iterable[VariantInput] | None = None,
    references: Iterable[Mapping] | None = None,
    comment: str = "",
) -> Article:
    """Save an edit as one revision, refusing it if the article changed since it was loaded.

    `lock_version` is the value the editor's form was loaded with; a different
    value in the database means someone else saved in between, and the edit
    raises EditConflict without writing anything. Editing an approved article
    starts a new draft; the approved revision stays recorded for the live page.
    """
    article = Article.objects.select_for_update().get(pk=article.pk)
    submitted = {"fields": dict(fields or {}), "variants": variants, "references": references}
    if article.lock_version != lock_version:
        raise EditConflict(article, submitted)
    _ensure_editable(article)
    fields = dict(fields or {})
    unknown = set(fields) - set(ARTICLE_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    if "slug" in fields:
        fields["slug"] = clean_text(fields["slug"] or "", multiline=False)
    if "slug" in fields and fields["slug"] != article.slug:
        _ensure_slug_free(fields["slug"], exclude_pk=article.pk)

    before = content_from_article(article)
    with reversion.create_revision():
        for name, value in fields.items():
            setattr(article, name, value)
        if article.status == Article.Status.APPROVED:
            article.status = Article.Status.DRAFT
        article.lock_version += 1
        _clean_text_fields(article)
        article.full_clean(validate_unique=False, validate_constraints=False)
        article.save()
        if variants is not None:
            _sync_variants(article, variants)
        if references is not None:
            _sync_references(article, references)
        reversion.set_user(acting_user)
        reversion.set_comment(comment or _describe_change(before, content_from_article(article)))
    return article


def _describe_change(before: ArticleContent, after: ArticleContent) -> str:
    changed = [name for name in ARTICLE_EDITABLE_FIELDS if getattr(before, name) != getattr(after, name)]
    if before.variants != after.variants:
        changed.append("audience versions")
    if before.references != after.references:
        changed.append("references")
    return f"Edited {', '.join(changed)}." if changed else "Saved without changes."


@transaction.atomic
def article_revert(
    article: Article,
    *,
    acting_user: AbstractBaseUser,
    revision: Revision,
    lock_version: int | None = None,
    comment: str = "",
) -> Article:
    """Restore the content of an earlier revision, exactly, as a new revision.

    Variants and references added after that revision are removed; the
    article's workflow state is not touched beyond starting a new draft.
    """
    article = Article.objects.select_for_update().get(pk=article.pk)
    if lock_version is not None and article.lock_version != lock_version:
        raise EditConflict(article, {}, "The article changed after you opened its history. Reload and try again.")
    _ensure_editable(article)
    if not revision.version_set.filter(object_id=str(article.pk), content_type__model="article").exists():
        raise ValueError(f"Revision {revision.pk} is not a version of “{article.title}”.")
    old = content_from_revision(revision, article_id=article.pk)
    if old.slug != article.slug:
        _ensure_slug_free(old.slug, exclude_pk=article.pk)
    known_audiences = set(Audience.objects.values_list("pk", flat=True))
    with reversion.create_revision():
        for name in ARTICLE_EDITABLE_FIELDS:
            setattr(article, name, getattr(old, name))
        if article.status == Article.Status.APPROVED:
            article.status = Article.Status.DRAFT
        article.lock_version += 1
        article.save()
        _sync_variants(
            article,
            [
                VariantInput(audience_id=v.audience_id, summary=v.summary, body=v.body)
                for v in old.variants
                if v.audience_id in known_audiences
            ],
        )
        _sync_references(article, [{name: getattr(r, name) for name in REFERENCE_FIELDS} for r in old.references])
        reversion.set_user(acting_user)
        reversion.set_comment(comment or f"Restored the version of {revision.date_created:%Y-%m-%d %H:%M} UTC.")
    return article


@dataclass(frozen=True)
class ImportResult:
    """The references an import added, and the entries it skipped with the reason."""

    added: list[Reference]
    skipped: list[tuple[str, str]]  # (entry, reason)


@transaction.atomic
def reference_import(
    article: Article, *, acting_user: AbstractBaseUser, filename: str, data: bytes, lock_version: int
) -> ImportResult:
    """Add the references of a RIS, BibTeX or PubMed/MEDLINE file to an article as one revision.

    The whole file is read first: a malformed entry raises ReferenceFileError
    (naming the entry and line) and nothing is added. Entries whose DOI or
    PMID the article already has, or that repeat within the file, are skipped
    and reported. Raises EditConflict if the article changed since
    `lock_version` was read and ContentLocked while it is with the board.
    When every entry is skipped no revision is written.
    """
    from .importers import parse_reference_file, plan_import

    entries = parse_reference_file(filename, data)
    article = Article.objects.select_for_update().get(pk=article.pk)
    if article.lock_version != lock_version:
        raise EditConflict(
            article,
            {},
            f"“{article.title}” was changed by someone else after you opened it. "
            "Nothing was imported; reload the page and upload the file again.",
        )
    _ensure_editable(article)
    existing = list(Reference.objects.filter(article=article))
    plan = plan_import(entries, existing=existing)
    if not plan.add:
        return ImportResult(added=[], skipped=plan.skipped)
    count = len(plan.add)
    article_update(
        article,
        acting_user=acting_user,
        lock_version=lock_version,
        references=[*({name: getattr(r, name) for name in REFERENCE_FIELDS} for r in existing), *plan.add],
        comment=f"Imported {count} reference{'s' if count != 1 else ''} from {filename}",
    )
    by_key = {r.key: r for r in Reference.objects.filter(article=article, key__in=[f["key"] for f in plan.add])}
    return ImportResult(added=[by_key[f["key"]] for f in plan.add], skipped=plan.skipped)
