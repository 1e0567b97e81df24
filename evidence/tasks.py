"""Evidence-watch jobs: the daily match and the alert email. Thin: ids in, services and selectors do the work."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from cms import roles

logger = logging.getLogger(__name__)


def alert_recipients() -> list[str]:
    """Return the editors' addresses (with EDITORS_EMAIL) and the active board members', without repeats."""
    from review.selectors import editor_email_addresses

    addresses = editor_email_addresses()
    board = (
        get_user_model()
        .objects.filter(groups__name=roles.BOARD, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    for email in board:
        if email not in addresses:
            addresses.append(email)
    return addresses


@shared_task(name="evidence.tasks.match_evidence", acks_late=True)
def match_evidence() -> int:
    """Match every approved article against the latest imports (daily); return how many alerts were raised."""
    from .services import evidence_match

    raised = evidence_match()
    logger.info("evidence watch: %d new alert(s)", len(raised))
    return len(raised)


@shared_task(
    name="evidence.tasks.notify_alerts", acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3
)
def notify_alerts(*alert_ids: int) -> int:
    """Email editors and the board the new evidence alerts, one message per person."""
    from .models import EvidenceAlert

    alerts = list(EvidenceAlert.objects.filter(pk__in=alert_ids).select_related("article").order_by("-severity", "pk"))
    if not alerts:
        return 0
    context = {
        "alerts": alerts,
        "SITE_NAME": settings.SITE_NAME,
        "link": settings.SITE_URL + reverse("evidence:report"),
    }
    subject = " ".join(render_to_string("evidence/email/alerts_subject.txt", context).split())
    body = render_to_string("evidence/email/alerts_body.txt", context)
    sent = 0
    for address in alert_recipients():
        sent += send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address], fail_silently=False)
    return sent
