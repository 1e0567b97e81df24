"""The one place a publication changes state, and the plumbing every publishing service shares.

`publication_transition` checks the edge and the actor against
publishing/workflow.py, sets the state and the fields that go with it, saves
with ``update_fields`` and writes the audit event, in the caller's
transaction. The caller locks the row first. Side effects (sending the job,
re-rendering pages) are registered on commit with `send_on_commit` and
`after_change_on_commit`; the latter also records them (``PageRefresh``) in
the same transaction, so a failure or a crash after commit is retried.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from articles.models import Article
from audit.services import event_record
from cms.tasks import enqueue
from cms.workflow import ensure_transition

from ..export import export_article
from ..models import PageRefresh, Publication
from ..pages import refresh_articles
from ..workflow import NEW, TRANSITIONS, state_of

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
    transition = ensure_transition(TRANSITIONS, publication, action, acting_user=acting_user)
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


# A refresh nobody has tried yet is left to its own on-commit callback for
# this long before the retry job takes it (that callback may still be running).
PAGE_REFRESH_STALE_AFTER = dt.timedelta(seconds=60)


def after_change_on_commit(slugs: set[str]) -> None:
    """Record that these articles' pages must catch up (in the caller's transaction); do it once committed.

    The ``PageRefresh`` rows commit with the change, so the work (re-render
    the stored pages, purge every cache, export) is never lost: the on-commit
    callback does it and deletes them, and ``page_refresh_retry_pending`` (the
    retry-purges beat job) runs whatever is left (a failed export, a process
    that died between the commit and the callback).
    """
    now = timezone.now()
    for slug in sorted(slugs):
        bumped = PageRefresh.objects.filter(slug=slug).update(version=F("version") + 1, requested_at=now)
        if not bumped:
            try:
                with transaction.atomic():
                    PageRefresh.objects.create(slug=slug, requested_at=now)
            except IntegrityError:  # a concurrent change recorded it first
                PageRefresh.objects.filter(slug=slug).update(version=F("version") + 1, requested_at=now)
    transaction.on_commit(lambda: page_refresh_run(set(slugs)))


def page_refresh_run(slugs: set[str]) -> dict[str, int]:
    """Re-render, purge and export the recorded refreshes of these articles; delete the ones that succeed.

    A failure (rendering, export) stays recorded with its error for the next
    retry. Never raises: it runs in on-commit callbacks and the beat job.
    Return the counts of refreshes done and failed.
    """
    try:
        versions = dict(PageRefresh.objects.filter(slug__in=slugs).values_list("slug", "version"))
        if not versions:
            return {"refreshed": 0, "refresh_failed": 0}
        failed = refresh_articles(set(versions))
        if settings.STATIC_EXPORT_DIR:
            for slug in sorted(versions):
                try:
                    export_article(slug, settings.STATIC_EXPORT_DIR)
                except Exception as exc:
                    logger.exception("Static export of %s failed; kept for the retry job.", slug)
                    failed[slug] = f"export: {type(exc).__name__}: {exc}"
        now = timezone.now()
        for slug, version in versions.items():
            if slug in failed:
                PageRefresh.objects.filter(slug=slug).update(
                    attempts=F("attempts") + 1, last_error=failed[slug][:2000], last_attempt_at=now
                )
            else:  # a newer change recorded meanwhile keeps its row (its own run follows)
                PageRefresh.objects.filter(slug=slug, version=version).delete()
        return {"refreshed": len(versions) - len(failed), "refresh_failed": len(failed)}
    except Exception:
        logger.exception("Refreshing the pages of %s failed; kept for the retry job.", sorted(slugs))
        return {"refreshed": 0, "refresh_failed": len(slugs)}


def page_refresh_retry_pending(*, older_than: dt.timedelta = PAGE_REFRESH_STALE_AFTER) -> dict[str, int]:
    """Run the refreshes left behind: those that failed, and those no callback has tried for ``older_than``."""
    stale = timezone.now() - older_than
    slugs = set(
        PageRefresh.objects.filter(Q(attempts__gt=0) | Q(requested_at__lte=stale)).values_list("slug", flat=True)
    )
    if not slugs:
        return {"refreshed": 0, "refresh_failed": 0}
    return page_refresh_run(slugs)
