"""The verifier's runs: started from the desk or the command, walked in batches, findings kept.

The checks themselves are in ``publishing/verify.py`` (read only). A run from
the desk is a background job: each batch of ``VERIFY_BATCH_SIZE`` live
publications holds the run's row lock, writes its findings and moves the
cursor in one transaction, so a redelivered job never checks a batch twice
and a worker that dies loses at most the batch it was on (beat's outbox
sweep sends a stalled run's next batch again).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from cms import roles
from cms.tasks import enqueue

from ..exceptions import PublishingPermissionError
from ..models import VerifyFinding, VerifyRun
from ..verify import Finding, Progress, verify_publications

VERIFY_RUN_STALE_AFTER = dt.timedelta(minutes=2)


def verify_run_start(*, acting_user) -> VerifyRun:
    """Start a verification of every live page in the background (editors); an unfinished run is returned as is."""
    if not roles.is_editor(acting_user):
        raise PublishingPermissionError(gettext("Only editors start a verification of the live site."))
    with transaction.atomic():
        running = (
            VerifyRun.objects.select_for_update().filter(origin=VerifyRun.Origin.DESK, finished_at__isnull=True).first()
        )
        if running is not None:
            return running
        now = timezone.now()
        run = VerifyRun.objects.create(
            origin=VerifyRun.Origin.DESK, started_by=acting_user, created_at=now, progressed_at=now
        )
        run_id = run.pk
        transaction.on_commit(lambda: enqueue("publishing.tasks.verify_batch", run_id))
    return run


def verify_run_record(run: VerifyRun, findings: Iterable[Finding], progress: Progress, *, finished: bool) -> None:
    """Save a batch's findings and the run's totals together."""
    now = timezone.now()
    VerifyFinding.objects.bulk_create(
        VerifyFinding(
            run=run,
            publication_id=f.publication_id,
            article_id=f.article_id,
            audience=f.audience[:100],
            address=f.address[:300],
            kind=f.kind,
            reason=f.reason,
            stale=not f.drift,
        )
        for f in findings
    )
    run.cursor = progress.cursor
    run.publications = progress.publications
    run.pages = progress.pages
    run.drift = progress.drift
    run.stale = progress.stale
    run.progressed_at = now
    if finished:
        run.finished_at = now
    run.save(update_fields=["cursor", "publications", "pages", "drift", "stale", "progressed_at", "finished_at"])


def verify_run_batch(run_id: int, *, batch_size: int | None = None) -> VerifyRun | None:
    """Check the next batch of a run's live publications; return the run (None: gone or already finished)."""
    batch_size = batch_size or settings.VERIFY_BATCH_SIZE
    with transaction.atomic():
        run = VerifyRun.objects.select_for_update().filter(pk=run_id, finished_at__isnull=True).first()
        if run is None:
            return None
        totals = Progress(
            publications=run.publications, pages=run.pages, drift=run.drift, stale=run.stale, cursor=run.cursor
        )
        seen: list[Progress] = []
        findings = list(
            verify_publications(
                export_dir=settings.STATIC_EXPORT_DIR or None,
                batch=batch_size,
                after=run.cursor,
                batches=1,
                progress=seen.append,
            )
        )
        step = seen[0] if seen else Progress(cursor=run.cursor)
        totals.publications += step.publications
        totals.pages += step.pages
        totals.drift += step.drift
        totals.stale += step.stale
        totals.cursor = step.cursor
        verify_run_record(run, findings, totals, finished=step.publications < batch_size)
    return run


def verify_run_resend(*, older_than: dt.timedelta = VERIFY_RUN_STALE_AFTER) -> list[int]:
    """Send again the next batch of every unfinished desk run that has made no progress lately."""
    cutoff = timezone.now() - older_than
    sent = []
    stalled = VerifyRun.objects.filter(
        origin=VerifyRun.Origin.DESK, finished_at__isnull=True, progressed_at__lte=cutoff
    ).values_list("pk", flat=True)
    for run_id in stalled:
        if enqueue("publishing.tasks.verify_batch", run_id):
            sent.append(run_id)
    return sent
