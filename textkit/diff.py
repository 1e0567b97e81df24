"""Compare two versions of an article's content, field by field and section by section.

Pure functions of two ArticleContent values: no database access, so the same
diff serves the studio's compare page and the board's review page. Every piece
of HTML built here comes from text passed through django.utils.html.escape;
the only markup added is <ins>, <del> and <div>/<span> wrappers with fixed
class names, so the result is marked safe for templates.

Lines that mention a dose or a dosing schedule are flagged: a changed number
of milligrams is a clinical change, not an edit of wording, and reviewers must
not miss it. Changed evidence grades (``{grade=X}``, see textkit.grades) are
flagged the same way: "grade changed from B to A" changes what a
recommendation is worth.

Both sides are passed through the same whitespace normalisation the services
apply on the way in (textkit.whitespace) before they are compared. Revisions
stored before that normalisation existed (the data migration fixed the live
rows, not the reversion history) may still end a summary with a newline or a
CRLF; without this a reviewer would be sent to fields nobody touched. Only the
comparison sees the normalised text: stored content and its hash are unchanged.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from .content import REFERENCE_FIELDS, ArticleContent, ReferenceContent, VariantContent
from .grades import GRADE_RE, line_grades, lookup_grade
from .whitespace import LINE_ARTICLE_FIELDS, MARKDOWN_ARTICLE_FIELDS, normalise_line, normalise_markdown

FIELD_LABELS = {
    "title": "Title (the question)",
    "condition": "Condition",
    "drugs": "Drugs",
    "summary": "Summary (the bottom line)",
    "slug": "Address (slug)",
}
COMPARED_FIELDS = ("title", "condition", "drugs", "summary", "slug")

REFERENCE_LABELS = {
    "key": "Key",
    "kind": "Kind",
    "title": "Title",
    "authors": "Authors",
    "source": "Source",
    "year": "Year",
    "pmid": "PMID",
    "doi": "DOI",
    "url": "URL",
    "spl_set_id": "SPL Set ID",
    "spl_version": "SPL version",
    "spl_date": "SPL date",
}

_AMOUNT = r"\d+(?:[.,]\d+)?(?:\s*(?:-|–|to|a)\s*\d+(?:[.,]\d+)?)?"
# English and Spanish at once (a translation is reviewed like its source): flagging a line
# as a dose line only asks the reviewer to look, so matching both vocabularies is safe.
DOSE_PATTERN = re.compile(
    rf"""
    {_AMOUNT}\s*(?:mg/kg|mg/m2|mg/m²|mcg/kg|mg|mcg|µg|μg|g|mL|ml|units?|unidades|IU|UI)(?![A-Za-z])
    | \b(?:once|twice|three\s+times|four\s+times|\d+\s+times)\s+
        (?:a\s+|per\s+)?(?:daily|day|weekly|week|monthly|month)\b
    | \bevery\s+{_AMOUNT}\s*(?:hours?|hrs?|h|days?|weeks?|months?)\b
    | \bevery\s+(?:other\s+)?(?:day|week|month|morning|evening|night)\b
    | \bq\d+h\b
    | (?-i:\b(?:BID|TID|QID|QD|QHS)\b)
    | \bfor\s+(?:at\s+least\s+)?{_AMOUNT}\s*(?:days?|weeks?|months?)\b
    | \b(?:una\s+vez|(?:dos|tres|cuatro|seis|\d+)\s+veces)\s+(?:al|por|a\s+la|cada)\s+(?:d[ií]a|semana|mes)\b
    | \bcada\s+{_AMOUNT}\s*(?:horas?|h|d[ií]as?|semanas?|meses?)\b
    | \bcada\s+(?:d[ií]a|semana|mes|mañana|noche)\b
    | \ben\s+d[ií]as\s+alternos\b
    | \bc/\d+\s*h\b
    | \b(?:durante|por)\s+(?:al\s+menos\s+)?{_AMOUNT}\s*(?:d[ií]as?|semanas?|meses?)\b
    """,
    re.IGNORECASE | re.VERBOSE,
)

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


def mentions_dose(text: str) -> bool:
    """Return True if the text names a dose, a dosing frequency or a course length."""
    return bool(DOSE_PATTERN.search(text or ""))


@dataclass
class FieldDiff:
    """One text field of the article in both versions."""

    name: str
    label: str
    old: str
    new: str
    changed: bool
    html: SafeString
    dose_changes: list[str] = field(default_factory=list)
    grade_changes: list[str] = field(default_factory=list)


@dataclass
class SectionDiff:
    """One '## ' section of a body, matched by its heading across the two versions."""

    title: str
    status: str  # "added" | "removed" | "changed" | "unchanged"
    html: SafeString
    dose_changes: list[str] = field(default_factory=list)
    old_title: str = ""
    grade_changes: list[str] = field(default_factory=list)
    # bandit waiver (reviewed): an empty string.
    title_html: SafeString = field(default_factory=lambda: mark_safe(""))  # nosec B308

    @property
    def changed(self) -> bool:
        return self.status != "unchanged"

    @property
    def renamed(self) -> bool:
        return self.status == "changed" and bool(self.old_title) and self.old_title != self.title


@dataclass
class VariantDiff:
    """One audience's own text (empty means it reads the default text)."""

    audience_id: int
    audience_name: str
    status: str  # "added" | "removed" | "changed" | "unchanged"
    summary: FieldDiff
    sections: list[SectionDiff]
    old_uses_default_body: bool = False
    new_uses_default_body: bool = False

    @property
    def changed(self) -> bool:
        return self.status != "unchanged"

    @property
    def dose_changes(self) -> list[str]:
        found = list(self.summary.dose_changes)
        for section in self.sections:
            found.extend(section.dose_changes)
        return found

    @property
    def grade_changes(self) -> list[str]:
        found = list(self.summary.grade_changes)
        for section in self.sections:
            found.extend(section.grade_changes)
        return found


