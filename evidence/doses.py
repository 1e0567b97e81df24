"""An article's dose statements checked against the imported labels (issue 24): the reads the studio,
the review page, the approval guard and the label watch share.

`dose_report(content, audience_names)` parses every audience's summary and
body (`evidence.dosing.parser`), finds the label of each drug through the
article's FDA-label references (their SPL Set ID, the newest imported
`LabelDosing` of it) and checks each statement (`evidence.dosing.compare`).
It costs one query whatever the article's length. A statement counts as cited
when a citation (``[@key]``) follows it on the same line; the version the
article was approved against is the reference's recorded SPL version.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext

from textkit.content import ArticleContent
from textkit.markdown_linear import blank_code_spans

from .dosing.compare import DoseCheck, LabelDoses, check_statement
from .dosing.label import LabelStatement
from .dosing.parser import DoseStatement, DoseWarning, parse_doses
from .models import LabelDosing


@dataclass(frozen=True)
class DoseRow:
    """One statement of one text of the article and its check."""

    location: str
    text: str
    check: DoseCheck

    @property
    def explanation(self) -> str:
        """The check's detail in the reader's language ("" when the result says it all)."""
        return explain(self.check)


@dataclass(frozen=True)
class DoseWarningRow:
    location: str
    warning: DoseWarning


@dataclass
class DoseReport:
    rows: list[DoseRow] = field(default_factory=list)
    warnings: list[DoseWarningRow] = field(default_factory=list)
    labels: dict[str, LabelDoses] = field(default_factory=dict)

    @property
    def blocking(self) -> list[DoseRow]:
        return [row for row in self.rows if row.check.blocking]

    def outcomes(self) -> list[tuple[str, str, str]]:
        """(location, statement, result) per statement, the label's version left out: what a label change can alter."""
        return [
            (row.location, row.text, "match" if row.check.code == "label_newer_than_approval" else row.check.code)
            for row in self.rows
        ]


def dose_changes(before: DoseReport, after: DoseReport) -> list[str]:
    """Return a line per statement whose check result differs between two reports of the same text."""
    return [
        f"“{text}” ({location}): {old.replace('_', ' ')} → {new.replace('_', ' ')}"
        for (location, text, old), (_, _, new) in zip(before.outcomes(), after.outcomes(), strict=True)
        if old != new
    ]


def result_label(check: DoseCheck) -> str:
    """Return the check's result in words, as the dose table shows it."""
    labels = {
        "match": gettext("matches the label"),
        "outside_range": gettext("outside the label's range"),
        "different_unit": gettext("different unit from the label"),
        "different_frequency": gettext("different frequency from the label"),
        "not_in_label": gettext("not in the label"),
        "label_newer_than_approval": gettext("label newer than the approval"),
    }
    return labels.get(check.code, check.code)


def explain(check: DoseCheck) -> str:
    """Return the detail of a check for people: which label dose it was held against, or why none."""
    label_population = ", ".join(check.label_statement.statement.population) if check.label_statement else ""
    if check.code == "not_in_label":
        if not check.label_known:
            return ""
        if check.statement.population and check.note.startswith("the label has no dose for"):
            return gettext("The label has no dose for %(population)s.") % {
                "population": ", ".join(check.statement.population)
            }
        return gettext("The label gives no dose of this drug.")
    if check.code == "different_unit":
        return gettext("The label gives this drug's dose in %(units)s.") % {"units": check.note.partition(": ")[2]}
    if check.code in {"match", "label_newer_than_approval"}:
        if check.note:
            return gettext("Matches the label's dose for %(population)s.") % {"population": label_population}
        return ""
    return gettext("Nearest label dose: %(dose)s") % {"dose": check.note}


def _texts(content: ArticleContent, audience_names: dict[int, str]):
    yield gettext("Summary"), content.summary
    yield gettext("Body"), content.body
    for variant in content.variants:
        name = audience_names.get(variant.audience_id, gettext("Audience %(id)s") % {"id": variant.audience_id})
        yield gettext("%(audience)s version — summary") % {"audience": name}, variant.summary
        yield gettext("%(audience)s version — body") % {"audience": name}, variant.body


def label_doses(
    content: ArticleContent, versions: dict[str, LabelDosing] | None = None
) -> tuple[dict[str, LabelDoses], dict[str, int]]:
    """Return the labels of the article's drugs by lower-case drug name, and the version each reference cites.

    Each label is the newest imported version of the reference's Set ID, or
    the one `versions` gives for that Set ID (the label watch compares two).
    """
    cited_versions = {
        ref.spl_set_id.lower(): ref.spl_version
        for ref in content.references
        if ref.kind == "fda_label" and ref.spl_set_id
    }
    if not cited_versions:
        return {}, {}
    newest: dict[str, LabelDosing] = dict(versions or {})
    wanted = [set_id for set_id in cited_versions if set_id not in newest]
    for dosing in LabelDosing.objects.filter(set_id__in=wanted).order_by("set_id", "-version") if wanted else ():
        newest.setdefault(dosing.set_id, dosing)
    labels: dict[str, LabelDoses] = {}
    approved: dict[str, int] = {}
    for set_id, dosing in newest.items():
        statements = tuple(
            LabelStatement(
                DoseStatement.from_dict(item["statement"]),
                item.get("indication", ""),
                tuple(item.get("headings", ())),
                item.get("text", ""),
            )
            for item in dosing.statements
        )
        label = LabelDoses(dosing.set_id, dosing.version, tuple(dosing.drugs), statements)
        for drug in dosing.drugs:
            labels.setdefault(drug.lower(), label)
            if cited_versions.get(set_id) is not None:
                approved.setdefault(drug.lower(), cited_versions[set_id])
    return labels, approved


def dose_report(
    content: ArticleContent,
    audience_names: dict[int, str] | None = None,
    *,
    versions: dict[str, LabelDosing] | None = None,
) -> DoseReport:
    """Return every dose statement of every text of the article with its check against the drug's label."""
    labels, approved = label_doses(content, versions)
    drugs = list(dict.fromkeys([d.strip() for d in (content.drugs or "").split(",") if d.strip()] + list(labels)))
    report = DoseReport(labels=labels)
    for location, text in _texts(content, audience_names or {}):
        if not text:
            continue
        # Code spans are shown literally (a marker there is not one), so they hold no statements.
        result = parse_doses(blank_code_spans(text), drugs, language=content.language)
        for statement in result.statements:
            line_end = text.find("\n", statement.end)
            cited = "[@" in text[statement.end : line_end if line_end >= 0 else len(text)]
            check = check_statement(
                statement,
                labels.get(statement.drug.lower()),
                cited=cited,
                approved_version=approved.get(statement.drug.lower()),
            )
            report.rows.append(DoseRow(location, text[statement.start : statement.end], check))
        report.warnings.extend(DoseWarningRow(location, warning) for warning in result.warnings)
    return report
