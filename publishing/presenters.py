"""What a reader page shows, computed without a request: dates, the review stepper, schema.org data.

Shared by the reader views and by publishing/pages.py, which renders the
stored pages outside any request; neither imports the other for these.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_noop

from articles.models import Audience
from cms import languages
from cms.pagination import PER_PAGE

from . import selectors as rs
from .models import FurnitureChange, Publication, PublishedPage

# Articles per page of the A–Z index (publishing.pages.list_addresses reads it to list the pages).
INDEX_PAGE_SIZE = PER_PAGE
# Labels marked, not translated, here: the stepper translates them when a page is rendered.
STAGES = (
    ("submitted", gettext_noop("Submitted"), "submitted_at"),
    ("in_review", gettext_noop("Under Review"), "review_started_at"),
    ("approved", gettext_noop("Approved"), "approved_at"),
)

_JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


def json_for_script(data: Any) -> SafeString:
    """Serialise data as JSON that cannot close or break out of a <script> element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False, default=str).translate(_JSON_SCRIPT_ESCAPES)
    # Safe: every <, > and & is escaped above, so the text cannot end the script element.
    # bandit waiver (reviewed): every <, > and & is escaped above.
    return mark_safe(text)  # noqa: S308  # nosec B308 B703


def absolute_url(path: str) -> str:
    """Return the public absolute URL of a site path."""
    return f"{settings.SITE_URL}{path}"


def when(value: str | None) -> dt.datetime | dt.date | None:
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is not None:
        return parsed
    return parse_date(value[:10])


def _date_iso(value: str | None) -> str | None:
    parsed = when(value)
    if parsed is None:
        return None
    return (parsed.date() if isinstance(parsed, dt.datetime) else parsed).isoformat()


def review_stepper(snapshot: dict) -> list[dict]:
    """Return the review stages with done/current flags and dates from a review snapshot."""
    stage = snapshot.get("stage") or "submitted"
    order = [key for key, _, _ in STAGES]
    current = order.index(stage) if stage in order else 0
    return [
        {
            "key": key,
            "label": gettext(label),
            "date": when(snapshot.get(date_field)),
            "done": index < current or (index == current and key == "approved"),
            "current": index == current,
        }
        for index, (key, label, date_field) in enumerate(STAGES)
    ]


def _schema_audience(audience: Audience | None) -> dict:
    if audience is None:
        return {"@type": "MedicalAudience", "audienceType": "General public"}
    if audience.is_professional:
        return {"@type": "MedicalAudience", "audienceType": "Clinician", "name": audience.name}
    if audience.slug == "patient":
        return {"@type": "Patient", "name": audience.name}
    return {"@type": "MedicalAudience", "audienceType": audience.name, "name": audience.name}


def _schema_code(code: dict) -> dict:
    return {"@type": "MedicalCode", "codeValue": code["code"], "codingSystem": code["system"]}


def _schema_drug(name: str, data: dict) -> dict:
    """A Drug with its code and a doseSchedule per dose statement of the page's approved text (issue 24)."""
    drug: dict[str, Any] = {"@type": "Drug", "name": name}
    code = (data.get("drug_codes") or {}).get(name)
    if code:
        drug["code"] = _schema_code(code)
    schedules = []
    for item in data.get("dose_schedules") or []:
        if item["drug"].lower() != name.lower():
            continue
        schedule: dict[str, Any] = {
            "@type": "MaximumDoseSchedule" if item.get("maximum") else "DoseSchedule",
            "doseValue": item["doseValue"],
            "doseUnit": item["doseUnit"],
        }
        if item.get("frequency"):
            schedule["frequency"] = item["frequency"]
        if item.get("targetPopulation"):
            schedule["targetPopulation"] = item["targetPopulation"]
        schedules.append(schedule)
    if schedules:
        drug["doseSchedule"] = schedules
    return drug


def _schema_citation(ref: dict) -> dict:
    citation: dict[str, Any] = {"@type": "CreativeWork", "name": ref.get("title", "")}
    if ref.get("authors"):
        citation["author"] = ref["authors"]
    if ref.get("source"):
        citation["publisher"] = ref["source"]
    if ref.get("year"):
        citation["datePublished"] = str(ref["year"])
    identifiers = []
    if ref.get("pmid"):
        identifiers.append({"@type": "PropertyValue", "propertyID": "PMID", "value": ref["pmid"]})
        citation["sameAs"] = f"https://pubmed.ncbi.nlm.nih.gov/{ref['pmid']}/"
    if ref.get("doi"):
        identifiers.append({"@type": "PropertyValue", "propertyID": "DOI", "value": ref["doi"]})
        citation.setdefault("sameAs", f"https://doi.org/{ref['doi']}")
    if identifiers:
        citation["identifier"] = identifiers
    if ref.get("url"):
        citation["url"] = ref["url"]
    return citation


def _source_url(article) -> str:
    source = article.translation_of
    with languages.reading(source.language):
        return absolute_url(reverse("reader:article", args=[source.slug]))


