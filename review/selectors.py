"""Read-only queries for the review workflow: queues, rounds, comments, history, recipients."""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from articles.content import content_from_article, content_from_revision
from articles.models import Article, Audience
from articles.selectors import audience_names, glossary_snapshot
from audit.models import WorkflowEvent
from cms import hooks, notify, roles
from textkit.content import ArticleContent
from textkit.rendering import RenderedArticle, render_content

from . import workflow
from .models import BoardMember, ReviewComment, ReviewDecision, ReviewReminder, ReviewRound

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
        ReviewRound.objects.filter(article=article, kind=ReviewRound.Kind.REVIEW)  # not a glossary refresh
        .select_related("revision", "submitted_by")
        .order_by("-submitted_at", "-pk")
        .first()
    )


def review_round_decisions(round_: ReviewRound) -> QuerySet[ReviewDecision]:
    """Return the round's reviewers and their decisions, in the order they joined."""
    return round_.decisions.select_related("reviewer", "reviewer__user", "assigned_by").order_by("assigned_at", "pk")


def review_round_approvals(round_: ReviewRound) -> int:
    """Return how many distinct voting reviewers approved the round's pinned revision (the quorum count)."""
    return (
        round_.decisions.filter(decision=ReviewDecision.Decision.APPROVE, revision_id=round_.revision_id, voting=True)
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


def workflow_event_list(article: Article, *, newest_first: bool = False) -> QuerySet[WorkflowEvent]:
    """Return the article's workflow history with who did each step, oldest first (or newest first)."""
    order = ("-created_at", "-pk") if newest_first else ("created_at", "pk")
    return WorkflowEvent.objects.filter(article=article).select_related("actor").order_by(*order)


def eligible_board_members(article: Article) -> list[BoardMember]:
    """Return the board members who may review the article today (active, verified, not authors, not recused)."""
    facts = workflow.article_facts([article])[article.pk]
    members = BoardMember.objects.filter(active=True, user__is_active=True).select_related("user")
    return [
        m
        for m in members
        if roles.is_board_member(m.user) and not workflow.ineligibility_reason(m, article, user=m.user, facts=facts)
    ]


def board_member_choices(article: Article) -> list[tuple[BoardMember, str]]:
    """Return every active board member with the reason they may not review the article ("" if they may)."""
    return board_member_choices_bulk([article])[article.pk]


def board_member_choices_bulk(articles) -> dict[int, list[tuple[BoardMember, str]]]:
    """Return, per article id, every active board member with why they may not review it ("" if they may).

    Three queries whatever the number of articles and members: the members,
    the articles' authors and their variants' text.
    """
    articles = list(articles)
    if not articles:
        return {}
    members = list(BoardMember.objects.filter(active=True, external=False).select_related("user"))
    facts = workflow.article_facts(articles)
    return {
        a.pk: [(m, workflow.ineligibility_reason(m, a, user=m.user, facts=facts[a.pk])) for m in members]
        for a in articles
    }


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
    round: ReviewRound | None
    reason: str = ""
    specialties: list[str] = field(default_factory=list)
    decisions: list[ReviewDecision] = field(default_factory=list)
    approvals: int = 0
    waiting_days: int = 0
    choices: list[tuple[BoardMember, str]] = field(default_factory=list)
    actions: dict = field(default_factory=dict)  # review.actions.available_actions, when the view asks
    today: dt.date | None = None
    member_id: int | None = None
    viewers: list = field(default_factory=list)  # attach_viewers: who else has the round open now

    @property
    def recused(self) -> bool:
        return bool(self.reason)

    @property
    def due_on(self) -> dt.date | None:
        """The member's own seat's due date (on their queue), else the earliest undecided seat's."""
        undecided = [d for d in self.decisions if not d.decision and d.due_on]
        if self.member_id is not None:
            mine = [d for d in undecided if d.reviewer_id == self.member_id]
            if mine:
                return mine[0].due_on
        return min((d.due_on for d in undecided), default=None)

    @property
    def overdue(self) -> bool:
        due = self.due_on
        return bool(due and self.today and due < self.today)


def _decisions_prefetch() -> Prefetch:
    """The decisions a queue row shows: who holds a seat and what they decided (no users, no comments)."""
    return Prefetch(
        "decisions",
        queryset=ReviewDecision.objects.select_related("reviewer")
        .only(
            "id",
            "round_id",
            "reviewer_id",
            "decision",
            "revision_id",
            "assigned_at",
            "due_on",
            "reviewer__display_name",
        )
        .order_by("assigned_at", "pk"),
    )


def _open_rounds() -> QuerySet[ReviewRound]:
    """Open rounds, longest waiting first; their articles and decisions are fetched for the page only.

    The articles are prefetched rather than joined: with the join, PostgreSQL
    joined every candidate round's article (bodies included) before picking the
    first 50 (4,758 buffers, 82 ms at 100,000 articles); without it the page's
    rounds come from the waiting-order index alone (83 buffers, 7 ms), and one
    more query reads just their 50 articles.
    """
    return (
        ReviewRound.objects.filter(status=ReviewRound.Status.OPEN)
        .prefetch_related("article", _decisions_prefetch())
        .order_by("submitted_at", "pk")
    )


def queue_items(
    rounds, *, member: BoardMember | None = None, now: dt.datetime | None = None, facts: dict | None = None
) -> list[QueueItem]:
    """Return queue items for a page of rounds (decisions prefetched); with a member, their eligibility.

    Authors and variants of all the rounds' articles are read at once, so the
    cost does not grow with the page: 2 queries, plus none per round.
    """
    now = now or timezone.now()
    rounds = list(rounds)
    if member is not None and facts is None:
        facts = workflow.article_facts([r.article for r in rounds])
    items = []
    for round_ in rounds:
        article = round_.article
        decisions = list(round_.decisions.all())
        items.append(
            QueueItem(
                article=article,
                round=round_,
                reason=workflow.ineligibility_reason(member, article, user=member.user, facts=facts[article.pk])
                if member
                else "",
                specialties=specialty_matches(member, article) if member else [],
                decisions=decisions,
                approvals=sum(1 for d in decisions if d.decision == ReviewDecision.Decision.APPROVE and d.voting),
                waiting_days=(now - round_.submitted_at).days,
                today=timezone.localdate(now),
                member_id=member.pk if member else None,
            )
        )
    return items


def review_rounds_mine(
    member: BoardMember | None, *, overdue_only: bool = False, on: dt.date | None = None
) -> QuerySet[ReviewRound]:
    """Return the open rounds where the member holds an undecided seat, soonest due first (then longest waiting).

    With `overdue_only`, just those whose seat was due before today (or `on`).
    """
    if member is None:
        return ReviewRound.objects.none()
    seat = ReviewDecision.objects.filter(round=OuterRef("pk"), reviewer=member, decision="")
    rounds = _open_rounds().filter(Exists(seat)).annotate(my_due_on=Subquery(seat.values("due_on")[:1]))
    if overdue_only:
        rounds = rounds.filter(my_due_on__lt=on or timezone.localdate())
    return rounds.order_by(F("my_due_on").asc(nulls_last=True), "submitted_at", "pk")


def review_rounds_awaiting(member: BoardMember | None) -> QuerySet[ReviewRound]:
    """Return the open rounds where the member holds no seat, longest waiting first."""
    rounds = _open_rounds()
    if member is None:
        return rounds
    return rounds.exclude(Exists(ReviewDecision.objects.filter(round=OuterRef("pk"), reviewer=member)))


def sort_awaiting(items: list[QueueItem]) -> list[QueueItem]:
    """Order awaiting items: eligible first, then those matching a specialty, then the longest waiting."""
    return sorted(items, key=lambda i: (i.recused, not i.specialties, -i.waiting_days))


def in_flight_articles(status: str) -> QuerySet[Article]:
    """Return the articles in one in-flight status, least recently changed first."""
    return Article.objects.filter(status=status).order_by("updated_at", "pk")


def queue_items_for_articles(articles, *, with_choices: bool = False) -> list[QueueItem]:
    """Return queue items for a page of articles: each with its latest round and decisions (and assign choices).

    A fixed number of queries whatever the page or board size: the latest
    rounds, their decisions, and for the choices the members, authors and variants.
    """
    now = timezone.now()
    articles = list(articles)
    latest = (
        ReviewRound.objects.filter(article=OuterRef("article_id"), kind=ReviewRound.Kind.REVIEW)
        .order_by("-submitted_at", "-pk")
        .values("pk")[:1]
    )
    rounds = {
        r.article_id: r
        for r in ReviewRound.objects.filter(article__in=[a.pk for a in articles], pk=Subquery(latest)).prefetch_related(
            _decisions_prefetch()
        )
    }
    open_articles = [a for a in articles if a.pk in rounds and rounds[a.pk].status == ReviewRound.Status.OPEN]
    choices = board_member_choices_bulk(open_articles) if with_choices else {}
    items = []
    for article in articles:
        round_ = rounds.get(article.pk)
        if round_ is not None:
            round_.article = article
        decisions = list(round_.decisions.all()) if round_ else []
        items.append(
            QueueItem(
                article=article,
                round=round_,
                decisions=decisions,
                approvals=sum(1 for d in decisions if d.decision == ReviewDecision.Decision.APPROVE and d.voting),
                waiting_days=(now - round_.submitted_at).days if round_ else 0,
                choices=choices.get(article.pk, []),
                today=timezone.localdate(now),
            )
        )
    return items


def review_rounds_stale() -> QuerySet[ReviewRound]:
    """Return open rounds waiting longer than REVIEW_STALE_DAYS, longest waiting first."""
    stale_before = timezone.now() - dt.timedelta(days=settings.REVIEW_STALE_DAYS)
    return _open_rounds().filter(submitted_at__lte=stale_before)


def articles_due_for_review(*, on: dt.date | None = None) -> QuerySet[Article]:
    """Return approved articles whose next review is due on or before the day (today by default)."""
    on = on or timezone.localdate()
    return Article.objects.filter(status=Article.Status.APPROVED, next_review_due__lte=on).order_by(
        "next_review_due", "pk"
    )


# Why an article is due besides its schedule comes from cms.hooks.DUE_REASONS (the evidence watch's alerts).


def articles_with_due_reasons(articles: Iterable[Article]) -> list[Article]:
    """Return the articles as a list, each with `due_reasons` (empty when only its schedule made it due).

    One query per registered source for the whole list, whatever its length.
    """
    articles = list(articles)
    by_pk = {article.pk: article for article in articles}
    for article in articles:
        article.due_reasons = []
    if articles:
        for source in hooks.DUE_REASONS:
            for pk, reasons in source(articles).items():
                if pk in by_pk:
                    by_pk[pk].due_reasons.extend(reasons)
    return articles


def editor_email_addresses() -> list[str]:
    """Return the editors' addresses (cms.notify.editor_addresses: the one definition of who the editors are)."""
    return notify.editor_addresses()


def submission_hash(article: Article) -> str:
    """Return the hash a submission of the article's current text would record: text plus its approved glossary."""
    content = content_from_article(article)
    return content.with_glossary(glossary_snapshot(content)).content_hash()


def resubmit_concerns(article: Article, *, content_hash: str) -> list[str]:
    """Return why resubmitting now may waste the board's time (text unchanged, comments open).

    Empty for a first submission or when every comment is resolved and the
    text has changed since the last request for changes.
    """
    concerns: list[str] = []
    last = (
        ReviewRound.objects.filter(article=article, kind=ReviewRound.Kind.REVIEW)
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


# --- due dates, reminders and the reviewers' load ------------------------------------


def _undecided_open_seats() -> QuerySet[ReviewDecision]:
    return ReviewDecision.objects.filter(decision="", round__status=ReviewRound.Status.OPEN)


def review_seats_overdue(*, on: dt.date | None = None) -> QuerySet[ReviewDecision]:
    """Return undecided seats of open rounds due before the day (today by default), most overdue first."""
    on = on or timezone.localdate()
    return (
        _undecided_open_seats()
        .filter(due_on__lt=on)
        .select_related("reviewer", "round__article")
        .order_by("due_on", "pk")
    )


def seats_to_remind(*, on: dt.date | None = None) -> list[tuple[ReviewDecision, str]]:
    """Return (seat, reminder kind) for each undecided seat owed a reminder it has not had for its due date.

    "due_soon" from REVIEW_REMINDER_DAYS_BEFORE days before the due date until
    the day itself; "overdue" from the day after. Two queries in all.
    """
    on = on or timezone.localdate()
    soon = on + dt.timedelta(days=settings.REVIEW_REMINDER_DAYS_BEFORE)
    sent = ReviewReminder.objects.filter(seat=OuterRef("pk"), due_on=OuterRef("due_on"))
    seats = (
        _undecided_open_seats()
        .filter(due_on__isnull=False, due_on__lte=soon)
        .annotate(
            had_soon=Exists(sent.filter(kind=ReviewReminder.Kind.DUE_SOON)),
            had_overdue=Exists(sent.filter(kind=ReviewReminder.Kind.OVERDUE)),
        )
        .select_related("reviewer__user", "round__article")
        .order_by("due_on", "pk")
    )
    owed = []
    for seat in seats:
        if seat.due_on < on:
            if not seat.had_overdue:
                owed.append((seat, ReviewReminder.Kind.OVERDUE))
        elif not seat.had_soon:
            owed.append((seat, ReviewReminder.Kind.DUE_SOON))
    return owed


def reviewer_load() -> QuerySet[BoardMember]:
    """Return active board members with `open_seats` and `overdue_seats` counted, busiest first (one query).

    Each count is a subquery over that member's open seats (the index
    decision_reviewer_seat: reviewer, then the empty decision), so its cost
    follows the open seats, never every decision the board has ever made.
    """
    today = timezone.localdate()
    open_seats = ReviewDecision.objects.filter(
        reviewer=OuterRef("pk"), decision="", round__status=ReviewRound.Status.OPEN
    ).order_by()
    return (
        BoardMember.objects.filter(active=True, external=False)
        .annotate(
            open_seats=_counted(open_seats),
            overdue_seats=_counted(open_seats.filter(due_on__lt=today)),
            oldest_due=Subquery(open_seats.filter(due_on__isnull=False).order_by("due_on").values("due_on")[:1]),
        )
        .order_by("-open_seats", "display_name", "pk")
    )


def _counted(seats: QuerySet[ReviewDecision]) -> Coalesce:
    """Return how many rows a member's correlated subquery has (0 when none)."""
    return Coalesce(Subquery(seats.values("reviewer").annotate(n=Count("pk")).values("n")), 0)


# Turnaround is measured over each member's most recent decisions (at most this many) of the last this many days.
TURNAROUND_WINDOW_DAYS = 365
TURNAROUND_SAMPLE = 100

# One member's most recent decided review seats, newest first, read down the index decision_reviewer_recent.
_RECENT_DECISIONS_SQL = (
    "SELECT * FROM (SELECT d.reviewer_id, d.assigned_at, d.decided_at FROM review_reviewdecision d"
    " JOIN review_reviewround r ON r.id = d.round_id"
    " WHERE d.reviewer_id = %s AND d.decided_at >= %s AND d.decision <> '' AND r.kind = %s"
    " ORDER BY d.decided_at DESC LIMIT %s) AS recent"
)


def median_turnaround_days(members: Iterable[BoardMember]) -> dict[int, float]:
    """Return {member pk: median days from assignment to decision} for a page of members.

    Over each member's last ``TURNAROUND_SAMPLE`` decisions of the past year:
    one query for the whole page (one limited part per member, UNION ALL), so
    its cost follows the page size, never how many decisions the board has
    made. The medians are worked out here, the same on SQLite and PostgreSQL.
    """
    pks = [m.pk for m in members]
    if not pks:
        return {}
    since = connection.ops.adapt_datetimefield_value(timezone.now() - dt.timedelta(days=TURNAROUND_WINDOW_DAYS))
    params: list = []
    for pk in pks:
        params += [pk, since, ReviewRound.Kind.REVIEW.value, TURNAROUND_SAMPLE]
    durations: dict[int, list[float]] = {}
    with connection.cursor() as cursor:
        # Fixed SQL, one part per member of the page; every value is a bound parameter.
        cursor.execute(" UNION ALL ".join([_RECENT_DECISIONS_SQL] * len(pks)), params)  # nosec B608
        rows = cursor.fetchall()
    for reviewer_id, assigned_at, decided_at in rows:
        assigned_at, decided_at = (_as_datetime(value) for value in (assigned_at, decided_at))
        durations.setdefault(reviewer_id, []).append((decided_at - assigned_at).total_seconds() / 86400)
    return {pk: round(statistics.median(values), 1) for pk, values in durations.items()}


def _as_datetime(value) -> dt.datetime:
    """Return a timestamp a raw cursor gave back (SQLite gives text) as an aware datetime."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime.fromisoformat(str(value))
    return value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)


# --- "being looked at" -------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    member_id: int
    name: str
    since: dt.datetime


def viewing_key(round_id: int) -> str:
    return f"review:viewing:{round_id}"


def review_rounds_viewers(round_ids: Iterable[int], *, exclude_member_id: int | None = None) -> dict[int, list[Viewer]]:
    """Return {round id: the board members who opened it lately}, from one cache read for the whole page.

    Notes older than REVIEW_VIEWING_MINUTES are left out; so is `exclude_member_id` (the reader themselves).
    """
    round_ids = list(round_ids)
    if not round_ids:
        return {}
    try:
        notes = cache.get_many([viewing_key(pk) for pk in round_ids])
    except Exception:  # noqa: BLE001 — without the cache the queues simply show no labels
        return {}
    cutoff = timezone.now() - dt.timedelta(minutes=settings.REVIEW_VIEWING_MINUTES)
    result: dict[int, list[Viewer]] = {}
    for pk in round_ids:
        viewers = []
        for member_id, (name, since, seen) in (notes.get(viewing_key(pk)) or {}).items():
            if int(member_id) == exclude_member_id or dt.datetime.fromisoformat(seen) < cutoff:
                continue
            viewers.append(Viewer(int(member_id), name, dt.datetime.fromisoformat(since)))
        if viewers:
            result[pk] = sorted(viewers, key=lambda v: v.since)
    return result


def attach_viewers(items: list[QueueItem], *, member: BoardMember | None = None) -> list[QueueItem]:
    """Set `viewers` on each queue item (one cache read for the page, no query)."""
    viewers = review_rounds_viewers(
        [i.round.pk for i in items if i.round is not None], exclude_member_id=member.pk if member else None
    )
    for item in items:
        item.viewers = viewers.get(item.round.pk, []) if item.round is not None else []
    return items


def preview_links_live(article: Article) -> QuerySet:
    """Return the article's unrevoked, unexpired preview links, newest first."""
    from .models import PreviewLink

    return PreviewLink.objects.filter(article=article, revoked_at__isnull=True, expires_at__gt=timezone.now()).order_by(
        "-created_at", "-pk"
    )


# --- the texts a review page shows --------------------------------------------------


def review_round_base_revision(article: Article, round_: ReviewRound):
    """Return the revision the round is compared with: the last one the board approved before it."""
    previous = (
        ReviewRound.objects.filter(
            article=article, status=ReviewRound.Status.APPROVED, submitted_at__lt=round_.submitted_at
        )
        .exclude(pk=round_.pk)
        .order_by("-submitted_at")
        .first()
    )
    if previous is not None:
        return previous.revision
    if article.last_approved_revision_id and article.last_approved_revision_id != round_.revision_id:
        return article.last_approved_revision
    return None


def rendered_versions(content: ArticleContent, audiences: list[Audience]) -> list[tuple[str, RenderedArticle]]:
    """Return the default text and each audience version the content has, rendered (sanitised) for reading."""
    variant_ids = {v.audience_id for v in content.variants}
    return [(gettext("Default text"), render_content(content))] + [
        (a.name, render_content(content, audience_id=a.pk)) for a in audiences if a.pk in variant_ids
    ]


@dataclass
class RoundTexts:
    """What the board's and an invited reviewer's review pages both show of a round."""

    content: ArticleContent
    base: object  # reversion Revision or None
    old: ArticleContent | None
    audiences: list[Audience]
    names: dict[int, str]
    variant_ids: set[int]
    versions: list[tuple[str, RenderedArticle]]


def review_round_texts(article: Article, round_: ReviewRound) -> RoundTexts:
    """Return the round's pinned content, the approved content it is compared with and every version rendered."""
    content = content_from_revision(round_.revision, article_id=article.pk)
    base = review_round_base_revision(article, round_)
    audiences = list(Audience.objects.all())
    return RoundTexts(
        content=content,
        base=base,
        old=content_from_revision(base, article_id=article.pk) if base else None,
        audiences=audiences,
        names=audience_names(audiences),
        variant_ids={v.audience_id for v in content.variants},
        versions=rendered_versions(content, audiences),
    )


def glossary_changes(old, new) -> list[dict]:
    """Pair the definitions of two snapshots by term: each row has the old and the new (either may be None)."""
    before = {g.term_id: g for g in old}
    after = {g.term_id: g for g in new}
    rows = []
    for term_id in sorted(before.keys() | after.keys(), key=lambda i: (after.get(i) or before.get(i)).term.lower()):
        a, b = before.get(term_id), after.get(term_id)
        changed = a is None or b is None or (a.version, a.explanation) != (b.version, b.explanation)
        rows.append({"old": a, "new": b, "changed": changed})
    return rows
