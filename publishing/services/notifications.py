"""Publishing's email to the editors: a publication that failed for good, a reader's message.

Who is told is cms.notify's one definition of the editors; the email is
built from templates (templates/publishing/email/, text + HTML) and sent by
a Celery task enqueued after commit: never inside the reader's request or
the editor's transaction.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.urls import reverse

from cms import notify
from cms.tasks import enqueue_on_commit

from ..models import Publication, ReaderMessage

logger = logging.getLogger(__name__)


def editor_emails() -> list[str]:
    """Return the editors' addresses (cms.notify.editor_addresses; superusers are not included)."""
    return notify.editor_addresses()


def notify_failure_on_commit(publication: Publication) -> None:
    """Once the transaction commits, have a task email the editors that the publication failed.

    Runs in the publisher's job; if the broker is down the email is sent there and then.
    """
    enqueue_on_commit("publishing.tasks.notify_publication_failed", publication.pk, run_inline_if_broker_down=True)


def notify_reader_message_on_commit(message: ReaderMessage) -> None:
    """Once the reader's message commits, have a task email the editors (never inline: the reader waits on no SMTP).

    If the broker is down the email is skipped (logged); the message itself is
    stored and waits in the editors' inbox.
    """
    enqueue_on_commit("publishing.tasks.notify_reader_message", message.pk)


def publication_failure_notify(publication_id: int) -> int:
    """Email the editors that a publication failed (called by the task); return how many emails were sent."""
    publication = Publication.objects.select_related("article").get(pk=publication_id)
    recipients = notify.recipients("publication_failed")
    if not recipients:
        logger.error("Publication %s failed and no editor has an email address.", publication_id)
        return 0
    return notify.send(
        "publishing/email/publication_failed",
        recipients,
        {
            "publication": publication,
            "article": publication.article,
            "link": notify_link(reverse("publishing:dashboard")),
        },
    )


def reader_message_notify(message_id: int) -> int:
    """Email the editors a reader's message (called by the task); return how many emails were sent."""
    message = ReaderMessage.objects.select_related("article", "audience").filter(pk=message_id).first()
    if message is None:
        return 0
    return notify.send(
        "publishing/email/reader_message",
        notify.recipients("reader_message"),
        {
            "message": message,
            "article": message.article,
            "title": " ".join(message.article.title.split()),
            "link": notify_link(reverse("publishing:inbox") + "?state=open"),
        },
    )


def notify_link(path: str) -> str:
    """Return an absolute link under SITE_URL."""
    return settings.SITE_URL + path