def article_structured_data(
    page: PublishedPage,
    *,
    audience: Audience | None,
    first_published: dt.datetime | None,
    url: str | None = None,
    source_live: bool = True,
) -> dict:
    """Return the schema.org MedicalWebPage description of one published page (url: its canonical address).

    A translation names the work it translates only while that source is live
    (``source_live``): an archived or withdrawn source's address is a dead end.
    """
    snapshot = page.review_snapshot or {}
    data = page.data or {}
    publication = page.publication
    url = url or absolute_url(reverse("reader:article", args=[publication.slug]))
    condition: dict[str, Any] = {"@type": "MedicalCondition", "name": data.get("condition", "")}
    if data.get("condition_code"):
        condition["code"] = _schema_code(data["condition_code"])
    if data.get("drugs"):
        condition["drug"] = [_schema_drug(name, data) for name in data["drugs"]]
    structured: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "@id": url,
        "url": url,
        "name": page.title,
        "headline": page.title,
        "about": condition,
        "aspect": "treatment",
        "audience": _schema_audience(audience),
        "datePublished": (first_published or publication.live_at or page.rendered_at).isoformat(),
        "dateModified": (when(snapshot.get("last_updated")) or publication.live_at or page.rendered_at).isoformat(),
        "reviewedBy": [
            {
                "@type": "Person",
                "name": reviewer.get("name", ""),
                "jobTitle": reviewer.get("credentials", ""),
                "hasCredential": {
                    "@type": "EducationalOccupationalCredential",
                    "name": reviewer.get("credentials", ""),
                },
            }
            for reviewer in snapshot.get("reviewers", [])
        ],
        "citation": [_schema_citation(ref) for ref in data.get("references", [])],
        "publishingPrinciples": absolute_url(reverse("reader:editorial_policy")),
        "inLanguage": publication.article.language,
    }
    if publication.article.translation_of_id and source_live:
        structured["translationOfWork"] = {"@id": _source_url(publication.article)}
    if data.get("recommendations"):
        structured["hasPart"] = [
            {
                "@type": "MedicalGuidelineRecommendation",
                "description": item["statement"],
                "evidenceLevel": item["evidence_level"],
                "evidenceOrigin": f"{item['scheme']} {item.get('label', item['grade'])}: {item['meaning']}",
            }
            for item in data["recommendations"]
        ]
    if snapshot.get("last_reviewed"):
        structured["lastReviewed"] = snapshot["last_reviewed"]
    if data.get("authors"):
        structured["author"] = [{"@type": "Person", "name": name} for name in data["authors"]]
    if snapshot.get("kind") == Publication.Kind.PROVISIONAL:
        structured["creativeWorkStatus"] = "Pending medical review"
    return structured


def article_path(slug: str, audience_slug: str | None = None) -> str:
    """Return the public address of an article for an audience (None: the default text)."""
    if audience_slug:
        return reverse("reader:article_for", args=[slug, audience_slug])
    return reverse("reader:article", args=[slug])


def language_links(publication: Publication, audience: Audience | None) -> dict:
    """Return this page's other languages (hreflang and the chooser) and the out-of-date notice of a translation.

    Rendered under the page's own language; each alternate's address is made
    in its language (``/es/articles/…`` for Spanish). One query, whatever the
    number of languages (``publication_family_live``).
    """
    article = publication.article
    alternates, source = [], None
    for live in rs.publication_family_live(article):
        code = live.article.language
        with languages.reading(code):
            path = article_path(live.slug or live.article.slug, audience.slug if audience else None)
        link = {
            "code": code,
            "name": languages.language_name(code),  # its own name, for the chooser
            "in_text": languages.language_in_text(code),  # as the page's sentences say it
            "path": path,
            "url": absolute_url(path),
        }
        alternates.append(link)
        if live.article_id == (article.translation_of_id or article.pk):
            source = link
    newer_source = source if article.translation_out_of_date and source and source["code"] != article.language else None
    return {
        "language": article.language,
        "language_name": languages.language_name(article.language),
        "alternates": alternates if len(alternates) > 1 else [],
        "x_default": source["url"] if source and len(alternates) > 1 else "",
        "newer_source": newer_source,
        "source_live": source is not None,
    }


def furniture_change_summary(change: FurnitureChange) -> str:
    """Return a change log line in the reader's language ("Aviso para profesionales actualizado (inglés)").

    ``FurnitureChange.summary`` keeps the English sentence the approval wrote,
    for the revision comment and the audit trail; readers get this one, made
    from the change's own fields. A disclaimer's name is its text, in its own
    language. Needs ``proposed``, ``language``, ``version``, ``kind``, ``summary``
    and the board member's ``display_name`` (``furniture_change_log``).
    """
    proposed = change.proposed or {}
    if change.kind == FurnitureChange.Kind.DISCLAIMER:
        name = proposed.get("name", "")
        # The approval of a new disclaimer wrote exactly "<name> added"; every other one "<name> updated".
        if change.summary == f"{name} added":
            line = gettext("%(name)s added") % {"name": name}
        else:
            line = gettext("%(name)s updated") % {"name": name}
    elif change.kind == FurnitureChange.Kind.POLICY:
        line = gettext("Editorial policy updated")
    else:
        name = change.board_member.display_name if change.board_member_id else ""
        line = gettext("Biography and disclosures of %(name)s updated") % {"name": name}
    if change.language and change.language != languages.default_language():
        line = gettext("%(change)s (%(language)s)") % {
            "change": line,
            "language": languages.language_in_text(change.language),
        }
    return line
