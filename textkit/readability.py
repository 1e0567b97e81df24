"""Readability of each audience's text: reading grade, long sentences and jargon.

Pure functions of an ArticleContent, the audiences and the glossary entries
passed in; no database access, so the studio preview, the checks and the
review page all show the same figures.

Grades are Flesch–Kincaid (words per sentence and syllables per word) and
Coleman–Liau (letters per word, so it needs no syllables), counted here in
one pass over the text the way textstat 0.7 counts them (`text_counts`):
textstat's results on the demo articles are reproduced exactly
(tests/textkit/test_readability.py). Syllables come from pyphen's
hyphenation rules (what textstat uses offline), looked up once per distinct
word. The whole text is measured: the counting and `plain_text` take time
linear in its length (textstat itself and the old link and tag patterns did
not: 100,000 ``[`` took half a minute). Figures are estimates and are shown as such.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import pyphen
from django.utils.translation import gettext

from .checks import WARNING, CheckResult
from .content import ArticleContent
from .glossary import GlossaryEntry, jargon_pattern
from .rendering import CITATION_RE

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
    # A text not in English has no US grade: a reading-ease score where a formula exists for its
    # language (Spanish: Fernández Huerta, 0–100, higher is easier), else none at all.
    ease: float | None = None
    ease_formula: str = ""

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


# Every pattern here is tried at a bounded number of places per character: anchored to a line
# start and kept within one line ([ \t], not \s), or replaced by a scan (_drop_code_blocks,
# _strip_links, _strip_tags, _drop_before). An unbounded pattern tried from every "[", "<" or
# space made 100,000 "[" take half a minute.
_FENCE_RE = re.compile(r"(```|~~~)")
_CODE_SPAN_RE = re.compile(r"`[^`\n]*`")
_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s.*$", re.M)
_LIST_MARK_RE = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])\s+", re.M)
_QUOTE_RE = re.compile(r"^[ \t]*>\s?", re.M)
# A table's rule line (|---|:--:|): only "|", "-", ":", spaces and tabs, with a "|" after the first character.
_TABLE_RULE_RE = re.compile(r"^[ \t:|-]+$", re.M)
_EMPHASIS_RE = re.compile(r"(\*\*|__|\*|_|~~)")
_GRADE_MARK_RE = re.compile(r"\{grade=[^{}\n]{0,40}\}")  # evidence grades (textkit/grades.py); spaces before go too
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+")
_WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")


def _drop_code_blocks(text: str) -> str:
    """Drop fenced code blocks: a line starting with ``` or ~~~ through the next line that is only that fence.

    An opening fence with no closing line is left as it is. One pass over the
    lines; closing lines are found by bisection in a list made up front.
    """
    if "```" not in text and "~~~" not in text:
        return text
    lines = text.split("\n")
    closers: dict[str, list[int]] = {"```": [], "~~~": []}
    for number, line in enumerate(lines):
        fence = line[:3]
        if fence in closers and not line[3:].strip(" \t"):
            closers[fence].append(number)
    kept: list[str] = []
    number = 0
    while number < len(lines):
        line = lines[number]
        fence = line[:3]
        if fence in closers:
            candidates = closers[fence]
            at = bisect.bisect_right(candidates, number)
            if at < len(candidates):
                kept.append("")
                number = candidates[at] + 1
                continue
        kept.append(line)
        number += 1
    return "\n".join(kept)


def _drop_before(pattern: re.Pattern, text: str) -> str:
    """Remove each match of `pattern` and the spaces and tabs just before it."""
    pieces, last = [], 0
    for m in pattern.finditer(text):
        pieces.append(text[last : m.start()].rstrip(" \t"))
        last = m.end()
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


def _strip_links(text: str) -> str:
    """Replace ``[text](target)`` and ``![text](target)`` by their text.

    The text runs to the first ``]``, which must be followed by ``(``; the
    target runs to the first ``)``. Brackets that open before the same ``]``
    all fail or succeed together, so each character is looked at a bounded
    number of times.
    """
    pieces: list[str] = []
    copied = search = 0
    while True:
        opening = text.find("[", search)
        if opening < 0:
            break
        closing = text.find("]", opening + 1)
        if closing < 0:
            break
        if not text.startswith("(", closing + 1):
            search = closing + 1
            continue
        end = text.find(")", closing + 2)
        if end < 0:
            break
        start = opening - 1 if opening > copied and text[opening - 1] == "!" else opening
        pieces.append(text[copied:start])
        pieces.append(text[opening + 1 : closing])
        copied = search = end + 1
    if not pieces:
        return text
    pieces.append(text[copied:])
    return "".join(pieces)


