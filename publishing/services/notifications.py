"""Publishing's email: telling the editors that a publication failed for good."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Q

from cms import roles

from ..models import Publication

logger = logging.getLogger(__name__)


def editor_emails() -> list[str]:
    """Return the addresses told about failures: EDITORS_EMAIL and every active editor with an email."""
    users = (
        get_user_model()
        .objects.filter(Q(groups__name=roles.EDITORS) | Q(is_superuser=True), is_active=True)
        .exclude(email="")
    )
    return sorted(set(settings.EDITORS_EMAIL) | set(users.values_list("email", flat=True)))


def email_editors_about_failure(publication_id: int) -> None:
    """Email the editors that a publication failed (called on commit; a mail error is logged, never raised)."""
    publication = Publication.objects.select_related("article").get(pk=publication_id)
    recipients = editor_emails()
    if not recipients:
        logger.error("Publication %s failed and no editor has an email address.", publication_id)
        return
    article = publication.article
    try:
        send_mail(
            subject=f"[{settings.SITE_NAME}] Publishing failed: {article.title}",
            message=(
                f"Publishing “{article.title}” failed after {publication.attempts} attempt(s).\n\n"
                f"Error: {publication.last_error}\n\n"
                "The page that was live before stays live. Retry it from the publishing desk:\n"
                f"{settings.SITE_URL}/publishing/\n"
            ),
            from_email=None,
            recipient_list=recipients,
        )
    except Exception:
        logger.exception("Could not email editors about failed publication %s", publication_id)
