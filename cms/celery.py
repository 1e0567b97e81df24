"""The Celery app: JSON only, late acks, tasks take ids (settings in cms/settings.py)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from celery import Celery, current_app
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")

app = Celery("cms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic jobs read their times from the database, never from countdowns,
# so a restarted beat or a lost message cannot skip a scheduled publication.
app.conf.beat_schedule = {
    "publish-scheduled": {"task": "publishing.tasks.publish_scheduled", "schedule": 60.0},
    "sweep-outbox": {"task": "publishing.tasks.sweep_outbox", "schedule": 60.0},
    "retry-purges": {
        "task": "publishing.tasks.retry_purges",
        "schedule": float(os.environ.get("PURGE_RETRY_SECONDS") or 30),
    },
    "flag-reviews-due": {"task": "review.tasks.flag_reviews_due", "schedule": crontab(hour=6, minute=0)},
    # Hourly: each reminder is recorded (review.ReviewReminder), so a rerun never sends one twice.
    "remind-reviewers": {"task": "review.tasks.remind_reviewers", "schedule": crontab(minute=20)},
    # Before the re-review check, so articles whose evidence moved are in that morning's email.
    "match-evidence": {"task": "evidence.tasks.match_evidence", "schedule": crontab(hour=5, minute=30)},
    "prune-search-misses": {"task": "publishing.tasks.prune_search_misses", "schedule": crontab(hour=4, minute=15)},
}


@contextlib.contextmanager
def configured(**values) -> Iterator[None]:
    """Set Celery configuration keys of the current app for a block, then put back exactly what was there before.

    The current app is this project's app except inside a test that sends to a
    broker of its own (tests/publishing/publish_helpers.py ``broker``). The app
    reads CELERY_* through to Django's settings. Assigning a key to
    ``app.conf`` pins it: saving a value and assigning it back afterwards would
    keep it pinned, so a later change of the setting would be ignored. Keys
    not pinned before the block are unpinned after it.
    """
    conf = current_app.conf
    changes = conf.changes
    pinned_before = {key: changes[key] for key in values if key in changes}
    conf.update(values)
    try:
        yield
    finally:
        for key in values:
            changes.pop(key, None)
        changes.update(pinned_before)
