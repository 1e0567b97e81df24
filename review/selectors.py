"""Read-only queries for the review workflow: queues, rounds, comments, history, recipients."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone

from articles.models import Article
from cms import roles

from . import workflow
from .models import BoardMember, ReviewComment, ReviewDecision, ReviewRound, WorkflowEvent

IN_FLIGHT = (Article.Status.SUBMITTED, Article.Status.IN_REVIEW, Article.Status.CHANGES_REQUESTED)


def board_member_for(user) -> BoardMember | None:
    """Return the user's BoardMember row, or None."""
    if user is None or not user.is_authenticated:
        return None
    return BoardMember.objects.filter(user=user).first()


def review_round_open(article: Article) -> ReviewRound | None:
    """Return the article's open review round, or None."""
    return ReviewRound.objects.filter(article=article, status=ReviewRound.Status.OPEN).first()


def review_round_latest(article: Article) -> ReviewRound | None:
    """Return the article's most recent review round (open or closed), or None."""
    return (
        ReviewRound.objects.filter(article=article)
        .select_related("revision", "submitted_by")
        .order_by("-submitted_at", "-pk")
        .first()
    )


def review_round_decisions(round_: ReviewRound) -> QuerySet[ReviewDecision]:
    """Return the round's reviewers and their decisions, in the order they joined."""
    return round_.decisions.select_related("reviewer", "reviewer__user", "assigned_by").order_by("assigned_at", "pk")


def review_round_approvals(round_: ReviewRound) -> int:
    """Return how many distinct reviewers approved the round's pinned revision."""
    return (
        round_.decisions.filter(decision=ReviewDecision.Decision.APPROVE, revision_id=round_.revision_id)
        .values("reviewer")
        .distinct()
        .count()
    )


def review_comment_list(article: Article, *, open_only: bool = False) -> QuerySet[ReviewComment]:
    """Return reviewer comments on any round of the article, oldest first."""
    qs = ReviewComment.objects.filter(round__article=article).select_related("author", "audience", "resolved_by")
    if open_only:
        qs = qs.filter(resolved_at__isnull=True)
    return qs.order_by("created_at", "pk")


def workflow_event_list(article: Article) -> QuerySet[WorkflowEvent]:
    """Return the article's workflow history, oldest first, with who did each step."""
    return WorkflowEvent.objects.filter(article=article).select_related("actor").order_by("created_at", "pk")


def eligible_board_members(article: Article) -> list[BoardMember]:
    """Return the board members who may review the article today (active, verified, not authors, not recused)."""
    text = workflow.article_text_for_disclosures(article)
    members = BoardMember.objects.filter(active=True, user__is_active=True).select_related("user")
    return [
        m
        for m in members
        if roles.is_board_member(m.user) and not workflow.ineligibility_reason(m, article, user=m.user, text=text)
    ]


def board_member_choices(article: Article) -> list[tuple[BoardMember, str]]:
    """Return every active board member with the reason they may not review the article ("" if they may)."""
    text = workflow.article_text_for_disclosures(article)
    members = BoardMember.objects.filter(active=True).select_related("user")
    return [(m, workflow.ineligibility_reason(m, article, user=m.user, text=text)) for m in members]


def _stems(text: str) -> set[str]:
    # Crude stemming: the first six letters of longer words, so "infectious"
    # matches "infection" and "transplantation" matches "transplant".
    return {w[:6] for w in re.findall(r"[a-z]{5,}", text.lower())}


def specialty_matches(member: BoardMember, article: Article) -> list[str]:
    """Return the member's specialties that the article's title, condition, drugs or summary touch."""
    article_stems = _stems(" ".join([article.title, article.condition, article.drugs, article.summary]))
    return [s for s in member.specialty_list() if _stems(s) & article_stems]


@dataclass
class QueueItem:
    article: Article
    round: ReviewRound
    reason: str = ""
    specialties: list[str] = field(default_factory=list)
    decisions: list[ReviewDecision] = field(default_factory=list)
    approvals: int = 0
    waiting_days: int = 0

    @property
    def recused(self) -> bool:
        return bool(self.reason)