@dataclass
class ReferenceFieldChange:
    name: str
    label: str
    old: str
    new: str


@dataclass
class ReferenceChange:
    key: str
    old: ReferenceContent
    new: ReferenceContent
    changes: list[ReferenceFieldChange]


@dataclass
class ReferenceDiff:
    added: list[ReferenceContent] = field(default_factory=list)
    removed: list[ReferenceContent] = field(default_factory=list)
    changed: list[ReferenceChange] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.removed or self.changed)


@dataclass
class ContentDiff:
    """Everything that differs between two versions, ready for _diff.html."""

    first_version: bool
    fields: list[FieldDiff]
    sections: list[SectionDiff]
    variants: list[VariantDiff]
    references: ReferenceDiff

    @property
    def changed_fields(self) -> list[FieldDiff]:
        return [f for f in self.fields if f.changed]

    @property
    def changed_sections(self) -> list[SectionDiff]:
        return [s for s in self.sections if s.changed]

    @property
    def changed_variants(self) -> list[VariantDiff]:
        return [v for v in self.variants if v.changed]

    @property
    def dose_changes(self) -> list[str]:
        """Return every flagged dose line, in reading order."""
        found: list[str] = []
        for item in self.fields:
            found.extend(item.dose_changes)
        for section in self.sections:
            found.extend(section.dose_changes)
        for variant in self.variants:
            # Variant labels already start with the audience name.
            found.extend(variant.dose_changes)
        return found

    @property
    def grade_changes(self) -> list[str]:
        """Return every changed, added or removed evidence grade, in reading order."""
        found: list[str] = []
        for item in self.fields:
            found.extend(item.grade_changes)
        for section in self.sections:
            found.extend(section.grade_changes)
        for variant in self.variants:
            found.extend(variant.grade_changes)
        return found

    @property
    def has_changes(self) -> bool:
        return bool(
            self.changed_fields or self.changed_sections or self.changed_variants or self.references.has_changes
        )


