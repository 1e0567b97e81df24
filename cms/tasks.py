"""Enqueueing that never makes a web request wait on, or fail with, the broker."""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task: Task, *args: Any, run_inline_if_broker_down: bool = False) -> bool:
    """Send a task now; return False (and log) instead of raising if the broker is down.

    Work that must not be lost is recorded in the database first (the outbox)
    and re-sent by a sweeper, so a failed send only delays it. Work that has
    no outbox row (a notification email) can ask to run inline instead.
    """
    try:
        task.apply_async(args=args, retry=False)
        return True
    except Exception as exc:  # kombu raises several types for an unreachable broker
        logger.warning("Could not enqueue %s%r: %s", task.name, args, exc)
        if run_inline_if_broker_down:
            try:
                task.apply(args=args, throw=False)
            except Exception:
                logger.exception("Running %s inline failed as well", task.name)
        return False


def enqueue_on_commit(task: Task, *args: Any, run_inline_if_broker_down: bool = False) -> None:
    """Send a task once the current transaction commits (see enqueue)."""
    transaction.on_commit(lambda: enqueue(task, *args, run_inline_if_broker_down=run_inline_if_broker_down))
