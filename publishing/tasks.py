"""Celery tasks for publishing: thin wrappers that take ids, call services and own retries."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from cms.tasks import enqueue

from . import services
from .exceptions import ContentHashMismatch
from .export import export_site
from .models import Publication
from .pages import refresh_all_live
from .purge import purge_retry_pending

logger = logging.getLogger(__name__)


def retry_delay(attempt: int) -> int:
    """Return the seconds to wait before attempt number ``attempt + 1`` (exponential, capped)."""
    base = getattr(settings, "PUBLISH_RETRY_BACKOFF", 10)
    return min(base * 2 ** max(attempt - 1, 0), 900)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None, name="publishing.tasks.publish")
def publish(self, publication_id: int) -> str:
    """Render a publication and put it live; retry with backoff, then mark it failed."""
    try:
        publication = services.publication_go_live(publication_id)
    except Publication.DoesNotExist:
        logger.warning("Publication %s no longer exists; nothing to publish.", publication_id)
        return "missing"
    except ContentHashMismatch as exc:
        return services.publication_record_failure(publication_id, error=str(exc), permanent=True).state
    except Exception as exc:
        logger.exception("Publishing %s failed", publication_id)
        publication = services.publication_record_failure(publication_id, error=f"{type(exc).__name__}: {exc}")
        if publication.state != Publication.State.PENDING:
            return publication.state
        delay = retry_delay(publication.attempts)
        services.publication_mark_retry_due(publication_id, at=timezone.now() + dt.timedelta(seconds=delay))
        raise self.retry(exc=exc, countdown=delay)
    return publication.state


@shared_task(acks_late=True, name="publishing.tasks.publish_scheduled")
def publish_scheduled() -> dict[str, list[int]]:
    """Release scheduled publications whose time has come and expire those past expiry."""
    return {
        "released": services.publication_release_due(),
        "expired": services.publication_expire_due(),
    }


@shared_task(acks_late=True, name="publishing.tasks.prune_search_misses")
def prune_search_misses() -> int:
    """Delete the counts of searches that found nothing older than SEARCH_MISS_KEEP_DAYS (daily, beat)."""
    return services.search_miss_prune()


@shared_task(acks_late=True, name="publishing.tasks.sweep_outbox")
def sweep_outbox() -> list[int]:
    """Send again the pending publications whose job was lost or never sent, and stalled re-render runs."""
    services.render_run_resend()
    services.verify_run_resend()
    return services.publication_outbox_resend()


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, name="publishing.tasks.render_batch", max_retries=3)
def render_batch(self, run_id: int) -> str:
    """Re-render the next batch of a RenderRun's stored pages, then send the next batch (idempotent).

    Run in-process (embedded mode, eager), the batches follow in a loop rather
    than nesting one call per batch. A batch that fails is retried; after
    that the outbox sweep sends it again once the run has stalled a minute.
    """
    while True:
        try:
            run = services.render_run_batch(run_id)
        except Exception as exc:
            logger.exception("Render run %s: a batch failed", run_id)
            raise self.retry(exc=exc, countdown=retry_delay(self.request.retries + 1))
        if run is None or run.finished_at is not None:
            return "finished"
        if not self.request.is_eager:
            enqueue("publishing.tasks.render_batch", run_id)
            return f"{run.done}/{run.total}"


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, name="publishing.tasks.verify_batch", max_retries=3)
def verify_batch(self, run_id: int) -> str:
    """Check the next batch of a VerifyRun's live publications, then send the next batch (idempotent).

    Like ``render_batch``: in-process (eager) the batches follow in a loop.
    """
    while True:
        try:
            run = services.verify_run_batch(run_id)
        except Exception as exc:
            logger.exception("Verification %s: a batch failed", run_id)
            raise self.retry(exc=exc, countdown=retry_delay(self.request.retries + 1))
        if run is None or run.finished_at is not None:
            return "finished"
        if not self.request.is_eager:
            enqueue("publishing.tasks.verify_batch", run_id)
            return f"{run.publications} checked"


@shared_task(acks_late=True, name="publishing.tasks.retry_purges")
def retry_purges() -> dict[str, int]:
    """Finish the page refreshes left behind (PageRefresh rows), then send again the failed purges (PurgeRequest).

    Refreshes first: re-rendering purges too, and a purge that fails there is
    retried in the same run.
    """
    refreshes = services.page_refresh_retry_pending()
    return {**purge_retry_pending(), **refreshes}


@shared_task(acks_late=True, name="publishing.tasks.refresh_live_pages")
def refresh_live_pages() -> list[str]:
    """Re-render every live article's stored pages and purge them (something shown on all of them changed)."""
    slugs = refresh_all_live()
    if settings.STATIC_EXPORT_DIR:
        try:
            export_site(settings.STATIC_EXPORT_DIR, static=False)
        except Exception:
            logger.exception("Static export failed; the site itself is unaffected.")
    return slugs


@shared_task(
    acks_late=True,
    name="publishing.tasks.notify_publication_failed",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=3,
)
def notify_publication_failed(publication_id: int) -> int:
    """Email the editors that a publication failed for good (cms.notify: one message per person)."""
    return services.publication_failure_notify(publication_id)


@shared_task(
    acks_late=True,
    name="publishing.tasks.notify_reader_message",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=3,
)
def notify_reader_message(message_id: int) -> int:
    """Email the editors a reader's new question or problem report."""
    return services.reader_message_notify(message_id)
