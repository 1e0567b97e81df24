"""Evidence grades on recommendations: ``{grade=X}`` at the end of a sentence or bullet line.

An author grades the statement a marker follows::

    - Give valganciclovir for 100 days after transplant [@kotton2018]. {grade=A}

The scheme comes from ``settings.EVIDENCE_GRADING``: ``"GRADE"`` (high,
moderate, low, very low) or ``"SORT"`` (A, B, C). Values are matched without
regard to case, hyphens or underscores ("Very-Low" is "very low"). A value the
scheme does not know is an error in the content checks (`textkit.checks`) and
renders as a visible "unknown grade" badge, never silently.

This module is the Markdown extension (registered by `textkit.rendering`),
the pure scanner the checks, the diff and the publisher use
(`graded_statements`), and the switch that hides badges for an audience that
should not see them (`grades_shown`). Like the rest of rendering it reads no
database; the scheme is a setting.
"""

from __future__ import annotations

import contextlib
import re

# bandit waiver (reviewed): ElementTree only builds badge elements for Python-Markdown; nothing is parsed.
import xml.etree.ElementTree as etree  # nosec B405
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

import markdown
from django.conf import settings
from django.utils import translation
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

from .markdown_linear import blank_code_spans

__all__ = [
    "BADGE_CLASSES",
    "GRADE_RE",
    "Grade",
    "GradedStatement",
    "GradeExtension",
    "SCHEMES",
    "Scheme",
    "active_scheme",
    "graded_statements",
    "grades_shown",
    "lookup_grade",
    "schema_evidence_level",
]


@dataclass(frozen=True)
class Grade:
    """One level of a grading scheme."""

    code: str  # normalised value: "high", "very low", "a"
    label: str  # shown on the badge: "High", "Very low", "A"
    meaning: str  # one sentence for readers and reviewers

    @property
    def css(self) -> str:
        return self.code.replace(" ", "-")


@dataclass(frozen=True)
class Scheme:
    """A grading scheme: its name and its levels, strongest first."""

    name: str
    title: str
    grades: tuple[Grade, ...]

    def get(self, value: str) -> Grade | None:
        wanted = normalise(value)
        return next((grade for grade in self.grades if grade.code == wanted), None)

    def choices(self) -> str:
        return ", ".join(grade.label for grade in self.grades)


def gettext(message: str) -> str:
    """Translate into the active language; as written when Django is not configured (the engine on its own)."""
    return translation.gettext(message) if settings.configured else message


def gettext_noop(message: str) -> str:
    """Mark a word for the catalogue (makemessages reads the name) without translating it at import."""
    return message


SCHEMES: dict[str, Scheme] = {
    "GRADE": Scheme(
        name="GRADE",
        title=gettext_noop("certainty of evidence (GRADE)"),
        grades=(
            Grade(
                "high",
                gettext_noop("High"),
                gettext_noop("More research is very unlikely to change how sure we are of this effect."),
            ),
            Grade(
                "moderate",
                gettext_noop("Moderate"),
                gettext_noop("More research could change how sure we are, and may change the estimate."),
            ),
            Grade(
                "low",
                gettext_noop("Low"),
                gettext_noop("More research is likely to change the estimate; treat it with caution."),
            ),
            Grade("very low", gettext_noop("Very low"), gettext_noop("The estimate is very uncertain.")),
        ),
    ),
    "SORT": Scheme(
        name="SORT",
        title=gettext_noop("strength of recommendation (SORT)"),
        grades=(
            Grade(
                "a",
                "A",
                gettext_noop("Based on consistent, good-quality evidence about outcomes that matter to patients."),
            ),
            Grade(
                "b",
                "B",
                gettext_noop(
                    "Based on inconsistent or limited-quality evidence about outcomes that matter to patients."
                ),
            ),
            Grade(
                "c",
                "C",
                gettext_noop("Based on consensus, usual practice, expert opinion, case series or surrogate outcomes."),
            ),
        ),
    ),
}

# Classes the badge uses; textkit.rendering adds them to the sanitiser's allow-list.
BADGE_CLASSES = frozenset(
    {"evidence-grade", "evidence-grade--unknown", "visually-hidden"}
    | {f"evidence-grade--{grade.css}" for scheme in SCHEMES.values() for grade in scheme.grades}
)

GRADE_RE = re.compile(r"\{grade=([^{}\n]{0,40})\}")

# schema.org's MedicalEvidenceLevel has exactly three members, named like SORT's letters.
_SCHEMA_LEVELS = {"a": "https://schema.org/EvidenceLevelA", "b": "https://schema.org/EvidenceLevelB"}
_SCHEMA_LEVELS["c"] = "https://schema.org/EvidenceLevelC"


def normalise(value: str) -> str:
    """Return a grade value in its comparable form: lower case, words separated by one space."""
    return " ".join(re.sub(r"[-_]+", " ", value or "").lower().split())


def active_scheme() -> Scheme:
    """Return the scheme named by settings.EVIDENCE_GRADING (GRADE unless set, or when Django is not configured).

    Read at each call, not at import, so the engine imports without settings
    and a test's ``settings`` override takes effect at once.
    """
    name = getattr(settings, "EVIDENCE_GRADING", "GRADE") if settings.configured else "GRADE"
    return SCHEMES[name]


