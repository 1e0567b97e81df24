"""Publishing's signals, and its receivers that re-render the stored pages when something shown on all changes."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

from cms.tasks import enqueue

#: Sent by ``publication_go_live`` once every page is rendered and before the
#: go-live transaction begins (``sender=Publication``, ``publication=``). Nothing
#: in the project listens to it; the worker tests connect a receiver that holds
#: the job here so they can kill the worker between rendering and committing
#: (tests/publishing/hold_publisher.py).
pages_rendered = Signal()


def refresh_pages_on_commit(sender, **kwargs) -> None:
    """Once the change commits, have a job re-render every live page and purge the caches."""
    if kwargs.get("raw"):  # loading fixtures
        return
    transaction.on_commit(lambda: enqueue("publishing.tasks.refresh_live_pages", run_inline_if_broker_down=True))
