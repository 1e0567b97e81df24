"""Find user-visible template text that does not go through a translation tag.

A template is read with Django's own lexer. Every ``{% translate %}`` and every
``{% blocktranslate %}…{% endblocktranslate %}`` is replaced by a marker, other
tags and variables by nothing visible, and the result is parsed as HTML. What
remains in a text node, or in a user-visible attribute (``title``, ``alt``,
``placeholder``, ``aria-label``, the ``value`` of an ``<input type=submit>``), and holds a letter was
typed outside the catalogue and is reported with its line number.

A string literal a template hands to ``|default:"…"`` (in a variable or in a
tag such as ``{% blocktranslate with … %}``) is shown to users too, so it must
be written ``|default:_("…")``; so is a literal handed to an included template
(``{% include "includes/pager.html" with pager_label=_("articles") %}``) and
the ``content`` of ``<meta name="description">`` (search engines show it).

Not checked: the contents of ``<script>``, ``<style>`` and of ``<code>``,
``<kbd>`` and ``<samp>`` (what a user types as is, such as ``[@key]``), ``{% comment %}`` blocks and
``{# … #}`` comments, ``{% block body_class %}`` (CSS class names), attribute values that are code (class, href, name…).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from django.template.base import Lexer, TokenType

# Words that are the same in every language and may stay outside the catalogue:
# the brand, and identifiers readers know by their English acronym. Keep it short.
ALLOWED_WORDS = frozenset({"Vetted", "PMID", "DOI", "URL", "RIS", "BibTeX", "PubMed", "MEDLINE", "JSON", "Atom", "CSV"})

# Stand-ins for template tokens inside the HTML the parser sees. Private-use
# characters: no letters, never typed in a template.
TRANSLATED = "\ue000"
OTHER = "\ue001"

# Elements whose text is not prose: scripts, styles, and code a user types as is ([@key], a command).
HIDDEN_ELEMENTS = frozenset({"script", "style", "code", "kbd", "samp"})
USER_VISIBLE_ATTRIBUTES = frozenset({"title", "alt", "placeholder", "aria-label"})
BUTTON_INPUT_TYPES = frozenset({"submit", "button", "reset"})
DEFAULT_LITERAL = re.compile(r"""\|\s*default\s*:\s*(["'])(?P<text>.*?)\1""")
# A literal handed to an included template as its label, title or text (`{% include "x.html" with
# pager_label="…" %}`) is shown there; other names (a CSS class, an id) are code.
INCLUDE_LITERAL = re.compile(
    r"""(?<![\w.])\w*(?:label|title|text|heading|message|hint|caption)=(["'])(?P<text>.*?)\1"""
)
# <meta name="description" content="…">: the snippet search engines show under the page's title.
VISIBLE_META = frozenset({"description", "og:title", "og:description", "twitter:title", "twitter:description"})
LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Finding:
    line: int
    text: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.text!r}"


def _words_left(text: str) -> str:
    """Return `text` without markers and allowed words; '' if nothing translatable is left."""
    text = text.replace(TRANSLATED, " ").replace(OTHER, " ")
    for word in ALLOWED_WORDS:
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", " ", text)
    return text.strip() if LETTER.search(text) else ""


def _flatten(source: str) -> tuple[str, list[Finding]]:
    """Return the template as HTML with tokens replaced by markers, and the findings in variables."""
    pieces: list[str] = []
    findings: list[Finding] = []
    skip_until: str | None = None
    for token in Lexer(source).tokenize():
        if skip_until is not None:
            if token.token_type == TokenType.BLOCK and token.contents.split()[:1] == [skip_until]:
                skip_until = None
            # Keep the line count: the parser reports positions in the flattened text.
            pieces.append("\n" * token.contents.count("\n"))
            continue
        if token.token_type in (TokenType.VAR, TokenType.BLOCK):
            for match in DEFAULT_LITERAL.finditer(token.contents):
                if _words_left(match["text"]):
                    findings.append(Finding(token.lineno, match["text"]))
        if token.token_type == TokenType.BLOCK and token.contents.split()[:1] == ["include"]:
            _name, _with, arguments = token.contents.partition(" with ")
            for match in INCLUDE_LITERAL.finditer(arguments):
                if _words_left(match["text"]):
                    findings.append(Finding(token.lineno, match["text"]))
        if token.token_type == TokenType.TEXT:
            pieces.append(token.contents)
        elif token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents.split() else ""
            if name in {"translate", "trans"}:
                pieces.append(TRANSLATED + "\n" * token.contents.count("\n"))
            elif name in {"blocktranslate", "blocktrans"}:
                pieces.append(TRANSLATED)
                skip_until = "endblocktranslate" if name == "blocktranslate" else "endblocktrans"
            elif name == "comment":
                skip_until = "endcomment"
            elif token.contents.split()[:2] == ["block", "body_class"]:
                # CSS class names for <body class="…">, not text.
                skip_until = "endblock"
            else:
                pieces.append(OTHER + "\n" * token.contents.count("\n"))
        elif token.token_type == TokenType.VAR:
            pieces.append(OTHER)
        # TokenType.COMMENT: {# … #} is never shown.
    return "".join(pieces), findings


class _TextFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.findings: list[Finding] = []
        self._hidden = 0  # inside one of HIDDEN_ELEMENTS

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN_ELEMENTS:
            self._hidden += 1
        values = dict(attrs)
        meta_name = values.get("name") or values.get("property")
        line = self.getpos()[0]
        for name, value in attrs:
            # A <button>'s value is what the form sends, not what it shows; an <input type=submit>'s is its label.
            visible = (
                name in USER_VISIBLE_ATTRIBUTES
                or (name == "value" and tag == "input" and values.get("type") in BUTTON_INPUT_TYPES)
                or (name == "content" and tag == "meta" and meta_name in VISIBLE_META)
            )
            if visible and value and _words_left(value):
                self.findings.append(Finding(line, f"{name}={value.strip()}"))

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN_ELEMENTS and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        left = _words_left(data)
        if left:
            # A text node may start with the newline before its first word.
            first = LETTER.search(data.replace(TRANSLATED, " ").replace(OTHER, " "))
            line = self.getpos()[0] + data.count("\n", 0, first.start() if first else 0)
            self.findings.append(Finding(line, " ".join(left.split())))


def untranslated_text(source: str) -> list[Finding]:
    """Return the user-visible strings of template `source` that are outside translation tags."""
    html, findings = _flatten(source)
    finder = _TextFinder()
    finder.feed(html)
    finder.close()
    return sorted(findings + finder.findings, key=lambda finding: finding.line)
