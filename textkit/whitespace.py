"""Whitespace normalisation of authored text, applied once on the way in.

Browsers send textarea text with CRLF line endings and Django's form fields
strip the final newline, while text loaded from fixtures or imports keeps it.
Saving either way must give the same bytes, or the review diff and the content
hash report changes nobody made. The services pass every text field through
these functions before it is stored, and a data migration applied them to the
rows that existed before (articles/migrations/0004_normalise_text_whitespace.py).

Only whitespace is touched: line endings, trailing spaces and tabs at the end
of a line, blank lines at the start and end, and one final newline on
non-empty Markdown. Markdown's "two trailing spaces" hard break is one of the
things removed; a backslash at the end of the line still breaks the line.
"""

from __future__ import annotations

import re

_TRAILING = re.compile(r"[ \t]+$", re.M)

MARKDOWN_ARTICLE_FIELDS = ("summary", "body")
LINE_ARTICLE_FIELDS = ("title", "condition", "drugs")


def normalise_markdown(text: str | None) -> str:
    """Return Markdown with LF line endings, no trailing whitespace and exactly one final newline ("" stays "")."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _TRAILING.sub("", text).strip("\n")
    return f"{text}\n" if text.strip() else ""


def normalise_line(text: str | None) -> str:
    """Return a one-line field without surrounding whitespace."""
    return (text or "").strip()


def normalise_article_fields(fields: dict[str, str]) -> dict[str, str]:
    """Return a copy of article fields with each text field normalised (other keys untouched)."""
    result = dict(fields)
    for name in MARKDOWN_ARTICLE_FIELDS:
        if name in result:
            result[name] = normalise_markdown(result[name])
    for name in LINE_ARTICLE_FIELDS:
        if name in result:
            result[name] = normalise_line(result[name])
    return result
