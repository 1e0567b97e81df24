"""Read-only queries for authoring."""

from __future__ import annotations

import time
from collections.abc import Iterable

from django.db.models import Prefetch, Q, QuerySet
from reversion.models import Revision, Version

from textkit.content import DEFAULT_LANGUAGE, ArticleContent, GlossaryContent
from textkit.glossary import GlossaryEntry, entries_used
from textkit.readability import AudienceTarget

from .models import Article, Audience, DraftBuffer, GlossaryDefinition, GlossaryTerm

ARTICLE_LIST_FIELDS = ("slug", "title", "condition", "status", "next_review_due", "updated_at")


def audience_list(*, active_only: bool = True) -> QuerySet[Audience]:
    """Return audiences in display order."""
    qs = Audience.objects.all()
    return qs.filter(active=True) if active_only else qs


def audience_names(audiences: Iterable[Audience] | None = None) -> dict[int, str]:
    """Return {audience id: name}: the one map of audience names (checks, diffs, panels, emails).

    From `audiences` when the caller already loaded them (no query), else every
    audience, inactive ones too (old versions and rounds may name them): one query.
    """
    if audiences is None:
        return dict(Audience.objects.values_list("pk", "name"))
    return {a.pk: a.name for a in audiences}


def article_list_for_author(user, *, search: str = "") -> QuerySet[Article]:
    """Return the articles the user writes, most recently edited first, optionally filtered.

    Only the columns the list shows are read (never the text).
    """
    qs = Article.objects.filter(authors=user).only(*ARTICLE_LIST_FIELDS)
    if search:
        qs = qs.filter(Q(title__icontains=search) | Q(condition__icontains=search) | Q(slug__icontains=search))
    return qs.order_by("-updated_at", "-pk")


def article_versions(article: Article) -> QuerySet[Version]:
    """Return the article's versions, newest first, with their revision and user."""
    return Version.objects.get_for_object(article).select_related("revision", "revision__user")


def article_version_list(article: Article) -> QuerySet[Version]:
    """Return the article's versions for the history list, newest first: who, when, comment; never the data."""
    return article_versions(article).only(
        "pk",
        "revision_id",
        "revision__date_created",
        "revision__comment",
        "revision__user__username",
        "revision__user__first_name",
        "revision__user__last_name",
    )


def article_latest_revision(article: Article) -> Revision | None:
    """Return the newest revision that holds this article, or None."""
    version = Version.objects.get_for_object(article).select_related("revision").first()
    return version.revision if version else None


def draft_buffer_get(
    article: Article | None, user, *, awaiting: tuple[str, int] | None = None, wait: float = 0
) -> DraftBuffer | None:
    """Return the user's unsaved text for the article (None: the new-article page), or None.

    `awaiting` is (page, sequence) of a write the closing editor page said it
    sent (its flush cookie): the write may still be on its way while the
    reloaded page asks, so wait for it, polling, up to `wait` seconds, then
    return whatever is kept.
    """
    if not getattr(user, "is_authenticated", False):
        return None
    deadline = time.monotonic() + max(wait, 0)
    while True:
        buffer = DraftBuffer.objects.filter(article=article, user=user).first()
        if awaiting is None or _has_arrived(buffer, awaiting) or time.monotonic() >= deadline:
            return buffer
        time.sleep(DRAFT_POLL_SECONDS)


DRAFT_POLL_SECONDS = 0.05


def _has_arrived(buffer: DraftBuffer | None, awaiting: tuple[str, int]) -> bool:
    page, sequence = awaiting
    return buffer is not None and buffer.page == page and buffer.sequence >= sequence


def _approved_terms(language: str) -> QuerySet[GlossaryTerm]:
    # The wording on GlossaryTerm is the board-approved one (only the approval writes it).
    return (
        GlossaryTerm.objects.filter(active=True, approved_version__gt=0, language=language)
        .only("term", "explanation", "synonyms", "approved_version")
        .order_by("term")
    )


