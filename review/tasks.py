"""Review notifications and the re-review sweep, as Celery tasks.

Tasks take ids, load the rows and send email; they change no workflow state.
Links in emails are absolute, built from settings.SITE_URL.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from cms import notify

from . import selectors
from .invitation_links import invitation_token
from .models import Invitation, ReviewDecision, ReviewReminder, ReviewRound

logger = logging.getLogger(__name__)


def absolute_url(path_or_name: str, **kwargs) -> str:
    """Return an absolute link under SITE_URL to a URL name (with kwargs) or a path."""
    path = path_or_name if path_or_name.startswith("/") else reverse(path_or_name, kwargs=kwargs or None)
    return settings.SITE_URL + path


def _send(template: str, recipients: list[str], context: dict) -> int:
    return notify.send(f"review/email/{template}", recipients, context)


def _studio_link(article) -> str:
    try:
        return absolute_url(article.get_absolute_url())
    except Exception:  # the studio edit page is optional for the email to make sense
        return absolute_url("studio:article_list")


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def notify_submitted(round_id: int) -> int:
    """Email every board member who may review the submitted article."""
    round_ = ReviewRound.objects.select_related("article", "submitted_by").get(pk=round_id)
    members = [m for m in selectors.eligible_board_members(round_.article) if m.user.email]
    return sum(
        _send(
            "submitted",
            [m.user.email],
            {
                "round": round_,
                "article": round_.article,
                "member": m,
                "link": absolute_url("review:detail", slug=round_.article.slug),
            },
        )
        for m in members
    )


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def notify_assigned(*decision_ids: int) -> int:
    """Email each assigned reviewer a link to the review page."""
    sent = 0
    for seat in ReviewDecision.objects.filter(pk__in=decision_ids).select_related(
        "round__article", "reviewer__user", "assigned_by"
    ):
        if seat.reviewer.user.email:
            article = seat.round.article
            sent += _send(
                "assigned",
                [seat.reviewer.user.email],
                {"seat": seat, "article": article, "link": absolute_url("review:detail", slug=article.slug)},
            )
    return sent


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def notify_decision(decision_id: int) -> int:
    """Email the article's authors a reviewer's decision and comment."""
    seat = ReviewDecision.objects.select_related("round__article", "reviewer").get(pk=decision_id)
    article = seat.round.article
    addresses = notify.recipients("review_decision", article=article)
    comments = list(seat.round.comments.filter(author=seat.reviewer.user_id).select_related("audience"))
    return _send(
        "decision",
        addresses,
        {"seat": seat, "article": article, "comments": comments, "link": _studio_link(article)},
    )


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def notify_approved(round_id: int) -> int:
    """Email the editors that an article was approved and can be published."""
    round_ = ReviewRound.objects.select_related("article").get(pk=round_id)
    decisions = list(selectors.review_round_decisions(round_))
    return _send(
        "approved",
        notify.recipients("review_approved"),
        {
            "round": round_,
            "article": round_.article,
            "decisions": decisions,
            "link": absolute_url("review:detail", slug=round_.article.slug),
        },
    )


@shared_task(name="review.tasks.flag_reviews_due", acks_late=True)
def flag_reviews_due() -> int:
    """Email the editors the approved articles whose re-review is due; return how many are due."""
    today = timezone.localdate()
    due = selectors.articles_with_due_reasons(selectors.articles_due_for_review(on=today))
    if due:
        _send(
            "reviews_due",
            notify.recipients("reviews_due"),
            {"articles": due, "today": today, "link": absolute_url("review:editor_queue")},
        )
    logger.info("%d article(s) due for re-review", len(due))
    return len(due)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def notify_declined(round_id: int, reviewer_name: str, reason: str) -> int:
    """Email the editors that a reviewer declined a seat, with the reason, so they can reassign it."""
    round_ = ReviewRound.objects.select_related("article").get(pk=round_id)
    return _send(
        "declined",
        notify.recipients("review_declined"),
        {
            "article": round_.article,
            "reviewer_name": reviewer_name,
            "reason": reason,
            "link": absolute_url("review:detail", slug=round_.article.slug),
        },
    )


def _remind(seat: ReviewDecision, kind: str, today: dt.date) -> int:
    """Record, then send, one reminder for the seat's current due date; 1 if recorded now, 0 if already sent."""
    article = seat.round.article
    link = absolute_url("review:detail", slug=article.slug)
    invitation = Invitation.objects.filter(member_id=seat.reviewer_id).first() if seat.reviewer.external else None
    context = {
        "seat": seat,
        "article": article,
        "due_on": seat.due_on,
        "days_late": (today - seat.due_on).days,
        # An invited reviewer cannot open the staff review page: remind them with their own link.
        "link": absolute_url("invited:open", token=invitation_token(invitation)) if invitation else link,
    }
    try:
        with transaction.atomic():
            ReviewReminder.objects.create(seat=seat, kind=kind, due_on=seat.due_on, sent_at=timezone.now())
            if seat.reviewer.user.email:
                _send(f"reminder_{kind}", [seat.reviewer.user.email], context)
            if kind == ReviewReminder.Kind.OVERDUE:
                _send("overdue_editors", notify.recipients("review_overdue"), {**context, "link": link})
    except IntegrityError:
        return 0  # another run recorded it first: never twice for the same seat, kind and due date
    return 1


@shared_task(name="review.tasks.remind_reviewers", acks_late=True)
def remind_reviewers() -> int:
    """Send each undecided seat one reminder before its due date and one once overdue; return how many seats.

    Each reminder is a ReviewReminder row created in the transaction that
    sends it: a rerun (or a second beat) finds the row and sends nothing,
    and a failed send rolls the row back so the next run tries again.
    """
    today = timezone.localdate()
    reminded = 0
    for seat, kind in selectors.seats_to_remind(on=today):
        if _remind(seat, kind, today):
            reminded += 1
    logger.info("%d review reminder(s) sent", reminded)
    return reminded


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def notify_invited(invitation_id: int) -> int:
    """Email an invited reviewer their signed link (it opens nothing without the code mailed on opening)."""
    invitation = Invitation.objects.select_related("article", "created_by").get(pk=invitation_id)
    if invitation.revoked_at is not None:
        return 0
    return _send(
        "invited",
        [invitation.email],
        {
            "invitation": invitation,
            "article": invitation.article,
            "link": absolute_url("invited:open", token=invitation_token(invitation)),
        },
    )


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def notify_invitation_code(invitation_id: int, code: str) -> int:
    """Email the one-time code to the invited address (only there: a forwarded link alone opens nothing)."""
    invitation = Invitation.objects.select_related("article").get(pk=invitation_id)
    return _send(
        "invitation_code",
        [invitation.email],
        {
            "invitation": invitation,
            "article": invitation.article,
            "code": code,
            "minutes": settings.INVITATION_CODE_MINUTES,
        },
    )
