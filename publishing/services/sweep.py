"""Scheduled work (Celery beat): release scheduled publications, expire live ones, re-send the outbox.

The Publication row is the outbox: it is written in the editor's transaction
and its job sent only after commit, so a broker outage delays a publication
but never loses it; `publication_outbox_resend` sends again what was never
sent or is overdue.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cms.tasks import enqueue
from review.models import ReviewDecision

from ..catalogue import catalogue_refresh
from ..models import Publication
from ..selectors import article_list_awaiting_publication
from .publication_requests import publication_request_on_approval
from .transitions import after_change_on_commit, publication_transition, send_on_commit

logger = logging.getLogger(__name__)

State = Publication.State
OUTBOX_STALE_AFTER = dt.timedelta(seconds=60)


@transaction.atomic
def publication_release_due(*, now: dt.datetime | None = None) -> list[int]:
    """Move scheduled publications whose go-live time has come to pending and send them; return their ids.

    One whose expiry has also passed is withdrawn instead ("expired before it went live").
    """
    now = now or timezone.now()
    released = []
    for publication in (
        Publication.objects.select_for_update()
        .select_related("article", "requested_by")
        .filter(state=State.SCHEDULED, go_live_at__lte=now)
    ):
        if publication.expires_at is not None and publication.expires_at <= now:
            publication_transition(
                publication,
                "expire_unreleased",
                comment="Expired before it went live.",
                withdrawn_at=now,
                withdrawal_mode=Publication.WithdrawalMode.REMOVE,
                withdrawal_reason="Expired before it went live.",
            )
            continue
        publication_transition(publication, "release", enqueued_at=None)
        send_on_commit(publication)
        released.append(publication.pk)
    return released


@transaction.atomic
def publication_expire_due(*, now: dt.datetime | None = None) -> list[int]:
    """Take down live publications whose expiry time has come; return their ids."""
    now = now or timezone.now()
    expired = []
    for publication in (
        Publication.objects.select_for_update()
        .select_related("article", "requested_by")
        .filter(state=State.LIVE, expires_at__lte=now)
    ):
        publication_transition(
            publication,
            "expire",
            withdrawn_at=now,
            withdrawal_mode=Publication.WithdrawalMode.REMOVE,
            withdrawal_reason="Expired as scheduled.",
        )
        catalogue_refresh(publication.article_id)
        after_change_on_commit({publication.slug or publication.article.slug})
        expired.append(publication.pk)
    return expired


def publication_outbox_resend(*, older_than: dt.timedelta = OUTBOX_STALE_AFTER) -> list[int]:
    """Send again every pending publication whose job was never sent or is overdue; return their ids.

    Also, when AUTO_PUBLISH_ON_APPROVAL is on, request publication of approved
    revisions nobody has requested yet (review does not import publishing).
    """
    if settings.AUTO_PUBLISH_ON_APPROVAL:
        request_unpublished_approvals()
    cutoff = timezone.now() - older_than
    stale = Publication.objects.filter(state=State.PENDING, requested_at__lte=cutoff).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=cutoff)
    )
    sent = []
    for publication_id in stale.values_list("pk", flat=True):
        if enqueue("publishing.tasks.publish", publication_id):
            Publication.objects.filter(pk=publication_id).update(enqueued_at=timezone.now())
            sent.append(publication_id)
    return sent


def request_unpublished_approvals() -> list[int]:
    """Request publication of every approved revision nobody asked for yet, as its last approver; return ids.

    The safety net of AUTO_PUBLISH_ON_APPROVAL: an approval whose hook failed
    (or ran while the setting was off) is picked up by the next sweep. One
    article's refusal is logged and the others still go.
    """
    requested = []
    for article in article_list_awaiting_publication():
        decision = (
            ReviewDecision.objects.filter(
                round__article=article,
                round__revision=article.last_approved_revision,
                decision=ReviewDecision.Decision.APPROVE,
            )
            .select_related("reviewer__user")
            .order_by("-decided_at")
            .first()
        )
        if decision is None:
            continue
        try:
            publication = publication_request_on_approval(article, acting_user=decision.reviewer.user)
        except Exception as exc:
            logger.warning("Could not auto-publish %s: %s", article.slug, exc)
            continue
        if publication is not None:
            requested.append(publication.pk)
    return requested
