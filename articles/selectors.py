"""Read-only queries for authoring."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from reversion.models import Revision, Version

from .glossary import GlossaryEntry
from .models import Article, Audience, DraftBuffer, GlossaryTerm
from .readability import AudienceTarget

ARTICLE_LIST_FIELDS = ("slug", "title", "condition", "status", "next_review_due", "updated_at")


def audience_list(*, active_only: bool = True) -> QuerySet[Audience]:
    """Return audiences in display order."""
    qs = Audience.objects.all()
    return qs.filter(active=True) if active_only else qs


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


def draft_buffer_get(article: Article, user) -> DraftBuffer | None:
    """Return the user's unsaved text for the article, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return DraftBuffer.objects.filter(article=article, user=user).first()


def glossary_entries() -> list[GlossaryEntry]:
    """Return the active glossary terms as plain entries for readability and rendering."""
    rows = GlossaryTerm.objects.filter(active=True).only("term", "explanation", "synonyms").order_by("term")
    return [GlossaryEntry(term=t.term, explanation=t.explanation, synonyms=tuple(t.synonym_list())) for t in rows]


def audience_targets(audiences) -> list[AudienceTarget]:
    """Return what the readability report needs of each audience (plain language unless professional)."""
    return [
        AudienceTarget(
            id=a.pk, slug=a.slug, name=a.name, reading_grade=a.reading_grade, plain_language=not a.is_professional
        )
        for a in audiences
    ]


def glossary_term_list(*, search: str = "") -> QuerySet[GlossaryTerm]:
    """Return glossary terms alphabetically, optionally those whose term, synonyms or explanation match."""
    qs = GlossaryTerm.objects.only("term", "explanation", "synonyms", "active", "updated_at").order_by("term")
    if search:
        qs = qs.filter(Q(term__icontains=search) | Q(synonyms__icontains=search) | Q(explanation__icontains=search))
    return qs
