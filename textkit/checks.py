"""Content checks run before submission and shown in the editor.

Errors block submission (an unknown citation key, a duplicate reference key,
an empty summary); warnings are shown but do not block (a reference nobody
cites, a section without any citation). The checks read the default text and
every audience version's own text. Pure: no database access.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from .content import ArticleContent
from .grades import active_scheme, graded_statements
from .markdown_linear import blank_code_spans
from .rendering import CITATION_RE, citation_keys, cited_keys
from .text import MAX_LENGTHS

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class CheckResult:
    """One problem found in an article's content."""

    code: str  # unknown-citation, duplicate-reference, empty-summary, unused-reference, uncited-section, unknown-grade
    level: str  # "error" | "warning"
    message: str
    location: str  # e.g. "Body, line 12" or "Patient version — body, line 3"


def within_limits(content: ArticleContent, *, chars: int | None = None) -> ArticleContent:
    """Return the content with every summary and body cut to its size limit, or to `chars` if given."""

    def cut(value: str, field: str) -> str:
        return value[: chars or MAX_LENGTHS[field]]

    if all(
        len(value) <= (chars or MAX_LENGTHS[field])
        for item in (content, *content.variants)
        for field, value in (("summary", item.summary), ("body", item.body))
    ):
        return content
    variants = tuple(
        dataclasses.replace(v, summary=cut(v.summary, "summary"), body=cut(v.body, "body")) for v in content.variants
    )
    return dataclasses.replace(
        content, summary=cut(content.summary, "summary"), body=cut(content.body, "body"), variants=variants
    )


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


_ESCAPED_BRACKET_RE = re.compile(r"\\\[")
_SECTION_RE = re.compile(r"^##(?!#)[ \t]+(.+?)[ \t#]*$", re.M)


def _blank(match: re.Match) -> str:
    # Same length, newlines kept, so offsets and line numbers still point at the original text.
    return re.sub(r"[^\n]", " ", match.group(0))


def _line_numbers(text: str, offsets: Iterable[int]) -> list[int]:
    """Return the 1-based line number of each offset (offsets in ascending order), in one pass."""
    numbers, line, position = [], 1, 0
    for offset in offsets:
        line += text.count("\n", position, offset)
        position = offset
        numbers.append(line)
    return numbers


def _citation_sites(text: str) -> list[tuple[int, list[str]]]:
    """Return (line number, keys) of each citation group, ignoring code spans and escaped brackets."""
    scannable = _ESCAPED_BRACKET_RE.sub(_blank, blank_code_spans(text))
    matches = list(CITATION_RE.finditer(scannable))
    lines = _line_numbers(scannable, (m.start() for m in matches))
    return [(line, citation_keys(m.group(1))) for line, m in zip(lines, matches, strict=True)]


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
    lines = _line_numbers(body, (m.start() for m in matches))
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
        limit = MAX_LENGTHS[text.field]
        if len(text.text) > limit:
            results.append(
                CheckResult(
                    "too-long",
                    ERROR,
                    f"This text is {len(text.text):,} characters long; the most it can be is {limit:,}. "
                    "Shorten it (the preview shows only the first part).",
                    text.where(),
                )
            )
            text = _Text(text.field, text.text[:limit], text.version)
        results.extend(_grade_problems(text))
        keys = cited_keys(text.text)
        cited.update(keys)
        if not keys and text.field != "body":
            continue
        sites = _citation_sites(text.text)
        lines_of: dict[str, set[int]] = defaultdict(set)
        for line, group in sites:
            for key in group:
                lines_of[key].add(line)
        for key in [key for key in dict.fromkeys(keys) if key not in known]:
            lines = sorted(lines_of.get(key, ())) or [None]
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
            cited_lines = sorted(line for line, _ in sites)
            for title, first, last in _sections(text.text):
                at = bisect.bisect_left(cited_lines, first)
                if at == len(cited_lines) or cited_lines[at] > last:
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
