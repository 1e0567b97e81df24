"""Content checks run before submission and shown in the editor.

Errors block submission (an unknown citation key, a duplicate reference key,
an empty summary); warnings are shown but do not block (a reference nobody
cites, a section without any citation). The checks read the default text and
every audience version's own text. Pure: no database access.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .content import ArticleContent
from .grades import active_scheme, graded_statements
from .rendering import CITATION_RE, citation_keys, cited_keys

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class CheckResult:
    """One problem found in an article's content."""

    code: str  # unknown-citation, duplicate-reference, empty-summary, unused-reference, uncited-section, unknown-grade
    level: str  # "error" | "warning"
    message: str
    location: str  # e.g. "Body, line 12" or "Patient version — body, line 3"


def has_errors(results: Iterable[CheckResult]) -> bool:
    """Return True when any result is an error (the article cannot be submitted)."""
    return any(result.level == ERROR for result in results)


@dataclass(frozen=True)
class _Text:
    """One field's Markdown and how to name it to the author."""

    field: str  # "summary" | "body"
    text: str
    version: str  # "" for the default text, else e.g. "Patient version"

    def where(self, line: int | None = None) -> str:
        name = self.field.capitalize() if not self.version else f"{self.version} — {self.field}"
        return f"{name}, line {line}" if line else name


_CODE_SPAN_RE = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)", re.S)
_ESCAPED_BRACKET_RE = re.compile(r"\\\[")
_SECTION_RE = re.compile(r"^##(?!#)[ \t]+(.+?)[ \t#]*$", re.M)


def _blank(match: re.Match) -> str:
    # Same length, newlines kept, so offsets and line numbers still point at the original text.
    return re.sub(r"[^\n]", " ", match.group(0))


def _citation_sites(text: str) -> list[tuple[int, list[str]]]:
    """Return (line number, keys) of each citation group, ignoring code spans and escaped brackets."""
    scannable = _ESCAPED_BRACKET_RE.sub(_blank, _CODE_SPAN_RE.sub(_blank, text))
    return [
        (scannable.count("\n", 0, m.start()) + 1, citation_keys(m.group(1))) for m in CITATION_RE.finditer(scannable)
    ]


def _texts(content: ArticleContent, audience_names: dict[int, str]) -> list[_Text]:
    texts = [_Text("summary", content.summary, ""), _Text("body", content.body, "")]
    for variant in content.variants:
        name = audience_names.get(variant.audience_id) or f"Audience {variant.audience_id}"
        version = f"{name} version"
        # An empty variant field means readers get the default text, already checked above.
        if variant.summary.strip():
            texts.append(_Text("summary", variant.summary, version))
        if variant.body.strip():
            texts.append(_Text("body", variant.body, version))
    return texts


def _sections(body: str) -> list[tuple[str, int, int]]:
    """Return (title, first line, last line) of each "## " section of a body, heading line included."""
    matches = list(_SECTION_RE.finditer(body))
    total = body.count("\n") + 1
    lines = [body.count("\n", 0, m.start()) + 1 for m in matches]
    return [
        (m.group(1).strip(), line, (lines[i + 1] - 1) if i + 1 < len(lines) else total)
        for i, (m, line) in enumerate(zip(matches, lines, strict=True))
    ]


def _grade_problems(text: _Text) -> list[CheckResult]:
    scheme = active_scheme()
    return [
        CheckResult(
            "unknown-grade",
            ERROR,
            f"“{{grade={item.value}}}” is not a {scheme.name} grade. Use one of: {scheme.choices()} "
            f"(for example {{grade={scheme.grades[0].label}}}).",
            text.where(item.line),
        )
        for item in graded_statements(text.text)
        if item.grade is None
    ]


def check_content(content: ArticleContent, *, audience_names: dict[int, str] | None = None) -> list[CheckResult]:
    """Return the problems in an article's default text, audience versions and references.

    `audience_names` maps audience ids to names for the locations ("Patient
    version — body, line 3"); without it versions are named by id.
    """
    audience_names = audience_names or {}
    results: list[CheckResult] = []
    known: set[str] = set()
    seen_twice: set[str] = set()
    for reference in content.references:
        if reference.key in known and reference.key not in seen_twice:
            seen_twice.add(reference.key)
            results.append(
                CheckResult(
                    "duplicate-reference",
                    ERROR,
                    f"The reference key “{reference.key}” is used by more than one reference. "
                    "Give each reference its own key.",
                    "References",
                )
            )
        known.add(reference.key)

    if not content.summary.strip():
        results.append(
            CheckResult(
                "empty-summary",
                ERROR,
                "The summary is empty. Write the bottom-line answer readers see first.",
                "Summary",
            )
        )

    cited: set[str] = set()
    for text in _texts(content, audience_names):
        results.extend(_grade_problems(text))
        keys = cited_keys(text.text)
        cited.update(keys)
        if not keys and text.field != "body":
            continue
        sites = _citation_sites(text.text)
        for key in [key for key in dict.fromkeys(keys) if key not in known]:
            lines = sorted({line for line, group in sites if key in group}) or [None]
            for line in lines:
                results.append(
                    CheckResult(
                        "unknown-citation",
                        ERROR,
                        f"[@{key}] cites a reference that does not exist. "
                        f"Add a reference with the key “{key}” or correct the citation.",
                        text.where(line),
                    )
                )
        if text.field == "body":
            cited_lines = [line for line, _ in sites]
            for title, first, last in _sections(text.text):
                if not any(first <= line <= last for line in cited_lines):
                    results.append(
                        CheckResult(
                            "uncited-section",
                            WARNING,
                            f"The section “{title}” cites no reference. "
                            "Medical claims should carry a citation like [@key].",
                            text.where(first),
                        )
                    )

    for key in sorted(known - cited):
        results.append(
            CheckResult(
                "unused-reference",
                WARNING,
                f"The reference “{key}” is never cited. Cite it as [@{key}] or remove it.",
                "References",
            )
        )
    return results
