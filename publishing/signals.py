"""Signal receivers: re-render the stored public pages when something shown on all of them changes."""

from __future__ import annotations

from django.db import transaction


def refresh_pages_on_commit(sender, **kwargs) -> None:
    """Once the change commits, have a job re-render every live page and purge the caches."""
    if kwargs.get("raw"):  # loading fixtures
        return
    from cms.tasks import enqueue

    from . import tasks

    transaction.on_commit(lambda: enqueue(tasks.refresh_live_pages, run_inline_if_broker_down=True))
