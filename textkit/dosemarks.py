"""The author's dose marker, ``{dose drug=ganciclovir}5 mg/kg IV every 12 hours{/dose}``, hidden from readers.

The marker tells the dose checker (issue 24, ``evidence.dosing.parser``) that
the text between the tags is one dose statement of the named drug. Readers see
only that inner text: this Markdown extension drops the opening tag and the
closing tag and leaves everything between them to the other inline patterns.

The tag patterns match what the parser accepts: ``{dose`` followed by ``}`` or
by a space or tab and at most a bounded run of characters other than braces,
and ``{/dose}``, in any letter case. Both patterns are bounded, so the scan is
linear in the text. Like the grade marker, a tag inside a code span or escaped
as ``\\{dose ...}`` stays literal. The tags are dropped whether or not they pair
up: an unclosed marker is a warning in the studio, and its tag is never shown
to readers either way.
"""

from __future__ import annotations

import re

import markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

__all__ = ["DOSE_TAG_RE", "DoseMarkerExtension", "strip_dose_tags"]

# Kept within the parser's limit (200 characters from "{dose" to its "}").
DOSE_TAG_RE = re.compile(r"\{(?:[dD][oO][sS][eE](?:[ \t][^{}]{0,190})?|/[dD][oO][sS][eE])\}")


def strip_dose_tags(text: str) -> str:
    """Return plain text with every dose marker tag removed (the statement between them stays)."""
    return DOSE_TAG_RE.sub("", text or "")


class _DoseTagProcessor(InlineProcessor):
    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(DOSE_TAG_RE.pattern, md)

    def handleMatch(self, m: re.Match, data: str):  # noqa: N802 (Python-Markdown's name)
        return "", m.start(0), m.end(0)


class DoseMarkerExtension(Extension):
    """Drop ``{dose ...}`` and ``{/dose}`` tags so that readers see only the statement between them."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802
        # After code spans (190) and backslash escapes (180) so both keep a tag literal; next to grades (174).
        md.inlinePatterns.register(_DoseTagProcessor(md), "vetted_dose_marker", 173)
