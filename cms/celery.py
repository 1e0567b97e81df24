"""The Celery app: JSON only, late acks, tasks take ids (settings in cms/settings.py)."""

from __future__ import annotations

import os

from celery import Celery
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
    # Before the re-review check, so articles whose evidence moved are in that morning's email.
    "match-evidence": {"task": "evidence.tasks.match_evidence", "schedule": crontab(hour=5, minute=30)},
}
