"""Authoring services: every change to an article is one reversion revision.

Each function takes the acting user, runs in one transaction and returns the
changed article. This module edits content; the one status change it makes
(editing approved text starts a new draft: ``reopen``) goes through
articles/workflow.py like every other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import reversion
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from reversion.models import Revision

from cms import languages, roles
from textkit.content import DEFAULT_LANGUAGE, NULLABLE_REFERENCE_FIELDS, REFERENCE_FIELDS, ArticleContent
from textkit.rendering import cited_keys
from textkit.text import clean_text
from textkit.whitespace import normalise_article_fields, normalise_line, normalise_markdown

from .content import content_from_article, content_from_revision
from .exceptions import (
    ContentLocked,
    DuplicateReference,
    EditConflict,
    IdentifierNotFound,
    SlugTaken,
    StaleDraftWrite,
)
from .identifiers import IdentifierFields, normalise_doi, normalise_pmid, parse_identifier, resolve, suggest_key
from .importers import parse_reference_file, plan_import
from .models import Article, ArticleVariant, Audience, DraftBuffer, GlossaryDefinition, GlossaryTerm, Reference
from .text import clean_model_text, ensure_max_length, validate_slug
from .workflow import article_transition, glossary_definition_transition

ARTICLE_EDITABLE_FIELDS = ("slug", "title", "condition", "drugs", "summary", "body")
CREATE_WORKFLOW_FIELDS = frozenset(
    {
        "language",
        "translation_of",
        "translation_base_revision_id",
        "translation_base_hash",
        "review_interval_months",
        "required_approvals",
    }
)
# Slugs that fixed pages already use: /studio/new/, /studio/glossary/, /review/editor/.
RESERVED_SLUGS = frozenset({"new", "editor", "glossary"})


@dataclass(frozen=True)
class VariantInput:
    audience_id: int
    summary: str = ""
    body: str = ""


def article_edit_refusal(article: Article) -> str:
    """Return why the article's text cannot be edited now ("" if it can): with the board, or archived.

    The one rule every edit service enforces and every editor page shows.
    """
    if article.is_locked_for_review:
        return gettext(
            "“%(title)s” is with the Medical Advisory Board (%(status)s) "
            "and cannot be edited. Withdraw it from review first."
        ) % {"title": article.title, "status": article.get_status_display().lower()}
    if article.status == Article.Status.ARCHIVED:
        return gettext("“%(title)s” is archived and read-only.") % {"title": article.title}
    return ""


def article_is_locked(article: Article) -> bool:
    """Return True if the article's text cannot be edited now (see `article_edit_refusal`)."""
    return bool(article_edit_refusal(article))


def _ensure_editable(article: Article) -> None:
    reason = article_edit_refusal(article)
    if reason:
        raise ContentLocked(reason)


def _ensure_slug_free(slug: str, *, exclude_pk: int | None = None) -> None:
    try:
        validate_slug(slug)
    except ValidationError as exc:
        raise ValidationError({"slug": exc.messages}) from exc
    if slug in RESERVED_SLUGS:
        raise SlugTaken(
            gettext("The address “%(slug)s” is reserved for a page of the site. Choose another slug.") % {"slug": slug}
        )
    taken = Article.objects.filter(slug__iexact=slug).exclude(pk=exclude_pk).exists()
    if taken:
        raise SlugTaken(
            gettext("The address “%(slug)s” is already used by another article. Choose another slug.") % {"slug": slug}
        )


def _clean_text_fields(obj) -> None:
    """Clean every text field (articles.text) and enforce the size limits of summary and body."""
    before = {name: getattr(obj, name, None) for name in ("summary", "body")}
    clean_model_text(obj)
    for name in ("summary", "body"):
        if hasattr(obj, name):
            if getattr(obj, name) != before[name]:
                # A removed control character may leave whitespace the normaliser trims.
                setattr(obj, name, normalise_markdown(getattr(obj, name)))
            label = str(obj._meta.get_field(name).verbose_name).capitalize()
            ensure_max_length(getattr(obj, name), kind=name, label=label, field=name)


def _save_full_clean(obj) -> None:
    _clean_text_fields(obj)
    obj.full_clean(validate_unique=False, validate_constraints=False)
    obj.save()


