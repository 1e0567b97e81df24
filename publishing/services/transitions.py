"""The one place a publication changes state, and the plumbing every publishing service shares.

`publication_transition` checks the edge and the actor against
publishing/workflow.py, sets the state and the fields that go with it, saves
with ``update_fields`` and writes the audit event, in the caller's
transaction. The caller locks the row first. Side effects (sending the job,
re-rendering pages) are registered on commit with `send_on_commit` and
`after_change_on_commit`.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from articles.models import Article
from audit.services import event_record
from cms.tasks import enqueue

from ..export import export_article
from ..models import Publication
from ..pages import refresh_articles
from ..workflow import NEW, ensure_transition, state_of

logger = logging.getLogger(__name__)


def publication_transition(
    publication: Publication,
    action: str,
    *,
    acting_user=None,
    article: Article | None = None,
    comment: str = "",
    **fields: Any,
) -> Publication:
    """Apply one workflow action to a (locked, or new) publication: check, set, save, audit.

    `fields` are the other columns the action sets (``withdrawn_at`` …). The
    audit event names `acting_user`, or for the publisher and the scheduler
    (no acting user) the editor who asked for the publication. Raises
    InvalidPublicationState or PublishingPermissionError and changes nothing
    when the table refuses.
    """
    transition = ensure_transition(publication, action, acting_user)
    created = state_of(publication) == NEW
    publication.state = transition.target
    for name, value in fields.items():
        setattr(publication, name, value)
    if created:
        publication.save()
    else:
        publication.save(update_fields=["state", *fields])
    article = article or publication.article
    event_record(
        article,
        acting_user=acting_user or publication.requested_by,
        action=transition.event,
        revision_id=publication.revision_id,
        content_hash=publication.content_hash,
        comment=comment,
    )
    return publication


def send_on_commit(publication: Publication) -> None:
    """Once the transaction commits, send the publisher's job and note when (the outbox)."""
    publication_id = publication.pk

    def send() -> None:
        if enqueue("publishing.tasks.publish", publication_id):
            Publication.objects.filter(pk=publication_id, enqueued_at__isnull=True).update(enqueued_at=timezone.now())

    transaction.on_commit(send)


def after_change_on_commit(slugs: set[str]) -> None:
    """After commit: re-render the stored pages, purge every cache (failures kept for retry), export."""

    def after() -> None:
        refresh_articles(slugs)
        if settings.STATIC_EXPORT_DIR:
            for slug in slugs:
                try:
                    export_article(slug, settings.STATIC_EXPORT_DIR)
                except Exception:
                    logger.exception("Static export of %s failed; the site itself is unaffected.", slug)

    transaction.on_commit(after)
