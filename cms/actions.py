"""The shape both workflows (review, publishing) answer "what may this user do now?" in.

`review.actions.available_actions` and `publishing.workflow.available_actions`
return a dict of `Action` by name; views hand it to templates, which render a
button for each allowed action and the reason for a refused one, and never
work permissions out themselves. The services check the same rules again
when the action is taken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from django.urls import get_script_prefix, get_urlconf, reverse


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


# A page of 50 rows with five buttons each reversed 250 URLs per request (about a tenth of the
# queues' time). reverse_one reverses each URL name once with a placeholder and fills the
# value in by string replacement: safe because slugs and integer ids never need quoting.
_PLACEHOLDERS = {int: 7_770_777_077, str: "vetted-url-placeholder"}
_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")


@lru_cache(maxsize=512)
def _url_pattern(name: str, kind: type, kwarg: str | None, urlconf, prefix: str) -> str:
    placeholder = _PLACEHOLDERS[kind]
    if kwarg:
        return reverse(name, kwargs={kwarg: placeholder}, urlconf=urlconf)
    return reverse(name, args=[placeholder], urlconf=urlconf)


def reverse_one(name: str, value: int | str, *, kwarg: str | None = None) -> str:
    """Return reverse(name) for a URL with one argument (a slug or an id), reversing each name only once."""
    kind = type(value)
    if kind not in _PLACEHOLDERS or (kind is str and not _SLUG.match(value)):
        return reverse(name, kwargs={kwarg: value}) if kwarg else reverse(name, args=[value])
    pattern = _url_pattern(name, kind, kwarg, get_urlconf(), get_script_prefix())
    return pattern.replace(str(_PLACEHOLDERS[kind]), str(value), 1)