# --- words and lines ---------------------------------------------------------


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def word_diff_html(old: str, new: str) -> SafeString:
    """Return an escaped inline diff of two texts with <del> and <ins> around changed words."""
    old_tokens, new_tokens = _tokens(old or ""), _tokens(new or "")
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    parts: list[str] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        removed = escape("".join(old_tokens[i1:i2]))
        added = escape("".join(new_tokens[j1:j2]))
        if op == "equal":
            parts.append(added)
            continue
        if removed:
            parts.append(f"<del>{removed}</del>")
        if added:
            parts.append(f"<ins>{added}</ins>")
    # bandit waiver (reviewed): every piece was escape()d above.
    return mark_safe("".join(parts))  # nosec B308 B703


def _quote(text: str, limit: int = 160) -> str:
    text = text.strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return f"“{text}”"


def _dose_note(where: str, old: str | None, new: str | None) -> str:
    if old is not None and new is not None:
        return f"{where}: {_quote(old)} → {_quote(new)}"
    if new is not None:
        return f"{where}: added {_quote(new)}"
    return f"{where}: removed {_quote(old or '')}"


def _grade_label(value: str) -> str:
    grade = lookup_grade(value)
    return grade.label if grade else value


def _grade_note(where: str, old: str | None, new: str | None) -> str | None:
    """Return a note when a line's evidence grades differ between two versions, else None."""
    old_grades, new_grades = line_grades(old or ""), line_grades(new or "")
    if old_grades == new_grades:
        return None
    line = GRADE_RE.sub("", new if new is not None else old or "")
    statement = _quote(re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", line))  # without the list marker
    before = ", ".join(_grade_label(g) for g in old_grades)
    after = ", ".join(_grade_label(g) for g in new_grades)
    if old_grades and new_grades:
        return f"{where}: grade changed from {before} to {after} — {statement}"
    if new_grades:
        return f"{where}: graded {after} (was ungraded or new) — {statement}"
    return f"{where}: grade {before} removed — {statement}"


def _line(kind: str, inner: str, *, dose: bool, grade: bool = False) -> str:
    classes = f"diff-line diff-line--{kind}"
    if dose:
        classes += " diff-line--dose"
    if grade:
        classes += " diff-line--grade"
    marker = {"added": "+", "removed": "−", "changed": "~", "unchanged": " "}[kind]
    flag = '<span class="diff-dose-flag">Dose</span>' if dose else ""
    if grade:
        flag += '<span class="diff-dose-flag diff-grade-flag">Grade</span>'
    return f'<div class="{classes}"><span class="diff-marker" aria-hidden="true">{marker}</span>{flag}{inner}</div>'


def lines_diff(
    old_text: str, new_text: str, *, where: str, grade_notes: list[str] | None = None
) -> tuple[SafeString, list[str]]:
    """Return (html, dose notes) for a line-by-line diff with word diffs inside changed lines.

    When `grade_notes` is a list, a note for every changed evidence grade is appended to it.
    """
    old_lines = (old_text or "").splitlines()
    new_lines = (new_text or "").splitlines()
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    parts: list[str] = []
    notes: list[str] = []

    def graded(old: str | None, new: str | None) -> bool:
        note = _grade_note(where, old, new)
        if note and grade_notes is not None:
            grade_notes.append(note)
        return note is not None

    def removed(line: str) -> None:
        dose = mentions_dose(line)
        if dose:
            notes.append(_dose_note(where, line, None))
        grade = graded(line, None)
        parts.append(_line("removed", f"<del>{escape(line)}</del>" if line else "", dose=dose, grade=grade))

    def added(line: str) -> None:
        dose = mentions_dose(line)
        if dose:
            notes.append(_dose_note(where, None, line))
        grade = graded(None, line)
        parts.append(_line("added", f"<ins>{escape(line)}</ins>" if line else "", dose=dose, grade=grade))

    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.extend(_line("unchanged", escape(line), dose=False) for line in old_lines[i1:i2])
        elif op == "delete":
            for line in old_lines[i1:i2]:
                removed(line)
        elif op == "insert":
            for line in new_lines[j1:j2]:
                added(line)
        else:
            olds, news = old_lines[i1:i2], new_lines[j1:j2]
            for index in range(max(len(olds), len(news))):
                if index < len(olds) and index < len(news):
                    old_line, new_line = olds[index], news[index]
                    dose = mentions_dose(old_line) or mentions_dose(new_line)
                    if dose:
                        notes.append(_dose_note(where, old_line, new_line))
                    grade = graded(old_line, new_line)
                    parts.append(_line("changed", word_diff_html(old_line, new_line), dose=dose, grade=grade))
                elif index < len(olds):
                    removed(olds[index])
                else:
                    added(news[index])
    # bandit waiver (reviewed): each line is _line() over escape()d text.
    return mark_safe("".join(parts)), notes  # nosec B308 B703


# --- fields, sections, variants, references ----------------------------------


def field_diff(name: str, old: str, new: str, *, label: str | None = None, flag_doses: bool = False) -> FieldDiff:
    """Compare one text field; the html is an inline word diff."""
    old, new = old or "", new or ""
    label = label or FIELD_LABELS.get(name, name.title())
    notes: list[str] = []
    grade_notes: list[str] = []
    if flag_doses and old != new:
        _html, notes = lines_diff(old, new, where=label, grade_notes=grade_notes)
    return FieldDiff(
        name=name,
        label=label,
        old=old,
        new=new,
        changed=old != new,
        html=word_diff_html(old, new),
        dose_changes=notes,
        grade_changes=grade_notes,
    )


def split_sections(body: str) -> list[tuple[str, str]]:
    """Split a Markdown body into (heading, text) pairs at '## ' headings.

    Text before the first heading becomes a section with an empty heading;
    it is left out when it is blank.
    """
    sections: list[tuple[str, list[str]]] = [("", [])]
    for line in (body or "").splitlines():
        if line.startswith("## "):
            sections.append((line[3:].strip().rstrip("#").strip(), []))
        else:
            sections[-1][1].append(line)
    result = [(title, "\n".join(lines).strip("\n")) for title, lines in sections]
    if not result[0][1].strip():
        result = result[1:]
    return result


def _section_label(title: str) -> str:
    return title or "Introduction"


def sections_diff(old_body: str | None, new_body: str, *, where: str = "") -> list[SectionDiff]:
    """Match sections by heading and compare each; renamed headings in place count as changed."""
    old_sections = split_sections(old_body or "")
    new_sections = split_sections(new_body or "")
    matcher = difflib.SequenceMatcher(None, [t for t, _ in old_sections], [t for t, _ in new_sections], autojunk=False)
    prefix = f"{where} › " if where else ""
    result: list[SectionDiff] = []

    def compare(old: tuple[str, str] | None, new: tuple[str, str] | None) -> SectionDiff:
        old_title, old_text = old if old else ("", "")
        new_title, new_text = new if new else ("", "")
        title = new_title if new else old_title
        label = prefix + _section_label(title)
        grade_notes: list[str] = []
        html, notes = lines_diff(old_text if old else "", new_text if new else "", where=label, grade_notes=grade_notes)
        if old is None:
            status = "added"
        elif new is None:
            status = "removed"
        elif old == new:
            status = "unchanged"
        else:
            status = "changed"
        title_html = word_diff_html(old_title, new_title) if old and new else escape(_section_label(title))
        return SectionDiff(
            title=_section_label(title),
            status=status,
            html=html,
            dose_changes=notes,
            old_title=_section_label(old_title) if old else "",
            # bandit waiver (reviewed): word_diff_html output or an escape()d label.
            title_html=mark_safe(title_html),  # nosec B308 B703
            grade_changes=grade_notes,
        )

    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            result.extend(compare(o, n) for o, n in zip(old_sections[i1:i2], new_sections[j1:j2], strict=True))
        elif op == "delete":
            result.extend(compare(o, None) for o in old_sections[i1:i2])
        elif op == "insert":
            result.extend(compare(None, n) for n in new_sections[j1:j2])
        else:
            olds, news = old_sections[i1:i2], new_sections[j1:j2]
            # Pair headings that sit in the same place: a rename with edits is still one section.
            for index in range(max(len(olds), len(news))):
                old = olds[index] if index < len(olds) else None
                new = news[index] if index < len(news) else None
                result.append(compare(old, new))
    return result


def _variant_diff(
    audience_id: int, name: str, old: VariantContent | None, new: VariantContent | None, *, first: bool
) -> VariantDiff:
    old_summary = old.summary if old else ""
    new_summary = new.summary if new else ""
    summary = field_diff(
        "summary", old_summary, new_summary, label=gettext("%(name)s: summary") % {"name": name}, flag_doses=True
    )
    sections = sections_diff(old.body if old else "", new.body if new else "", where=name)
    if old is None or first:
        status = "added"
    elif new is None:
        status = "removed"
    elif old == new:
        status = "unchanged"
    else:
        status = "changed"
    return VariantDiff(
        audience_id=audience_id,
        audience_name=name,
        status=status,
        summary=summary,
        sections=sections,
        old_uses_default_body=bool(old) and not old.body.strip(),
        new_uses_default_body=bool(new) and not new.body.strip(),
    )


def _text(value) -> str:
    return "" if value is None else str(value)


def references_diff(old: tuple[ReferenceContent, ...], new: tuple[ReferenceContent, ...]) -> ReferenceDiff:
    """Return references added, removed and changed, matched by key."""
    old_by_key = {r.key: r for r in old}
    new_by_key = {r.key: r for r in new}
    diff = ReferenceDiff()
    for key, reference in new_by_key.items():
        before = old_by_key.get(key)
        if before is None:
            diff.added.append(reference)
        elif before != reference:
            changes = [
                ReferenceFieldChange(
                    name=name,
                    label=REFERENCE_LABELS[name],
                    old=_text(getattr(before, name)),
                    new=_text(getattr(reference, name)),
                )
                for name in REFERENCE_FIELDS
                if getattr(before, name) != getattr(reference, name)
            ]
            diff.changed.append(ReferenceChange(key=key, old=before, new=reference, changes=changes))
    diff.removed = [r for key, r in old_by_key.items() if key not in new_by_key]
    return diff


def normalised_for_diff(content: ArticleContent) -> ArticleContent:
    """Return a copy of the content with its text whitespace-normalised as the services store it."""
    fields = {name: normalise_markdown(getattr(content, name)) for name in MARKDOWN_ARTICLE_FIELDS}
    fields.update({name: normalise_line(getattr(content, name)) for name in LINE_ARTICLE_FIELDS})
    variants = tuple(
        replace(v, summary=normalise_markdown(v.summary), body=normalise_markdown(v.body)) for v in content.variants
    )
    return replace(content, **fields, variants=variants)


def content_diff(old: ArticleContent | None, new: ArticleContent, *, audience_names: dict[int, str]) -> ContentDiff:
    """Compare two versions of an article; with old=None everything shows as added (a first review).

    Whitespace is normalised on both sides first (see the module docstring).
    """
    first = old is None
    new = normalised_for_diff(new)
    old = None if first else normalised_for_diff(old)
    fields = [
        field_diff(
            name,
            "" if first else getattr(old, name),
            getattr(new, name),
            flag_doses=name == "summary",
        )
        for name in COMPARED_FIELDS
    ]
    sections = sections_diff(None if first else old.body, new.body)

    old_variants = {} if first else {v.audience_id: v for v in old.variants}
    new_variants = {v.audience_id: v for v in new.variants}
    order = {pk: index for index, pk in enumerate(audience_names)}
    audience_ids = sorted(set(old_variants) | set(new_variants), key=lambda pk: (order.get(pk, len(order)), pk))
    variants = [
        _variant_diff(
            pk,
            audience_names.get(pk, f"Audience #{pk}"),
            old_variants.get(pk),
            new_variants.get(pk),
            first=first,
        )
        for pk in audience_ids
    ]
    references = references_diff((), new.references) if first else references_diff(old.references, new.references)
    return ContentDiff(first_version=first, fields=fields, sections=sections, variants=variants, references=references)
