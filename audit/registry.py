"""The actions the audit log knows, and how each reads in a history.

Each app registers its own actions with their wording from its
``AppConfig.ready()`` (articles, review, publishing, evidence), so no app has
to name another app's actions. The registry is the `WorkflowEvent.action`
field's choices: an event whose action nobody registered is refused.
"""

from __future__ import annotations

_LABELS: dict[str, str] = {}
# (action, to_status) -> wording, for an action that reads differently when it reaches a given status.
_REACHING: dict[tuple[str, str], str] = {}


def register_actions(labels: dict[str, str], *, reaching: dict[tuple[str, str], str] | None = None) -> None:
    """Add actions and their wording; refuse to relabel an action already registered with other words."""
    for table, items in ((_LABELS, labels), (_REACHING, reaching or {})):
        for key, label in items.items():
            existing = table.get(key)
            if existing is not None and existing != label:
                raise ValueError(f"Audit action “{key}” is already labelled “{existing}”.")
            table[key] = label


def is_registered(action: str) -> bool:
    return action in _LABELS


def labels() -> dict[str, str]:
    """Return a copy of every registered action and its wording."""
    return dict(_LABELS)


def action_choices() -> list[tuple[str, str]]:
    """Return the registered actions as field choices (the model field calls this)."""
    return sorted(_LABELS.items())


def label(action: str, to_status: str = "") -> str:
    """Return how the action reads after the actor's name."""
    return _REACHING.get((action, to_status)) or _LABELS.get(action) or action.replace("_", " ")