def lookup_grade(value: str) -> Grade | None:
    """Return the active scheme's grade for a marker value, or None when the scheme has no such grade."""
    return active_scheme().get(value)


def schema_evidence_level(grade: Grade) -> str:
    """Return schema.org's evidenceLevel for a grade: an EvidenceLevelA/B/C URL for SORT, else the label."""
    if active_scheme().name == "SORT" and grade.code in _SCHEMA_LEVELS:
        return _SCHEMA_LEVELS[grade.code]
    return f"{active_scheme().name} {grade.label}"


# --------------------------------------------------------------------------- scanning

_ESCAPED_RE = re.compile(r"\\\{")
_CITATION_RE = re.compile(r"\s*\[\s*@[^\]]*\]")
_LIST_MARKER_RE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_MARKUP_RE = re.compile(r"[*_`]+|^#+\s*|^>\s*")
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+(?=\S)")


@dataclass(frozen=True)
class GradedStatement:
    """A statement and the grade its author gave it."""

    line: int  # 1-based line of the marker in its text
    value: str  # the value as typed
    grade: Grade | None  # None: the scheme has no such grade
    statement: str  # the sentence the marker follows, without citations or Markdown markup


def _blank(match: re.Match) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


def _statement(before: str) -> str:
    text = _CITATION_RE.sub("", _LIST_MARKER_RE.sub("", before))
    text = GRADE_RE.sub("", text)
    text = _MARKUP_RE.sub("", text).strip()
    sentences = [piece.strip() for piece in _SENTENCE_END_RE.split(text) if piece.strip()]
    return sentences[-1] if sentences else ""


def graded_statements(text: str) -> list[GradedStatement]:
    """Return every grade marker in a Markdown text with the statement it grades, in order.

    Markers inside code spans or escaped as ``\\{grade=A}`` are text, not grades,
    exactly as when the text is rendered.
    """
    text = text or ""
    scannable = _ESCAPED_RE.sub(_blank, blank_code_spans(text))
    found: list[GradedStatement] = []
    for number, (line, original) in enumerate(
        zip(scannable.split("\n"), text.split("\n"), strict=True),
        start=1,
    ):
        for match in GRADE_RE.finditer(line):
            found.append(
                GradedStatement(
                    line=number,
                    value=match.group(1).strip(),
                    grade=lookup_grade(match.group(1)),
                    statement=_statement(original[: match.start()]),
                )
            )
    return found


def line_grades(line: str) -> list[str]:
    """Return the normalised grade values marked on one line (for the diff)."""
    return [normalise(value) for value in GRADE_RE.findall(blank_code_spans(line or ""))]


# --------------------------------------------------------------------------- display switch

_show_grades: ContextVar[bool] = ContextVar("vetted_show_grades", default=True)


@contextlib.contextmanager
def grades_shown(show: bool) -> Iterator[None]:
    """Render grade badges (True, the default) or drop the markers silently (False) within the block.

    The publisher renders each audience's page inside this switch, following
    the audience's setting; preview and review always show the badges.
    """
    token = _show_grades.set(show)
    try:
        yield
    finally:
        _show_grades.reset(token)


# --------------------------------------------------------------------------- Markdown extension


def _badge(value: str) -> etree.Element:
    scheme = active_scheme()
    grade = scheme.get(value)
    badge = etree.Element("span")
    if grade is None:
        badge.set("class", "evidence-grade evidence-grade--unknown")
        badge.text = gettext("Unknown evidence grade “%(value)s” (use %(choices)s)") % {
            "value": value.strip(),
            "choices": scheme.choices(),
        }
        return badge
    # In the text's language: the renderer runs under the article's language (publishing.rendering).
    label, meaning = gettext(grade.label), gettext(grade.meaning)
    badge.set("class", f"evidence-grade evidence-grade--{grade.css}")
    badge.text = gettext("Evidence:") + " "
    abbr = etree.SubElement(badge, "abbr")
    abbr.set("title", f"{scheme.name} {label}: {meaning}")
    abbr.text = f"{scheme.name} {label}"
    hidden = etree.SubElement(badge, "span")
    hidden.set("class", "visually-hidden")
    title = gettext(scheme.title)
    hidden.text = f" — {title}: {meaning}"
    return badge


class _GradeProcessor(InlineProcessor):
    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(r"([ \t]*)" + GRADE_RE.pattern, md)

    def handleMatch(self, m: re.Match, data: str):  # noqa: N802 (Python-Markdown's name)
        if not _show_grades.get():
            # Hidden: the marker and the space before it go; the sentence reads as written.
            return "", m.start(0), m.end(0)
        # Shown: the space before the marker stays, keeping the badge apart from the sentence.
        return _badge(m.group(2)), m.end(1), m.end(0)


class GradeExtension(Extension):
    """Turn ``{grade=X}`` into an accessible evidence badge (or nothing, for audiences that hide grades)."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802
        # After code spans (190) and backslash escapes (180) so both keep a marker literal.
        md.inlinePatterns.register(_GradeProcessor(md), "vetted_grade", 174)
