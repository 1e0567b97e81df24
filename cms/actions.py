"""The shape both workflows (review, publishing) answer "what may this user do now?" in.

`review.actions.available_actions` and `publishing.workflow.available_actions`
return a dict of `Action` by name; views hand it to templates, which render a
button for each allowed action and the reason for a refused one, and never
work permissions out themselves. The services check the same rules again
when the action is taken.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Action:
    """One thing a user may (or may not) do to one object now."""

    name: str
    label: str
    url: str
    allowed: bool
    reason: str = ""  # why not, when refused: shown to the user as it is

    def __bool__(self) -> bool:
        return self.allowed


def action(name: str, label: str, url: str, refusal: str = "") -> Action:
    """Return the action, allowed when `refusal` is empty, else refused with it as the reason."""
    return Action(name, label, url, not refusal, refusal)
