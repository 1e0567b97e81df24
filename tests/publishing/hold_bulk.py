"""Loaded into a test's bulk worker (``celery worker --include``): hold a render batch before it starts.

Connects to Celery's own ``task_prerun`` signal. For
``publishing.tasks.render_batch`` it counts the batches this process has
started; once ``$VETTED_TEST_BULK_LET_THROUGH`` (default 0) have gone
through, it writes ``held-<pid>`` into ``$VETTED_TEST_BULK_HOLD_DIR`` and
waits until a ``release`` file appears there (at most two minutes). So a test
can keep a bulk job running while it checks the other queues, or kill the
worker half-way through a run. Production code knows nothing of it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from celery.signals import task_prerun

HOLD_DIR_ENV = "VETTED_TEST_BULK_HOLD_DIR"
started = {"batches": 0}


def hold(sender=None, **kwargs) -> None:
    hold_dir = os.environ.get(HOLD_DIR_ENV)
    if not hold_dir or getattr(sender, "name", "") != "publishing.tasks.render_batch":
        return
    started["batches"] += 1
    if started["batches"] <= int(os.environ.get("VETTED_TEST_BULK_LET_THROUGH", "0")):
        return
    path = Path(hold_dir)
    (path / f"held-{os.getpid()}").touch()
    deadline = time.monotonic() + 120
    while not (path / "release").exists() and time.monotonic() < deadline:
        time.sleep(0.05)


task_prerun.connect(hold, dispatch_uid="tests-hold-bulk")
