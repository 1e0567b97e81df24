"""Explain medical terms on reader pages: the first use of each glossary term, and a "Words explained" list.

Pure: a function of sanitised HTML and the glossary entries passed in. It runs
after the sanitiser (textkit.rendering) and adds only fixed markup around
text that was already escaped, with the explanation escaped here:

    <a class="glossary-term" href="#glossary-cmv"><abbr title="…">CMV</abbr></a>
    …
    <section class="glossary"><h2>Words explained</h2>
      <dl><dt><dfn id="glossary-cmv">CMV</dfn></dt><dd>…</dd></dl></section>

The definition list is plain HTML, so the explanation is there without
JavaScript, for keyboards and screen readers; the ``title`` is a hover hint
on top. Terms inside links, code, headings, citations or existing
abbreviations are left alone.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext


@dataclass(frozen=True)
class GlossaryEntry:
    """A glossary term as the pure functions need it (see articles.models.GlossaryTerm)."""

    term: str
    explanation: str
    synonyms: tuple[str, ...] = ()

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.term, *self.synonyms)


def jargon_pattern(entries: Sequence[GlossaryEntry]) -> tuple[re.Pattern | None, dict[str, GlossaryEntry]]:
    """Return one pattern matching any form of any entry (longest first), and the entry of each form."""
    by_form: dict[str, GlossaryEntry] = {}
    for entry in entries:
        for form in entry.forms:
            if form.strip():
                by_form.setdefault(form.strip().lower(), entry)
    if not by_form:
        return None, by_form
    alternatives = "|".join(re.escape(form) for form in sorted(by_form, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])({alternatives})(?![\w-])", re.I), by_form


def entries_used(texts: Iterable[str], entries: Sequence) -> list:
    """Return the entries any form of which occurs in any of the texts (whole words, any case), in entry order."""
    pattern, by_form = jargon_pattern(entries)
    if pattern is None:
        return []
    found: set[str] = set()
    for text in texts:
        for match in pattern.finditer(text or ""):
            found.add(by_form[match.group(1).lower()].term)
    return [entry for entry in entries if entry.term in found]


_TAG_RE = re.compile(r"(<[^>]+>)")
_TAG_NAME_RE = re.compile(r"^<\s*(/)?\s*([a-zA-Z0-9]+)")
_SKIP = frozenset({"a", "abbr", "code", "dfn", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "script", "style", "sup"})


def _anchor(term: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", term.lower()).strip("-")
    return f"glossary-{slug or 'term'}"


def annotate(body_html: str, entries: Sequence[GlossaryEntry]) -> tuple[str, str]:
    """Return (body HTML with each term's first use linked to its definition, the "Words explained" section).

    The section is "" when no glossary term appears in the body.
    """
    pattern, by_form = jargon_pattern(entries)
    if pattern is None or not body_html:
        return body_html, ""
    used: dict[str, GlossaryEntry] = {}
    written: dict[str, str] = {}  # term -> the form the text uses ("CMV" for "cytomegalovirus")
    skipping: list[str] = []
    out: list[str] = []
    for part in _TAG_RE.split(body_html):
        if not part:
            continue
        if part.startswith("<"):
            match = _TAG_NAME_RE.match(part)
            if match and match.group(2).lower() in _SKIP and not part.endswith("/>"):
                name = match.group(2).lower()
                if match.group(1):
                    if name in skipping:
                        del skipping[len(skipping) - 1 - skipping[::-1].index(name)]
                else:
                    skipping.append(name)
            out.append(part)
            continue
        if skipping:
            out.append(part)
            continue

        def wrap(found: re.Match) -> str:
            entry = by_form[found.group(1).lower()]
            if entry.term in used:
                return found.group(0)
            used[entry.term] = entry
            written[entry.term] = found.group(1)
            title = html.escape(entry.explanation, quote=True)
            return (
                f'<a class="glossary-term" href="#{_anchor(entry.term)}">'
                f'<abbr title="{title}">{found.group(1)}</abbr></a>'
            )

        out.append(pattern.sub(wrap, part))
    if not used:
        return body_html, ""

    def label(entry: GlossaryEntry) -> str:
        form = html.unescape(written[entry.term])
        also = f" ({html.escape(form)})" if form.lower() != entry.term.lower() else ""
        return f"{html.escape(entry.term)}{also}"

    items = "".join(
        f'<dt><dfn id="{_anchor(entry.term)}">{label(entry)}</dfn></dt><dd>{html.escape(entry.explanation)}</dd>'
        for entry in sorted(used.values(), key=lambda e: e.term.lower())
    )
    heading = html.escape(gettext("Words explained"))  # in the page's language (the render activates it)
    section = (
        '<section class="glossary" aria-labelledby="glossary-title">'
        f'<h2 id="glossary-title">{heading}</h2>'
        f'<dl class="glossary__list">{items}</dl></section>'
    )
    return "".join(out), section
