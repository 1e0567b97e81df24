"""Clean text at the door: one normaliser for every text field, and the documented size limits.

Every service that stores text passes it through `clean_text` (or a whole
model instance through articles.text.clean_model_text) before validating and
saving, so forms, imports, the admin and the API all store the same kind of text:

- line endings are ``\\n`` (``\\r\\n`` and a lone ``\\r`` become ``\\n``);
- the line and paragraph breaks some programs paste (vertical tab, form
  feed, NEL, U+2028, U+2029) become ``\\n`` in multi-line fields and a space
  in one-line fields;
- NUL and every other C0/C1 control character except tab and newline is
  removed (they are invisible, break XML feeds and PostgreSQL refuses NUL);
- the text is in Unicode normal form C, so the same words compare equal.

`MAX_LENGTHS` is the largest text each long field accepts
(articles.text.ensure_max_length enforces it with a message for the author).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "MAX_LENGTHS",
    "clean_text",
    "folded",
    "has_control_characters",
]

# Characters in long Markdown fields. A long reader page is about 60,000; these leave room.
MAX_LENGTHS: dict[str, int] = {
    "summary": 20_000,
    "body": 100_000,
    "comment": 20_000,
    "disclaimer": 20_000,
    "policy": 100_000,
    "message": 5_000,
}

_LINE_BREAKS_RE = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
# C0 controls except tab (\x09) and newline (\x0a), DEL, and the C1 controls.
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def has_control_characters(value: str) -> bool:
    """Return True if `clean_text` would remove or replace something in `value` other than NFC changes."""
    return bool(_CONTROL_RE.search(value) or _LINE_BREAKS_RE.search(value))


def clean_text(value: str, *, multiline: bool = True) -> str:
    """Return `value` with normal line endings, without control characters, in Unicode NFC."""
    if not value:
        return value
    value = _LINE_BREAKS_RE.sub("\n" if multiline else " ", value)
    if not multiline:
        value = value.replace("\n", " ")
    value = _CONTROL_RE.sub("", value)
    return unicodedata.normalize("NFC", value)


def folded(value: str) -> str:
    """Return text as it is compared and filed: casefolded, accents removed ("Úlcera" → "ulcera").

    The A–Z index files a condition under its folded first letter, so "Ácido …"
    sits under A beside "Acné" in its order, not under "0-9"; search compares
    words the same way (SQLite's stand-in for PostgreSQL's unaccent).
    """
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
