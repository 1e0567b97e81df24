"""Page building: turn the pinned content of a publication into PublishedPage field values.

Pure functions of their inputs (no database access), so the publisher, the
static export and tests all build the same page from the same content. The
HTML comes from ``textkit.rendering``, which sanitises everything it emits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from evidence.dosing.parser import parse_doses
from textkit.content import ArticleContent
from textkit.grades import active_scheme, graded_statements, grades_shown, schema_evidence_level
from textkit.rendering import render_content, render_markdown


@dataclass(frozen=True)
class AudienceInfo:
    id: int
    slug: str
    name: str
    plain_language: bool = False  # patients, caregivers: medical terms are explained from the glossary
    show_grades: bool = False  # Audience.shows_evidence_grades


@dataclass(frozen=True)
class DisclaimerInfo:
    id: int
    name: str
    text: str


@dataclass(frozen=True)
class PageData:
    """The field values of one PublishedPage, before it is saved."""

    audience_id: int | None
    title: str
    summary_html: str
    body_html: str
    references_html: str
    disclaimer_id: int | None
    disclaimer_html: str
    review_snapshot: dict[str, Any]
    data: dict[str, Any]
    content_hash: str


@dataclass(frozen=True)
class PageContext:
    """What every page of one publication shares besides its content."""

    content_hash: str
    review_snapshot: dict[str, Any]
    authors: tuple[str, ...] = ()
    disclaimers: dict[int | None, DisclaimerInfo | None] = field(default_factory=dict)
    glossary: tuple = ()  # textkit.readability.GlossaryEntry values, for plain-language pages
    # Standard codes looked up at go-live: "drug:<name>" / "condition:<name>" -> {"system", "code"} (issue 24).
    codes: dict[str, dict[str, str]] = field(default_factory=dict)


def split_drugs(drugs: str) -> list[str]:
    """Return the comma-separated drug names as a list, blanks dropped."""
    return [name.strip() for name in drugs.split(",") if name.strip()]


def build_page(content: ArticleContent, *, audience: AudienceInfo | None, context: PageContext) -> PageData:
    """Build the page of one audience (None: the default text) from the pinned content."""
    audience_id = audience.id if audience else None
    show_grades = bool(audience and audience.show_grades)
    glossary = context.glossary if audience is not None and audience.plain_language else ()
    # In the text's own language: the engine's own words (the glossary's heading) follow it.
    with grades_shown(show_grades), translation.override(content.language or settings.LANGUAGE_CODE):
        rendered = render_content(content, audience_id=audience_id, glossary=glossary)
    disclaimer = context.disclaimers.get(audience_id)
    if disclaimer is None and audience_id is not None:
        disclaimer = context.disclaimers.get(None)
    return PageData(
        audience_id=audience_id,
        title=content.title,
        summary_html=rendered.summary_html,
        body_html=rendered.body_html + rendered.glossary_html,
        references_html=rendered.references_html,
        disclaimer_id=disclaimer.id if disclaimer else None,
        disclaimer_html=render_markdown(disclaimer.text) if disclaimer else "",
        review_snapshot=dict(context.review_snapshot),
        data={
            "audience": audience.slug if audience else None,
            "audience_name": audience.name if audience else None,
            "condition": content.condition,
            "drugs": split_drugs(content.drugs),
            "authors": list(context.authors),
            "sections": [
                {"title": section.title, "anchor": section.anchor, "html": section.html}
                for section in rendered.sections
            ],
            "references": [
                {
                    "number": ref.number,
                    "key": ref.key,
                    "kind": ref.kind,
                    "kind_label": ref.kind_label,
                    "title": ref.title,
                    "authors": ref.authors,
                    "source": ref.source,
                    "year": ref.year,
                    "pmid": ref.pmid,
                    "doi": ref.doi,
                    "url": ref.url,
                }
                for ref in rendered.references
            ],
            "recommendations": recommendations(content, audience_id=audience_id) if show_grades else [],
            "condition_code": context.codes.get("condition:" + " ".join(content.condition.lower().split())),
            "drug_codes": {
                name: context.codes[f"drug:{' '.join(name.lower().split())}"]
                for name in split_drugs(content.drugs)
                if f"drug:{' '.join(name.lower().split())}" in context.codes
            },
            "dose_schedules": dose_schedules(content, audience_id=audience_id),
        },
        content_hash=context.content_hash,
    )


def _frequency(statement) -> str:
    if statement.interval_hours is not None:
        return f"every {format(statement.interval_hours.normalize(), 'f')} hours"
    if statement.per_day is not None:
        per_day = statement.per_day
        if per_day < 1:
            return f"{format((per_day * 7).quantize(Decimal('0.01')).normalize(), 'f')} times a week"
        return f"{format(per_day.normalize(), 'f')} times a day"
    return ""


def dose_schedules(content: ArticleContent, *, audience_id: int | None) -> list[dict[str, Any]]:
    """Return the dose statements of an audience's approved text as schema.org DoseSchedule fields, in order.

    Pure: read from the pinned content by evidence.dosing.parser, so the stored
    page's JSON-LD comes from the approved revision only.
    """
    drugs = split_drugs(content.drugs)
    found = []
    for text in content.text_for(audience_id):
        for statement in parse_doses(text, drugs, language=content.language).statements:
            value = format(statement.amount_low.normalize(), "f")
            if statement.amount_high is not None:
                value += "-" + format(statement.amount_high.normalize(), "f")
            unit = statement.unit + ("/day" if statement.daily_total else "")
            found.append(
                {
                    "drug": statement.drug,
                    "doseValue": value,
                    "doseUnit": unit,
                    "frequency": _frequency(statement),
                    "targetPopulation": ", ".join(statement.population),
                    "route": statement.route or "",
                    "maximum": statement.maximum,
                }
            )
    return found


def recommendations(content: ArticleContent, *, audience_id: int | None) -> list[dict[str, Any]]:
    """Return the graded recommendations of an audience's text: statement, grade, scheme, meaning.

    The label and meaning are in the text's language, as its badges are.
    """
    with translation.override(content.language or settings.LANGUAGE_CODE):
        return _recommendations(content, audience_id)


def _recommendations(content: ArticleContent, audience_id: int | None) -> list[dict[str, Any]]:
    scheme = active_scheme()
    found = []
    for text in content.text_for(audience_id):
        for item in graded_statements(text):
            if item.grade is None:
                continue
            found.append(
                {
                    "statement": item.statement,
                    "grade": item.grade.label,  # the scheme's own (English) word: data, like the scheme
                    "label": gettext(item.grade.label),  # in the text's language, for readers
                    "scheme": scheme.name,
                    "meaning": gettext(item.grade.meaning),
                    "evidence_level": schema_evidence_level(item.grade),
                }
            )
    return found


def build_pages(content: ArticleContent, *, audiences: list[AudienceInfo], context: PageContext) -> list[PageData]:
    """Build the default page and one page for every given audience."""
    return [build_page(content, audience=None, context=context)] + [
        build_page(content, audience=audience, context=context) for audience in audiences
    ]