def _sync_variants(article: Article, variants: Iterable[VariantInput]) -> None:
    """Make the article's variants exactly these; empty ones are removed."""
    variants = [
        VariantInput(audience_id=v.audience_id, summary=normalise_markdown(v.summary), body=normalise_markdown(v.body))
        for v in variants
    ]
    wanted = {v.audience_id: v for v in variants if v.summary or v.body}
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
            raise ValidationError(
                {
                    "references": gettext("The reference key “%(key)s” is used twice; keys must be unique.")
                    % {"key": key}
                }
            )
        wanted[key] = data
    for existing in Reference.objects.filter(article=article):
        if existing.key not in wanted:
            existing.delete()
    current = {r.key: r for r in Reference.objects.filter(article=article)}
    for key, data in wanted.items():
        reference = current.get(key) or Reference(article=article)
        changed = not reference.pk
        for name in REFERENCE_FIELDS:
            nullable = name in NULLABLE_REFERENCE_FIELDS
            value = data.get(name, None if nullable else "")
            if nullable and value == "":
                value = None
            if not nullable and value is None:
                value = ""
            if name == "spl_date" and isinstance(value, str):
                value = dt.date.fromisoformat(value)
            if isinstance(value, str):
                value = normalise_line(value)
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
    **workflow_fields,
) -> Article:
    """Create a draft article with the acting user as its author (one revision).

    ``workflow_fields`` are set on the new row as given (``language`` and the
    translation fields, from articles.translations; the review policy).
    """
    unknown = set(workflow_fields) - CREATE_WORKFLOW_FIELDS
    if unknown:
        raise ValueError(f"Not settable on create: {', '.join(sorted(unknown))}")
    slug = clean_text(slug, multiline=False)
    text = normalise_article_fields(
        {"title": title, "condition": condition, "drugs": drugs, "summary": summary, "body": body}
    )
    title, condition, drugs, summary, body = (text[n] for n in ("title", "condition", "drugs", "summary", "body"))
    _ensure_slug_free(slug)
    with reversion.create_revision():
        article = Article(
            slug=slug,
            title=title,
            condition=condition,
            drugs=drugs,
            summary=summary,
            body=body,
            created_by=acting_user,
            **workflow_fields,
        )
        _clean_text_fields(article)
        article.full_clean(validate_unique=False, validate_constraints=False)
        try:
            with transaction.atomic():
                article.save()
        except IntegrityError as exc:
            raise SlugTaken(
                gettext("The address “%(slug)s” is already used by another article. Choose another slug.")
                % {"slug": slug}
            ) from exc
        article.authors.add(acting_user)
        _sync_variants(article, variants)
        _sync_references(article, references)
        reversion.set_user(acting_user)
        reversion.set_comment(comment)
    # The new-article page's unsaved text is now the article.
    DraftBuffer.objects.filter(article__isnull=True, user=acting_user).delete()
    return article


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

    A ``[@pmid:…]`` or ``[@doi:…]`` cited in the submitted text is looked up
    first, before the article's row is locked, so a slow PubMed or Crossref
    (``IDENTIFIER_LOOKUP_NETWORK``) never holds the lock.
    """
    variants = list(variants) if variants is not None else None
    texts = [*(fields or {}).values(), *(t for v in variants or () for t in (v.summary, v.body))]
    looked_up = _look_up_cited_identifiers(texts)
    with transaction.atomic():
        return _article_update_locked(
            article,
            acting_user=acting_user,
            lock_version=lock_version,
            fields=fields,
            variants=variants,
            references=references,
            comment=comment,
            looked_up=looked_up,
        )


def _look_up_cited_identifiers(texts: Iterable[str]) -> dict[str, IdentifierFields | IdentifierNotFound]:
    """Resolve every PMID or DOI cited in the texts (cache, then the network if allowed), keeping each failure."""
    found: dict[str, IdentifierFields | IdentifierNotFound] = {}
    for key in dict.fromkeys(k for text in texts if isinstance(text, str) for k in cited_keys(text)):
        if not key.lower().startswith(("pmid:", "doi:")):
            continue
        scheme, value = key.split(":", 1)
        try:
            found[key] = resolve(scheme.lower(), value)
        except IdentifierNotFound as exc:
            found[key] = exc
    return found


def _article_update_locked(
    article: Article,
    *,
    acting_user: AbstractBaseUser,
    lock_version: int,
    fields: Mapping[str, str] | None,
    variants: list[VariantInput] | None,
    references: Iterable[Mapping] | None,
    comment: str,
    looked_up: Mapping[str, IdentifierFields | IdentifierNotFound],
) -> Article:
    article = Article.objects.select_for_update().get(pk=article.pk)
    submitted = {"fields": dict(fields or {}), "variants": variants, "references": references}
    if article.lock_version != lock_version:
        raise EditConflict(article, submitted)
    _ensure_editable(article)
    fields = normalise_article_fields(dict(fields or {}))
    unknown = set(fields) - set(ARTICLE_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    if "slug" in fields:
        fields["slug"] = clean_text(fields["slug"] or "", multiline=False)
    if "slug" in fields and fields["slug"] != article.slug:
        _ensure_slug_free(fields["slug"], exclude_pk=article.pk)

    before = content_from_article(article)
    if article.status == Article.Status.APPROVED:
        article_transition(article, "reopen", acting_user=acting_user, comment=comment)
    with reversion.create_revision():
        for name, value in fields.items():
            setattr(article, name, value)
        article.lock_version += 1
        _clean_text_fields(article)
        article.full_clean(validate_unique=False, validate_constraints=False)
        article.save()
        if variants is not None:
            _sync_variants(article, variants)
        if references is not None:
            _sync_references(article, references)
        _add_identifier_references(article, looked_up)
        reversion.set_user(acting_user)
        reversion.set_comment(comment or _describe_change(before, content_from_article(article)))
    # The saved version now holds what the author typed: the unsaved-text buffer has done its job.
    DraftBuffer.objects.filter(article=article, user=acting_user).delete()
    return article


def _add_identifier_references(
    article: Article, looked_up: Mapping[str, IdentifierFields | IdentifierNotFound]
) -> list[Reference]:
    """Create a reference for each [@pmid:…] / [@doi:…] cited in the text that the article does not have yet.

    The key stays exactly as typed, so the citation resolves without touching
    the text. `looked_up` holds what was resolved before the lock; a key only
    in text saved earlier is read from the local cache alone (no network call
    under the lock). Raise ValidationError (on the body) when an identifier
    cannot be looked up; the caller's transaction then saves nothing.
    """
    texts = [article.summary, article.body]
    texts += [t for v in ArticleVariant.objects.filter(article=article) for t in (v.summary, v.body)]
    wanted = [
        key
        for key in dict.fromkeys(k for text in texts for k in cited_keys(text))
        if key.lower().startswith(("pmid:", "doi:"))
    ]
    if not wanted:
        return []
    existing = list(Reference.objects.filter(article=article))
    have = {r.key for r in existing}
    added = []
    for key in wanted:
        if key in have:
            continue
        scheme, value = key.split(":", 1)
        try:
            fields = looked_up[key] if key in looked_up else resolve(scheme.lower(), value, network=False)
            if isinstance(fields, IdentifierNotFound):
                raise fields
        except IdentifierNotFound as exc:
            raise ValidationError(
                {"body": gettext("[@%(key)s]: %(problem)s Nothing was saved.") % {"key": key, "problem": exc}}
            ) from exc
        data = fields.reference_fields()
        if any(
            data["pmid"] and r.pmid == data["pmid"] or data["doi"] and r.doi.lower() == data["doi"] for r in existing
        ):
            raise ValidationError(
                {
                    "body": gettext(
                        "[@%(key)s] is a paper this article already lists under another key. "
                        "Cite it with that key instead. Nothing was saved."
                    )
                    % {"key": key}
                }
            )
        if len(key) > 80:
            raise ValidationError(
                {
                    "body": gettext("[@%(key)s] is too long for a reference key; add the reference by hand.")
                    % {"key": key}
                }
            )
        reference = Reference(article=article, key=key, **data)
        _save_full_clean(reference)
        existing.append(reference)
        have.add(key)
        added.append(reference)
    return added


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
        raise EditConflict(
            article, {}, gettext("The article changed after you opened its history. Reload and try again.")
        )
    _ensure_editable(article)
    if not revision.version_set.filter(object_id=str(article.pk), content_type__model="article").exists():
        raise ValueError(f"Revision {revision.pk} is not a version of “{article.title}”.")
    old = content_from_revision(revision, article_id=article.pk)
    if old.slug != article.slug:
        _ensure_slug_free(old.slug, exclude_pk=article.pk)
    known_audiences = set(Audience.objects.values_list("pk", flat=True))
    if article.status == Article.Status.APPROVED:
        article_transition(
            article,
            "reopen",
            acting_user=acting_user,
            comment=comment or f"Restored the version of {revision.date_created:%Y-%m-%d %H:%M} UTC.",
        )
    with reversion.create_revision():
        restored = normalise_article_fields({name: getattr(old, name) for name in ARTICLE_EDITABLE_FIELDS})
        for name in ARTICLE_EDITABLE_FIELDS:
            setattr(article, name, restored[name])
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
    entries = parse_reference_file(filename, data)
    article = Article.objects.select_for_update().get(pk=article.pk)
    if article.lock_version != lock_version:
        raise EditConflict(
            article,
            {},
            gettext(
                "“%(title)s” was changed by someone else after you opened it. "
                "Nothing was imported; reload the page and upload the file again."
            )
            % {"title": article.title},
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


def reference_add_by_identifier(
    article: Article, *, acting_user: AbstractBaseUser, identifier: str, lock_version: int, key: str = ""
) -> Reference:
    """Add one reference looked up by PMID or DOI (cache, then PubMed/Crossref) as a new revision.

    Raise IdentifierNotFound when it cannot be looked up or is already in the
    article, EditConflict if the article changed since `lock_version`, and
    ContentLocked while it is with the board. The lookup runs before the
    article's row is locked.
    """
    scheme, value = parse_identifier(identifier)
    fields = resolve(scheme, value)
    with transaction.atomic():
        return _reference_add_locked(article, acting_user, fields, scheme, value, lock_version, key)


def _reference_add_locked(
    article: Article,
    acting_user: AbstractBaseUser,
    fields: IdentifierFields,
    scheme: str,
    value: str,
    lock_version: int,
    key: str,
) -> Reference:
    article = Article.objects.select_for_update().get(pk=article.pk)
    if article.lock_version != lock_version:
        raise EditConflict(
            article,
            {},
            gettext(
                "“%(title)s” was changed by someone else after you opened it. "
                "Nothing was added; reload the page and try again."
            )
            % {"title": article.title},
        )
    _ensure_editable(article)
    existing = list(Reference.objects.filter(article=article))
    key = _new_reference_key(fields, [(ref.key, ref.pmid, ref.doi) for ref in existing], key)
    article_update(
        article,
        acting_user=acting_user,
        lock_version=lock_version,
        references=[
            *({name: getattr(r, name) for name in REFERENCE_FIELDS} for r in existing),
            {"key": key, **fields.reference_fields()},
        ],
        comment=f"Added reference [@{key}] by {scheme.upper()} {value}",
    )
    return Reference.objects.get(article=article, key=key)


def _new_reference_key(fields, existing: Iterable[tuple[str, str, str]], key: str = "") -> str:
    """Return the key for a looked-up paper, or raise DuplicateReference if it or the key is already there.

    `existing` holds (key, pmid, doi) of the references to compare with.
    """
    rows = list(existing)
    for ref_key, pmid, doi in rows:
        if (fields.pmid and normalise_pmid(pmid) == fields.pmid) or (fields.doi and normalise_doi(doi) == fields.doi):
            raise DuplicateReference(
                gettext("This paper is already reference [@%(ref_key)s] of the article.") % {"ref_key": ref_key}
            )
    taken = {ref_key for ref_key, _, _ in rows if ref_key}
    key = key.strip() or suggest_key(fields, taken)
    if key in taken:
        raise DuplicateReference(
            gettext("The key “%(key)s” is already used in this article. Choose another key.") % {"key": key},
            field="key",
        )
    return key


def reference_lookup(
    article: Article, *, identifier: str, key: str = "", unsaved: Iterable[tuple[str, str, str]] = ()
) -> tuple[str, IdentifierFields]:
    """Look a PMID or DOI up for the editor's "add reference" dialog, without saving anything.

    Return (key, fields): the key the author chose or one suggested (unique
    among the article's saved references and the `unsaved` (key, pmid, doi)
    rows of the editor) and the looked-up fields. Raise IdentifierNotFound when
    the identifier is malformed, unknown or cannot be looked up,
    DuplicateReference when the paper or key is already in the article, and
    ContentLocked while the article is with the board. The author checks the
    fields in the editor; they are saved with the article, like any reference.
    """
    scheme, value = parse_identifier(identifier)
    _ensure_editable(article)
    fields = resolve(scheme, value)
    saved = Reference.objects.filter(article=article).values_list("key", "pmid", "doi")
    return _new_reference_key(fields, [*saved, *unsaved], key), fields


# --- the unsaved-text buffer (autosave) ------------------------------------------

DRAFT_MAX_BYTES = 1_000_000
_DRAFT_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def _clean_draft_data(data: Mapping[str, str]) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    size = 0
    for key, value in data.items():
        if key in {"csrfmiddlewaretoken", "lock_version", "draft_page", "draft_sequence"}:
            continue
        if not key or len(key) > 100 or not set(key) <= _DRAFT_KEY_CHARS or not isinstance(value, str):
            raise ValidationError(
                gettext("The field name “%(value)s” is not one of the editor's fields.") % {"value": key[:100]}
            )
        size += len(key) + len(value.encode("utf-8"))
        cleaned[key] = value
    if size > DRAFT_MAX_BYTES:
        raise ValidationError(
            gettext("The unsaved text is larger than 1 MB and was not kept. Save the article to keep your changes.")
        )
    return cleaned


@transaction.atomic
def draft_buffer_save(
    article: Article | None,
    *,
    acting_user: AbstractBaseUser,
    data: Mapping[str, str],
    lock_version: int,
    page: str = "",
    sequence: int = 0,
) -> DraftBuffer:
    """Keep the editor's unsaved fields for this user and article, replacing what was kept before.

    `article` None keeps the text of the new-article page (one per user).
    Only the article's authors (and superusers) keep text for it. Not a
    revision: nothing is versioned or shown to anyone else. Refused
    (ContentLocked) while the article is with the board or archived, since
    that text could not be saved anyway.

    `page` names the editor page load the write comes from and `sequence`
    its number among that page's writes. Writes can arrive out of order (an
    autosave still in flight when the closing tab's flush is sent), so a write
    from the page that wrote last with a sequence not above the kept one is
    older than what is kept: it raises StaleDraftWrite and changes nothing. A
    write from another page load (or with no page) replaces what is kept.
    """
    if article is not None:
        if not (acting_user.is_superuser or roles.is_article_author(article, acting_user)):
            raise PermissionDenied(gettext("Only the article's authors can keep unsaved text for it."))
        _ensure_editable(article)
    elif not roles.is_author(acting_user):
        raise PermissionDenied(gettext("Only authors write new articles."))
    if sequence < 0 or len(page) > DraftBuffer._meta.get_field("page").max_length:
        raise ValidationError(gettext("The editor's page token is not valid. Reload the page."))
    cleaned = _clean_draft_data(data)
    buffer = DraftBuffer.objects.select_for_update().filter(article=article, user=acting_user).first()
    if buffer is None:
        return DraftBuffer.objects.create(
            article=article, user=acting_user, data=cleaned, lock_version=lock_version, page=page, sequence=sequence
        )
    if page and buffer.page == page and sequence <= buffer.sequence:
        raise StaleDraftWrite(
            gettext("This autosave (number %(sequence)s) is older than the text already kept (number %(sequence2)s).")
            % {"sequence": sequence, "sequence2": buffer.sequence}
        )
    buffer.data, buffer.lock_version, buffer.page, buffer.sequence = cleaned, lock_version, page, sequence
    buffer.save()
    return buffer


@transaction.atomic
def draft_buffer_discard(article: Article | None, *, acting_user: AbstractBaseUser) -> bool:
    """Throw away the user's unsaved text for this article (None: the new-article page); return True if any."""
    deleted, _ = DraftBuffer.objects.filter(article=article, user=acting_user).delete()
    return bool(deleted)


