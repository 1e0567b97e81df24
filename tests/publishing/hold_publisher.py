"""Loaded into a test's Celery worker (``celery worker --include``): hold each publish job mid-way.

It connects to ``publishing.signals.pages_rendered``, which the publisher
sends after rendering and before committing. The receiver writes
``started-<pid>`` into ``$VETTED_TEST_PUBLISH_HOLD_DIR`` and waits until a
``release`` file appears there (at most two minutes), so the test can kill
the worker at exactly that point. Production code knows nothing of it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from publishing.signals import pages_rendered

HOLD_DIR_ENV = "VETTED_TEST_PUBLISH_HOLD_DIR"


def hold(sender, publication, **kwargs) -> None:
    """Block until the test releases the job (or two minutes pass)."""
    hold_dir = os.environ.get(HOLD_DIR_ENV)
    if not hold_dir:
        return
    path = Path(hold_dir)
    (path / f"started-{os.getpid()}").touch()
    deadline = time.monotonic() + 120
    while not (path / "release").exists() and time.monotonic() < deadline:
        time.sleep(0.05)


pages_rendered.connect(hold, dispatch_uid="tests-hold-publisher")