def glossary_entries(language: str = DEFAULT_LANGUAGE) -> list[GlossaryEntry]:
    """Return the board-approved, active glossary terms of a language as plain entries (the jargon check, previews).

    A proposal waiting for the board is never here. Published pages do not use
    this: they use the snapshot their approval pinned (``glossary_snapshot``).
    """
    return [
        GlossaryEntry(term=t.term, explanation=t.explanation, synonyms=tuple(t.synonym_list()))
        for t in _approved_terms(language)
    ]


def glossary_approved(language: str = DEFAULT_LANGUAGE) -> list[GlossaryContent]:
    """Return every approved, active definition of a language as content, with its term id and version."""
    return [
        GlossaryContent(
            term_id=t.pk,
            term=t.term,
            explanation=t.explanation,
            synonyms=tuple(t.synonym_list()),
            version=t.approved_version,
        )
        for t in _approved_terms(language)
    ]


def glossary_snapshot(content: ArticleContent) -> tuple[GlossaryContent, ...]:
    """Return the approved definitions whose term or a synonym occurs in the article's text, any audience.

    This is what the board approves with the article and what its pages will
    explain terms with (review.services.article_submit pins it on the round).
    Only the glossary of the text's own language counts: a Spanish page
    explains its terms in Spanish, and a term with no Spanish definition is
    not explained there (an English definition beside Spanish text would help
    no one, and matching English words in Spanish text finds false friends).
    """
    texts = [content.title, content.summary, content.body]
    for variant in content.variants:
        texts += [variant.summary, variant.body]
    return tuple(entries_used(texts, glossary_approved(content.language or DEFAULT_LANGUAGE)))


def glossary_proposal_waiting(term: GlossaryTerm) -> GlossaryDefinition | None:
    """Return the term's definition waiting for the board, or None."""
    return GlossaryDefinition.objects.filter(glossary_term=term, status=GlossaryDefinition.Status.PROPOSED).first()


def glossary_proposals_waiting() -> QuerySet[GlossaryDefinition]:
    """Return the definitions waiting for the board, oldest first, with their term's approved wording."""
    return (
        GlossaryDefinition.objects.filter(status=GlossaryDefinition.Status.PROPOSED)
        .select_related("glossary_term", "proposed_by")
        .order_by("proposed_at", "pk")
    )


def audience_targets(audiences) -> list[AudienceTarget]:
    """Return what the readability report needs of each audience (plain language unless professional)."""
    return [
        AudienceTarget(
            id=a.pk, slug=a.slug, name=a.name, reading_grade=a.reading_grade, plain_language=not a.is_professional
        )
        for a in audiences
    ]


def glossary_term_list(*, search: str = "", language: str = "") -> QuerySet[GlossaryTerm]:
    """Return glossary terms alphabetically, optionally those whose term, synonyms or explanation match.

    Each carries ``proposal``: the wording waiting for the board, if any (one
    query for the page, by prefetch).
    """
    waiting = GlossaryDefinition.objects.filter(status=GlossaryDefinition.Status.PROPOSED).only(
        "glossary_term_id", "version", "term", "explanation", "synonyms", "active", "proposed_at"
    )
    qs = (
        GlossaryTerm.objects.only(
            "term", "language", "explanation", "synonyms", "active", "approved_version", "updated_at"
        )
        .prefetch_related(Prefetch("definitions", queryset=waiting, to_attr="proposals"))
        .order_by("term")
    )
    if search:
        qs = qs.filter(Q(term__icontains=search) | Q(synonyms__icontains=search) | Q(explanation__icontains=search))
    if language:
        qs = qs.filter(language=language)
    return qs


def translations_out_of_date() -> QuerySet[Article]:
    """Return the translations whose source has a newer approved revision, longest waiting first (the editors' desk)."""
    return (
        Article.objects.filter(translation_of__isnull=False, source_changed_at__isnull=False)
        .select_related("translation_of")
        .order_by("source_changed_at", "id")
    )
