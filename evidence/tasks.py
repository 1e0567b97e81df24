"""Evidence-watch jobs: the daily match and the alert email. Thin: ids in, services and selectors do the work."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.urls import reverse

from cms import notify

from .models import EvidenceAlert
from .services import evidence_match

logger = logging.getLogger(__name__)


def alert_recipients() -> list[str]:
    """Return who is told about evidence alerts: the editors (with EDITORS_EMAIL) and the active board."""
    return notify.recipients("evidence_alerts")


@shared_task(name="evidence.tasks.match_evidence", acks_late=True)
def match_evidence() -> int:
    """Match every approved article against the latest imports (daily); return how many alerts were raised."""
    raised = evidence_match()
    logger.info("evidence watch: %d new alert(s)", len(raised))
    return len(raised)


@shared_task(
    name="evidence.tasks.notify_alerts", acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3
)
def notify_alerts(*alert_ids: int) -> int:
    """Email editors and the board the new evidence alerts, one message per person."""
    alerts = list(EvidenceAlert.objects.filter(pk__in=alert_ids).select_related("article").order_by("-severity", "pk"))
    if not alerts:
        return 0
    context = {"alerts": alerts, "link": settings.SITE_URL + reverse("evidence:report")}
    return notify.send("evidence/email/alerts", alert_recipients(), context)
