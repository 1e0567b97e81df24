"""Readability of each audience's text: reading grade, long sentences and jargon.

Pure functions of an ArticleContent, the audiences and the glossary entries
passed in; no database access, so the studio preview, the checks and the
review page all show the same figures.

Grades come from textstat: Flesch–Kincaid (words per sentence and syllables
per word) and Coleman–Liau (letters per word, so it needs no syllables).
textstat looks syllables up in NLTK's CMU dictionary, which it would try to
download at run time; the site never reaches the network for that, so the
lookup is switched off and textstat's own hyphenation rules (pyphen) count
syllables instead. Figures are estimates and are shown as such.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import textstat
from textstat.backend.counts import _count_syllables

from .checks import WARNING, CheckResult
from .content import ArticleContent
from .glossary import GlossaryEntry, jargon_pattern
from .rendering import CITATION_RE

# Offline syllable counting: never download the CMU dictionary (see the module docstring).
_count_syllables.get_cmudict = lambda lang: None

LONG_SENTENCE_WORDS = 25
MAX_EXAMPLES = 3


@dataclass(frozen=True)
class AudienceTarget:
    """What the readability report needs to know about an audience."""

    id: int | None
    slug: str
    name: str
    reading_grade: int | None
    plain_language: bool  # patients and caregivers: jargon is flagged


@dataclass(frozen=True)
class JargonHit:
    word: str  # as written in the text
    term: str
    explanation: str


@dataclass(frozen=True)
class ReadabilityReport:
    """Figures for the text one audience reads (its own text or the default)."""

    label: str
    slug: str
    target: int | None
    words: int
    sentences: int
    fk_grade: float | None
    coleman_liau: float | None
    long_sentences: tuple[str, ...]  # the first few, shortened
    long_sentence_count: int
    jargon: tuple[JargonHit, ...]
    own_text: bool

    @property
    def grade(self) -> float | None:
        """Return the headline grade: Flesch–Kincaid."""
        return self.fk_grade

    @property
    def over_target(self) -> bool:
        return self.target is not None and self.fk_grade is not None and self.fk_grade > self.target

    @property
    def status(self) -> str:
        """Return "none" (no text or no target), "ok" or "over"."""
        if self.fk_grade is None or self.target is None:
            return "none"
        return "over" if self.over_target else "ok"


_CODE_BLOCK_RE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.M | re.S)
_CODE_SPAN_RE = re.compile(r"`[^`\n]*`")
_LINK_RE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s.*$", re.M)
_LIST_MARK_RE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+", re.M)
_QUOTE_RE = re.compile(r"^\s*>\s?", re.M)
_TABLE_RULE_RE = re.compile(r"^\s*\|?[\s:|-]+\|[\s:|-]*$", re.M)
_EMPHASIS_RE = re.compile(r"(\*\*|__|\*|_|~~)")
_TAG_RE = re.compile(r"<[^>]+>")
_GRADE_MARK_RE = re.compile(r"[ \t]*\{grade=[^{}\n]{0,40}\}")  # evidence grades (articles/grades.py)
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+")
_WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")


def plain_text(markdown_text: str) -> str:
    """Return the prose of Markdown: no headings, code, citations, link targets or markup.

    Each line that does not end a sentence (a list item, a table row) gets a
    full stop, so it counts as its own sentence rather than running on.
    """
    text = _CODE_BLOCK_RE.sub("", markdown_text or "")
    text = _HEADING_RE.sub("", text)
    text = re.sub(r"[ \t]*" + CITATION_RE.pattern, "", text)
    text = _GRADE_MARK_RE.sub("", text)
    text = _CODE_SPAN_RE.sub("", text)
    text = _LINK_RE.sub(r"\1", text)
    text = _TABLE_RULE_RE.sub("", text)
    text = _TAG_RE.sub("", text)
    text = _QUOTE_RE.sub("", _LIST_MARK_RE.sub("", text))
    text = _EMPHASIS_RE.sub("", text).replace("|", " ")
    lines = []
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            lines.append("")
            continue
        lines.append(line if line[-1] in ".!?:;" else f"{line}.")
    paragraphs = re.split(r"\n\s*\n", "\n".join(lines))
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


def sentences(text: str) -> list[str]:
    """Split plain text into sentences (at ., ! or ? followed by a space)."""
    return [s.strip() for s in _SENTENCE_END_RE.split(text.replace("\n", " ")) if _WORD_RE.search(s)]


def _shorten(sentence: str, words: int = 12) -> str:
    parts = sentence.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def find_jargon(text: str, entries: Sequence[GlossaryEntry]) -> tuple[JargonHit, ...]:
    """Return the glossary terms used in the text, once each, in order of first use."""
    pattern, by_form = jargon_pattern(entries)
    if pattern is None:
        return ()
    hits: dict[str, JargonHit] = {}
    for match in pattern.finditer(text):
        entry = by_form[match.group(1).lower()]
        hits.setdefault(entry.term, JargonHit(word=match.group(1), term=entry.term, explanation=entry.explanation))
    return tuple(hits.values())


def _grade(value: float) -> float:
    return round(max(value, 0.0), 1)


def measure(
    markdown_text: str,
    *,
    label: str,
    slug: str,
    target: int | None,
    glossary: Sequence[GlossaryEntry] = (),
    own_text: bool = True,
) -> ReadabilityReport:
    """Measure one text: its grades, its long sentences and the glossary terms it uses."""
    prose = plain_text(markdown_text)
    found = sentences(prose)
    words = len(_WORD_RE.findall(prose))
    long = [s for s in found if len(_WORD_RE.findall(s)) > LONG_SENTENCE_WORDS]
    has_text = words > 0
    return ReadabilityReport(
        label=label,
        slug=slug,
        target=target,
        words=words,
        sentences=len(found),
        fk_grade=_grade(textstat.flesch_kincaid_grade(prose)) if has_text else None,
        coleman_liau=_grade(textstat.coleman_liau_index(prose)) if has_text else None,
        long_sentences=tuple(_shorten(s) for s in long[:MAX_EXAMPLES]),
        long_sentence_count=len(long),
        jargon=find_jargon(prose, glossary) if glossary else (),
        own_text=own_text,
    )


def readability_reports(
    content: ArticleContent, audiences: Iterable[AudienceTarget], *, glossary: Sequence[GlossaryEntry] = ()
) -> list[ReadabilityReport]:
    """Return a report for the default text and for what each audience reads (its own text or the default)."""
    reports = [measure(f"{content.summary}\n\n{content.body}", label="Default text", slug="", target=None)]
    for audience in audiences:
        summary, body = content.text_for(audience.id)
        reports.append(
            measure(
                f"{summary}\n\n{body}",
                label=f"{audience.name} version",
                slug=audience.slug,
                target=audience.reading_grade,
                glossary=glossary if audience.plain_language else (),
                own_text=content.variant_for(audience.id) is not None,
            )
        )
    return reports


def readability_checks(reports: Iterable[ReadabilityReport]) -> list[CheckResult]:
    """Return warnings for versions above their reading-grade target, with long sentences or with jargon.

    Only a version with its own text is warned about; one that reads the
    default text is reported under the default text's figures on the panel.
    """
    results: list[CheckResult] = []
    for report in reports:
        if not report.slug or not report.own_text:
            continue
        if report.over_target:
            results.append(
                CheckResult(
                    "reading-grade",
                    WARNING,
                    f"Reads at grade {report.fk_grade:g} (Flesch–Kincaid; Coleman–Liau {report.coleman_liau:g}); "
                    f"the target for this audience is grade {report.target}. Use shorter sentences and everyday words.",
                    report.label,
                )
            )
        if report.long_sentence_count:
            first = report.long_sentences[0]
            many = report.long_sentence_count != 1
            results.append(
                CheckResult(
                    "long-sentence",
                    WARNING,
                    f"{report.long_sentence_count} sentence{'s' if many else ''} "
                    f"longer than {LONG_SENTENCE_WORDS} words, e.g. “{first}”. Split {'them' if many else 'it'}.",
                    report.label,
                )
            )
        for hit in report.jargon:
            results.append(
                CheckResult(
                    "jargon",
                    WARNING,
                    f"“{hit.word}” is medical jargon for this audience. Say it plainly, e.g. “{hit.explanation}”, "
                    "or explain it the first time it is used.",
                    report.label,
                )
            )
    return results
