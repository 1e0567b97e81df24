"""Read-only queries for authoring."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from reversion.models import Revision, Version

from .models import Article, Audience

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