# --- the medical glossary ------------------------------------------------------------


def _ensure_glossary_editor(acting_user: AbstractBaseUser) -> None:
    if not roles.is_editor(acting_user):
        raise PermissionDenied(gettext("Only editors maintain the glossary. Ask an editor to add or change a term."))


@transaction.atomic
def glossary_term_save(
    term: GlossaryTerm | None,
    *,
    acting_user: AbstractBaseUser,
    word: str,
    explanation: str,
    synonyms: str = "",
    active: bool = True,
    language: str = "",
) -> GlossaryDefinition:
    """Propose a new glossary term (term=None) or a new wording of one; editors only.

    ``language`` is a new term's language (the source language by default);
    a term keeps its language, and a word is a term once per language.

    The wording is medical content, so nothing a page, a preview or the jargon
    check uses changes here: the proposal is a new numbered
    ``GlossaryDefinition`` waiting for the board
    (review.services.glossary_definition_approve); the approved wording stays
    in force until then. A proposal still waiting for this term is replaced
    (withdrawn) by the newer one. Returns the proposal.

    Raises PermissionDenied for anyone else and ValidationError for an empty
    or duplicate term (compared without regard to case) or a proposal that
    changes nothing.
    """
    _ensure_glossary_editor(acting_user)
    word, explanation = normalise_line(word), normalise_line(explanation)
    synonyms = ", ".join(s for s in (normalise_line(p) for p in synonyms.split(",")) if s)
    if term is not None:
        term = GlossaryTerm.objects.select_for_update().get(pk=term.pk)
        language = term.language
    elif not language:
        language = DEFAULT_LANGUAGE
    elif not languages.is_known(language):
        raise ValidationError(
            {"language": gettext("“%(code)s” is not one of the site's languages.") % {"code": language}}
        )
    language = languages.base(language)
    clash = GlossaryTerm.objects.filter(term__iexact=word, language=language)
    clashing_proposal = GlossaryDefinition.objects.filter(
        term__iexact=word, glossary_term__language=language, status=GlossaryDefinition.Status.PROPOSED
    )
    if term is not None:
        clash = clash.exclude(pk=term.pk)
        clashing_proposal = clashing_proposal.exclude(glossary_term=term)
    if word and (clash.exists() or clashing_proposal.exists()):
        raise ValidationError(
            {"term": gettext("“%(term)s” is already in the glossary. Edit that term instead.") % {"term": word}}
        )
    candidate = GlossaryDefinition(term=word, explanation=explanation, synonyms=synonyms, active=active)
    candidate.full_clean(
        exclude=["glossary_term", "version", "proposed_at"], validate_unique=False, validate_constraints=False
    )
    if not explanation:
        raise ValidationError({"explanation": gettext("Write the plain-language explanation readers will see.")})
    if (
        term is not None
        and term.approved_version
        and ((term.term, term.explanation, term.synonyms, term.active) == (word, explanation, synonyms, active))
    ):
        raise ValidationError(gettext("This is the approved wording already; nothing was proposed."))
    now = timezone.now()
    with reversion.create_revision():
        if term is None:
            # A new term is used nowhere until the board approves its first definition.
            term = GlossaryTerm(term=word, language=language, active=False)
            term.save()
        waiting = (
            GlossaryDefinition.objects.select_for_update()
            .filter(glossary_term=term, status=GlossaryDefinition.Status.PROPOSED)
            .first()
        )
        if waiting is not None:
            glossary_definition_transition(waiting, "withdraw", at=now)
        last = term.definitions.order_by("-version").values_list("version", flat=True).first() or 0
        candidate.glossary_term = term
        candidate.version = last + 1
        candidate.proposed_by = acting_user
        candidate.proposed_at = now
        candidate.required_approvals = settings.GLOSSARY_REQUIRED_APPROVALS
        candidate.save()
        reversion.set_user(acting_user)
        reversion.set_comment(f"Proposed version {candidate.version} of the glossary term “{word}” for board review.")
    return candidate