def _strip_tags(text: str) -> str:
    """Remove ``<...>`` (at least one character inside), each "<" ending at the first ">" after it."""
    pieces: list[str] = []
    copied = search = 0
    while True:
        opening = text.find("<", search)
        if opening < 0:
            break
        closing = text.find(">", opening + 1)
        if closing < 0:
            break
        if closing == opening + 1:
            search = closing
            continue
        pieces.append(text[copied:opening])
        copied = search = closing + 1
    if not pieces:
        return text
    pieces.append(text[copied:])
    return "".join(pieces)


def plain_text(markdown_text: str) -> str:
    """Return the prose of Markdown: no headings, code, citations, link targets or markup.

    Each line that does not end a sentence (a list item, a table row) gets a
    full stop, so it counts as its own sentence rather than running on.
    """
    text = _drop_code_blocks(markdown_text or "")
    text = _HEADING_RE.sub("", text)
    text = _drop_before(CITATION_RE, text)
    text = _drop_before(_GRADE_MARK_RE, text)
    text = _CODE_SPAN_RE.sub("", text)
    text = _strip_links(text)
    text = _TABLE_RULE_RE.sub(lambda m: "" if "|" in m.group(0)[1:] else m.group(0), text)
    text = _strip_tags(text)
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


# --------------------------------------------------------------------------- counting

# textstat 0.7's definitions, counted in one pass: a word is what remains between white space once
# punctuation is removed (an apostrophe stays inside a contraction: "don't", "it's"); a sentence is a
# run starting at a word boundary up to ".", "!" or "?", and runs of two words or fewer are not counted.
_NON_CONTRACTION_APOSTROPHE_RE = re.compile(r"'(?![tsd]|ve|ll|re)")
_PUNCTUATION_KEEP_APOSTROPHE_RE = re.compile(r"[^\w\s']")
_PUNCTUATION_RE = re.compile(r"[^\w\s]")
_SPACE_RE = re.compile(r"\s")
_TEXTSTAT_SENTENCE_RE = re.compile(r"\b[^.!?]+[.!?]*")
_HYPHENATOR = pyphen.Pyphen(lang="en_US")
# pyphen remembers every word it has hyphenated, without a limit; authors can type any "word".
_HYPHENATION_MEMORY_LIMIT = 100_000


_SPANISH_HYPHENATOR = pyphen.Pyphen(lang="es")


@lru_cache(maxsize=50_000)
def spanish_syllable_count(word: str) -> int:
    """Return the syllables of one lower-case Spanish word (its hyphenation points plus one)."""
    return len(_SPANISH_HYPHENATOR.positions(word)) + 1


def fernandez_huerta(counts: TextCounts) -> float:
    """Return Fernández Huerta's reading ease: 206.84 − 60 × syllables per word − 1.02 × words per sentence."""
    if not counts.words or not counts.sentences:
        return 0.0
    return 206.84 - 60 * (counts.syllables / counts.words) - 1.02 * (counts.words / counts.sentences)


@lru_cache(maxsize=50_000)
def syllable_count(word: str) -> int:
    """Return the syllables of one lower-case word: its hyphenation points plus one (as textstat counts offline)."""
    return len(_HYPHENATOR.positions(word)) + 1


def _words(text: str) -> list[str]:
    text = _NON_CONTRACTION_APOSTROPHE_RE.sub("", text)
    return _PUNCTUATION_KEEP_APOSTROPHE_RE.sub("", text).split()


@dataclass(frozen=True)
class TextCounts:
    words: int
    sentences: int
    syllables: int
    letters: int

    @property
    def flesch_kincaid(self) -> float:
        """Return 0.39 × words per sentence + 11.8 × syllables per word − 15.59 (0.0 without words)."""
        if not self.words or not self.sentences or not self.syllables:
            return 0.0
        return 0.39 * (self.words / self.sentences) + 11.8 * (self.syllables / self.words) - 15.59

    @property
    def coleman_liau(self) -> float:
        """Return 0.058 × letters per 100 words − 0.296 × sentences per 100 words − 15.8 (0.0 without words)."""
        if not self.words or not self.letters or not self.sentences:
            return 0.0
        return 0.058 * (self.letters / self.words * 100) - 0.296 * (self.sentences / self.words * 100) - 15.8


def text_counts(text: str, syllables: Callable[[str], int] = syllable_count) -> TextCounts:
    """Count words, sentences, syllables and letters of plain text in time linear in its length."""
    if not text:
        return TextCounts(0, 0, 0, 0)
    words = _words(text)
    memory = getattr(_HYPHENATOR.hd, "cache", None)
    if memory is not None and len(memory) > _HYPHENATION_MEMORY_LIMIT:
        memory.clear()
    runs = _TEXTSTAT_SENTENCE_RE.findall(text)
    short = sum(1 for run in runs if len(_words(run)) <= 2)
    return TextCounts(
        words=len(words),
        sentences=max(1, len(runs) - short),
        syllables=sum(syllables(word.lower()) for word in words),
        letters=len(_PUNCTUATION_RE.sub("", _SPACE_RE.sub("", text))),
    )


