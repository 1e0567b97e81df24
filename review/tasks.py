"""Review notifications and the re-review sweep, as Celery tasks.

Tasks take ids, load the rows and send email; they change no workflow state.
Links in emails are absolute, built from settings.SITE_URL.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from . import selectors
from .models import ReviewDecision, ReviewRound

logger = logging.getLogger(__name__)


def absolute_url(path_or_name: str, **kwargs) -> str:
    """Return an absolute link under SITE_URL to a URL name (with kwargs) or a path."""
    path = path_or_name if path_or_name.startswith("/") else reverse(path_or_name, kwargs=kwargs or None)
    return settings.SITE_URL + path


def _send(template: str, recipients: list[str], context: dict) -> int:
    context = {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"review/email/{template}_subject.txt", context).split())
    body = render_to_string(f"review/email/{template}_body.txt", context)
    sent = 0
    for address in recipients:
        # One message per person: recipients never see each other's addresses.
        sent += send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address], fail_silently=False)
    return sent


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
    addresses = [u.email for u in article.authors.filter(is_active=True) if u.email]
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
        selectors.editor_email_addresses(),
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
    due = list(selectors.articles_due_for_review(on=today))
    if due:
        _send(
            "reviews_due",
            selectors.editor_email_addresses(),
            {"articles": due, "today": today, "link": absolute_url("review:editor_queue")},
        )
    logger.info("%d article(s) due for re-review", len(due))
    return len(due)