def _item(round_: ReviewRound, member: BoardMember | None, now: dt.datetime) -> QueueItem:
    article = round_.article
    decisions = list(review_round_decisions(round_))
    return QueueItem(
        article=article,
        round=round_,
        reason=workflow.ineligibility_reason(member, article, user=member.user) if member else "",
        specialties=specialty_matches(member, article) if member else [],
        decisions=decisions,
        approvals=sum(1 for d in decisions if d.decision == ReviewDecision.Decision.APPROVE),
        waiting_days=(now - round_.submitted_at).days,
    )


def _open_rounds() -> QuerySet[ReviewRound]:
    return (
        ReviewRound.objects.filter(status=ReviewRound.Status.OPEN)
        .select_related("article", "submitted_by")
        .order_by("submitted_at", "pk")
    )


def review_queue_for_member(member: BoardMember | None) -> dict[str, list[QueueItem]]:
    """Return the board member's queue: "awaiting" (matching specialties first, recused ones with why) and "mine"."""
    now = timezone.now()
    awaiting, mine = [], []
    for round_ in _open_rounds():
        item = _item(round_, member, now)
        seat = next((d for d in item.decisions if member and d.reviewer_id == member.pk), None)
        if seat is not None:
            if not seat.decision:
                mine.append(item)
            continue
        awaiting.append(item)
    # Eligible first, then those matching a specialty, then the longest waiting.
    awaiting.sort(key=lambda i: (i.recused, not i.specialties, -i.waiting_days))
    return {"awaiting": awaiting, "mine": mine}


def review_queue_for_editors() -> dict[str, list]:
    """Return what editors watch: in-flight articles by status, stale rounds and overdue re-reviews."""
    now = timezone.now()
    rounds = {r.article_id: r for r in _open_rounds()}
    by_status: dict[str, list] = {s: [] for s in IN_FLIGHT}
    for article in Article.objects.filter(status__in=IN_FLIGHT).order_by("updated_at"):
        round_ = rounds.get(article.pk)
        item = _item(round_, None, now) if round_ else QueueItem(article=article, round=review_round_latest(article))
        by_status[article.status].append(item)
    stale_before = now - dt.timedelta(days=settings.REVIEW_STALE_DAYS)
    stale = [_item(r, None, now) for r in rounds.values() if r.submitted_at <= stale_before]
    return {
        "by_status": [(Article.Status(s).label, s, items) for s, items in by_status.items()],
        "stale": stale,
        "overdue": list(articles_due_for_review()),
    }


def articles_due_for_review(*, on: dt.date | None = None) -> QuerySet[Article]:
    """Return approved articles whose next review is due on or before the day (today by default)."""
    on = on or timezone.localdate()
    return Article.objects.filter(status=Article.Status.APPROVED, next_review_due__lte=on).order_by("next_review_due")


def editor_email_addresses() -> list[str]:
    """Return settings.EDITORS_EMAIL plus the addresses of active users in the Editors group, without repeats."""
    User = get_user_model()
    addresses = list(settings.EDITORS_EMAIL)
    for email in (
        User.objects.filter(groups__name=roles.EDITORS, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    ):
        if email not in addresses:
            addresses.append(email)
    return addresses


def resubmit_concerns(article: Article, *, content_hash: str) -> list[str]:
    """Return why resubmitting now may waste the board's time (text unchanged, comments open).

    Empty for a first submission or when every comment is resolved and the
    text has changed since the last request for changes.
    """
    concerns: list[str] = []
    last = (
        ReviewRound.objects.filter(article=article)
        .exclude(status=ReviewRound.Status.OPEN)
        .order_by("-submitted_at", "-pk")
        .only("status", "content_hash", "closed_at")
        .first()
    )
    if last is not None and last.status == ReviewRound.Status.CHANGES_REQUESTED and last.content_hash == content_hash:
        when = f" on {last.closed_at:%d %b %Y}" if last.closed_at else ""
        concerns.append(f"The text has not changed since the board asked for changes{when}.")
    open_count = ReviewComment.objects.filter(round__article=article, resolved_at__isnull=True).count()
    if open_count:
        concerns.append(f"{open_count} reviewer comment{'s are' if open_count != 1 else ' is'} not marked resolved.")
    return concerns