def glossary_definition_accept(definition: GlossaryDefinition, *, acting_user, at) -> GlossaryTerm:
    """Put an approved definition in force: the term takes its wording, the previous version is superseded.

    Called only by review.services.glossary_definition_approve, inside its
    transaction, once the board's quorum is reached (that service checks who
    may approve). The definition row must be locked by the caller.
    """
    term = GlossaryTerm.objects.select_for_update().get(pk=definition.glossary_term_id)
    if GlossaryTerm.objects.filter(term__iexact=definition.term, language=term.language).exclude(pk=term.pk).exists():
        raise ValidationError(
            gettext("“%(term)s” is now another glossary term; reject this version.") % {"term": definition.term}
        )
    with reversion.create_revision():
        current = (
            GlossaryDefinition.objects.select_for_update()
            .filter(glossary_term=term, status=GlossaryDefinition.Status.APPROVED)
            .first()
        )
        if current is not None:
            glossary_definition_transition(current, "supersede", at=at)
        glossary_definition_transition(definition, "approve", at=at)
        term.term, term.explanation, term.synonyms = definition.term, definition.explanation, definition.synonyms
        term.active, term.approved_version = definition.active, definition.version
        term.save(update_fields=["term", "explanation", "synonyms", "active", "approved_version", "updated_at"])
        reversion.set_user(acting_user)
        reversion.set_comment(f"The board approved version {definition.version} of the glossary term “{term.term}”.")
    return term


def glossary_definition_refuse(definition: GlossaryDefinition, *, acting_user, at) -> GlossaryDefinition:
    """Close a proposal as rejected (review.services.glossary_definition_reject checks who may)."""
    with reversion.create_revision():
        glossary_definition_transition(definition, "reject", at=at)
        reversion.set_user(acting_user)
        reversion.set_comment(f"The board rejected version {definition.version} of “{definition.term}”.")
    return definition