def sentences(text: str) -> list[str]:
    """Split plain text into sentences (at ., ! or ? followed by a space)."""
    return [s.strip() for s in _SENTENCE_END_RE.split(text.replace("\n", " ")) if _WORD_RE.search(s)]


def _shorten(sentence: str, words: int = 12) -> str:
    parts = sentence.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


# A term counts as explained when, in the sentence of its first use, a parenthesis opens
# right after it ("viremia (virus in the blood)") or its glossary explanation follows.
_PARENTHESIS_AFTER_RE = re.compile(r"\s*\(\s*[^\W_]")


def _plain_words(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def explained_in_place(rest_of_sentence: str, entry: GlossaryEntry) -> bool:
    """Return True when the text after a term explains it.

    The rule is simple and documented in the checks' help: the term is followed
    at once by a parenthesis with words in it, or the rest of the sentence
    contains the glossary's explanation (case, punctuation and spacing ignored).
    """
    if _PARENTHESIS_AFTER_RE.match(rest_of_sentence):
        return True
    explanation = _plain_words(entry.explanation)
    return bool(explanation) and explanation in _plain_words(rest_of_sentence)


def find_jargon(text: str, entries: Sequence[GlossaryEntry]) -> tuple[JargonHit, ...]:
    """Return the glossary terms used in the text and not explained at first use, once each, in order.

    A term explained where it is first used (see `explained_in_place`) is not
    jargon any more, and neither are its later uses.
    """
    pattern, by_form = jargon_pattern(entries)
    if pattern is None:
        return ()
    hits: dict[str, JargonHit] = {}
    seen: set[str] = set()
    for sentence in sentences(text):
        for match in pattern.finditer(sentence):
            entry = by_form[match.group(1).lower()]
            if entry.term in seen:
                continue
            seen.add(entry.term)
            if not explained_in_place(sentence[match.end() :], entry):
                hits[entry.term] = JargonHit(word=match.group(1), term=entry.term, explanation=entry.explanation)
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
    language: str = "en",
) -> ReadabilityReport:
    """Measure one text: its grades, its long sentences and the glossary terms it uses.

    The grades are English formulas: a text in another language gets none
    (never a false one), but Spanish gets Fernández Huerta's reading ease.
    """
    prose = plain_text(markdown_text)
    found = sentences(prose)
    words = len(_WORD_RE.findall(prose))
    long = [s for s in found if len(_WORD_RE.findall(s)) > LONG_SENTENCE_WORDS]
    has_text = words > 0
    if language != "en":
        spanish = text_counts(prose, syllables=spanish_syllable_count) if has_text and language == "es" else None
        return ReadabilityReport(
            label=label,
            slug=slug,
            target=target,
            words=words,
            sentences=len(found),
            fk_grade=None,
            coleman_liau=None,
            long_sentences=tuple(_shorten(s) for s in long[:MAX_EXAMPLES]),
            long_sentence_count=len(long),
            jargon=(),  # the glossary's terms are English
            own_text=own_text,
            ease=round(fernandez_huerta(spanish), 1) if spanish else None,
            ease_formula="Fernández Huerta" if spanish else "",
        )
    counts = text_counts(prose) if has_text else None
    return ReadabilityReport(
        label=label,
        slug=slug,
        target=target,
        words=words,
        sentences=len(found),
        fk_grade=_grade(counts.flesch_kincaid) if counts else None,
        coleman_liau=_grade(counts.coleman_liau) if counts else None,
        long_sentences=tuple(_shorten(s) for s in long[:MAX_EXAMPLES]),
        long_sentence_count=len(long),
        jargon=find_jargon(prose, glossary) if glossary else (),
        own_text=own_text,
    )


def readability_reports(
    content: ArticleContent,
    audiences: Iterable[AudienceTarget],
    *,
    glossary: Sequence[GlossaryEntry] = (),
    language: str | None = None,
) -> list[ReadabilityReport]:
    """Return a report for the default text and for what each audience reads (its own text or the default).

    ``language`` defaults to the content's.
    """
    language = (language or content.language or "en").split("-")[0].lower()
    reports = [
        measure(
            f"{content.summary}\n\n{content.body}",
            label=gettext("Default text"),
            slug="",
            target=None,
            language=language,
        )
    ]
    for audience in audiences:
        summary, body = content.text_for(audience.id)
        reports.append(
            measure(
                f"{summary}\n\n{body}",
                label=gettext("%(name)s version") % {"name": audience.name},
                slug=audience.slug,
                target=audience.reading_grade,
                glossary=glossary if audience.plain_language else (),
                own_text=content.variant_for(audience.id) is not None,
                language=language,
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
                    "or explain it where it is first used: in brackets right after it, or with the glossary's "
                    "explanation later in the same sentence.",
                    report.label,
                )
            )
    return results
