"""Read-only queries for the public reader site and the editors' inbox.

Readers only ever reach rows of live publications: every list here starts from
``publishing.selectors.publication_live_list`` so drafts, pending, superseded
and withdrawn content cannot leak through a search or a feed.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Count, Min, Q, QuerySet, TextField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from articles.models import Article, Audience
from review.models import BoardMember

from ..models import EditorialPolicy, Publication, PublishedPage, ReaderMessage
from .publications import publication_live_list

SEARCH_MAX_LENGTH = 200


def reader_audience_list() -> QuerySet[Audience]:
    """Return the active audiences readers can choose from, in display order."""
    return Audience.objects.filter(active=True).order_by("order", "name")


def reader_audience_get(slug: str | None) -> Audience | None:
    """Return the active audience with this slug, or None for a missing or unknown slug."""
    if not slug:
        return None
    return Audience.objects.filter(active=True, slug=slug).first()


def live_page_list(*, include_provisional: bool = True) -> QuerySet[PublishedPage]:
    """Return the default-text page of every live publication, ordered by title."""
    live = publication_live_list()
    if not include_provisional:
        live = live.filter(kind=Publication.Kind.APPROVED)
    return (
        PublishedPage.objects.select_related("publication", "publication__article")
        .filter(audience__isnull=True, publication__in=live.values("pk"))
        .order_by("title", "pk")
    )


def live_page_search(query: str) -> QuerySet[PublishedPage]:
    """Return live default pages whose published title, condition or drugs match the query.

    PostgreSQL uses full-text search (websearch syntax, English stemming) and
    also keeps plain substring matches so a partial drug name still finds the
    page; other databases use case-insensitive substring matching. Only the
    published text is searched, never the working copy of an article.
    """
    pages = live_page_list()
    query = (query or "").strip()[:SEARCH_MAX_LENGTH]
    if not query:
        return pages
    substring = Q(title__icontains=query) | Q(data__condition__icontains=query)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = (
            SearchVector("title", weight="A", config="english")
            + SearchVector(KT("data__condition"), weight="A", config="english")
            + SearchVector(Cast(KT("data__drugs"), TextField()), weight="B", config="english")
        )
        search_query = SearchQuery(query, search_type="websearch", config="english")
        drugs_text = Cast(KT("data__drugs"), TextField())
        return (
            pages.annotate(search=vector, rank=SearchRank(vector, search_query), drugs_text=drugs_text)
            .filter(Q(search=search_query) | substring | Q(drugs_text__icontains=query))
            .order_by("-rank", "title", "pk")
        )
    return pages.filter(substring | Q(data__drugs__icontains=query))


def live_pages_by_condition(pages: QuerySet[PublishedPage] | None = None) -> list[tuple[str, list[PublishedPage]]]:
    """Group live default pages by their published condition, conditions in alphabetical order."""
    groups: dict[str, list[PublishedPage]] = {}
    for page in pages if pages is not None else live_page_list():
        condition = (page.data or {}).get("condition") or page.publication.article.condition
        groups.setdefault(condition, []).append(page)
    return sorted(groups.items(), key=lambda item: item[0].casefold())


def article_first_published(article: Article):
    """Return when the article first went live, or None."""
    return (
        Publication.objects.filter(article=article, live_at__isnull=False).aggregate(first=Min("live_at")).get("first")
    )


def board_member_public_list() -> QuerySet[BoardMember]:
    """Return the active board members as credited to readers."""
    return BoardMember.objects.filter(active=True).order_by("display_name")


def editorial_policy_get() -> EditorialPolicy | None:
    """Return the editorial policy, or None if editors have not written one yet."""
    return EditorialPolicy.objects.select_related("updated_by").order_by("pk").first()


def reader_message_list(*, state: str | None = None) -> QuerySet[ReaderMessage]:
    """Return reader messages for the editors' inbox, newest first, optionally in one state."""
    messages = ReaderMessage.objects.select_related("article", "audience", "handled_by").defer(
        "article__summary", "article__body"
    )
    if state:
        messages = messages.filter(state=state)
    return messages.order_by("-created_at", "-pk")


def reader_message_counts() -> dict[str, int]:
    """Return how many reader messages are in each state."""
    counts = {state: 0 for state in ReaderMessage.State.values}
    for row in ReaderMessage.objects.values("state").annotate(n=Count("pk")).order_by():
        counts[row["state"]] = row["n"]
    return counts
