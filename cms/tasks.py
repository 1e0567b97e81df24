"""Enqueueing that never makes a web request wait on, or fail with, the broker.

A task is given as the task object or by its registered name
(``"publishing.tasks.publish"``). Services send their own app's jobs by name,
so a service module never imports the tasks module that calls it back (the
tasks are registered by each app's ``AppConfig.ready()``).
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task, current_app
from django.db import transaction

logger = logging.getLogger(__name__)


def task_named(task: Task | str) -> Task:
    """Return the task object for a task or its registered name (KeyError if nobody registered it)."""
    return current_app.tasks[task] if isinstance(task, str) else task


def enqueue(task: Task | str, *args: Any, run_inline_if_broker_down: bool = False) -> bool:
    """Send a task now; return False (and log) instead of raising if the broker is down.

    Work that must not be lost is recorded in the database first (the outbox)
    and re-sent by a sweeper, so a failed send only delays it. Work that has
    no outbox row (a notification email) can ask to run inline instead.
    """
    task = task_named(task)
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


def enqueue_on_commit(task: Task | str, *args: Any, run_inline_if_broker_down: bool = False) -> None:
    """Send a task once the current transaction commits (see enqueue)."""
    transaction.on_commit(lambda: enqueue(task, *args, run_inline_if_broker_down=run_inline_if_broker_down))
