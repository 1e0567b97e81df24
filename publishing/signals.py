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

# Fields saved only by an approved furniture change, which records its own re-render of the pages showing them.
FURNITURE_FIELDS = frozenset({"bio", "disclosures"})


def refresh_pages_on_commit(sender, **kwargs) -> None:
    """Once the change commits, have a job re-render every live page and purge the caches."""
    if kwargs.get("raw"):  # loading fixtures
        return
    update_fields = kwargs.get("update_fields")
    if update_fields and set(update_fields) <= FURNITURE_FIELDS:  # an approved change: its RenderRun re-renders
        return
    transaction.on_commit(lambda: enqueue("publishing.tasks.refresh_live_pages", run_inline_if_broker_down=True))
