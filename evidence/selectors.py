"""Evidence-watch reads: the alert report, the dashboard summary and each reference's status for review."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from textkit.content import ArticleContent
from textkit.grades import GradedStatement, graded_statements

from .models import EvidenceAlert, EvidenceImport, EvidenceJustification, Retraction
from .services import label_index, notices_for, retraction_index, superseding_label

DASHBOARD_LIMIT = 10
# Alerts that still make their article due for re-review (a resolved or withdrawn one no longer does).
DUE_STATES = (EvidenceAlert.State.OPEN, EvidenceAlert.State.ACKNOWLEDGED, EvidenceAlert.State.RE_REVIEW)
FINDING_WORDS = {
    EvidenceAlert.Kind.RETRACTION: "retracted",
    EvidenceAlert.Kind.CORRECTION: "corrected",
    EvidenceAlert.Kind.CONCERN: "expression of concern",
    EvidenceAlert.Kind.LABEL: "newer drug label",
}


def alert_due_reasons(articles: list) -> dict[int, list[str]]:
    """Return, per article, its alerts as reasons for re-review ("Evidence alert — retracted: “title” [@key]").

    Registered in cms.hooks.DUE_REASONS; one query for the list.
    """
    alerts = (
        EvidenceAlert.objects.filter(article__in=[a.pk for a in articles], state__in=DUE_STATES)
        .only("article_id", "kind", "reference_key", "reference_title")
        .order_by("-severity", "created_at", "pk")
    )
    reasons: dict[int, list[str]] = {}
    for alert in alerts:
        finding = FINDING_WORDS.get(alert.kind, alert.get_kind_display().lower())
        title = alert.reference_title or alert.reference_key
        reasons.setdefault(alert.article_id, []).append(
            f"Evidence alert — {finding}: “{title}” [@{alert.reference_key}]"
        )
    return reasons


def alert_report(*, state: str | None = None) -> QuerySet[EvidenceAlert]:
    """Return alerts for the report, most severe first and then oldest first, with the columns it shows."""
    alerts = EvidenceAlert.objects.select_related("article", "handled_by").only(
        "pk",
        "kind",
        "severity",
        "reference_key",
        "reference_title",
        "message",
        "state",
        "created_at",
        "handled_at",
        "handled_note",
        "article__id",
        "article__title",
        "article__slug",
        "article__status",
        "handled_by__id",
        "handled_by__username",
    )
    if state:
        alerts = alerts.filter(state=state)
    return alerts.order_by("-severity", "created_at", "pk")


def alert_dashboard_summary() -> list[EvidenceAlert]:
    """Return up to DASHBOARD_LIMIT + 1 open alerts, most severe and oldest first (one query; +1 tells "more")."""
    return list(alert_report(state=EvidenceAlert.State.OPEN)[: DASHBOARD_LIMIT + 1])


def last_import(kind: str) -> EvidenceImport | None:
    """Return the latest finished import of a kind ("retractions" or "labels"), or None."""
    return EvidenceImport.objects.filter(kind=kind, finished_at__isnull=False).order_by("-finished_at").first()


@dataclass
class ReferenceStatus:
    """One reference of the version under review, with what the last imports say about it."""

    key: str
    title: str
    kind: str
    notices: list[Retraction] = field(default_factory=list)
    label_current: int | None = None  # the current version when the cited one is older
    cited_version: int | None = None
    justification: EvidenceJustification | None = None

    @property
    def flagged(self) -> bool:
        return bool(self.notices) or self.label_current is not None


@dataclass
class EvidencePanel:
    """What the review page shows about the evidence: reference statuses, grades, import dates."""

    references: list[ReferenceStatus]
    grades: list[tuple[str, GradedStatement]]  # (where, statement)
    retractions_imported: EvidenceImport | None
    labels_imported: EvidenceImport | None

    @property
    def flagged_count(self) -> int:
        return sum(1 for ref in self.references if ref.flagged)


def evidence_panel(article_id: int, content: ArticleContent, audience_names: dict[int, str]) -> EvidencePanel:
    """Return the evidence status of a version's references and its graded statements (a fixed number of queries)."""
    retractions, labels = retraction_index(content.references), label_index(content.references)
    justifications = {j.reference_key: j for j in EvidenceJustification.objects.filter(article_id=article_id)}
    statuses = []
    for ref in content.references:
        label = superseding_label(ref, labels)
        statuses.append(
            ReferenceStatus(
                key=ref.key,
                title=ref.title,
                kind=ref.kind,
                notices=notices_for(ref, retractions),
                label_current=label.version if label else None,
                cited_version=ref.spl_version,
                justification=justifications.get(ref.key),
            )
        )
    grades: list[tuple[str, GradedStatement]] = []
    texts = [("Summary", content.summary), ("Body", content.body)]
    for variant in content.variants:
        name = audience_names.get(variant.audience_id, f"Audience {variant.audience_id}")
        texts += [(f"{name} version — summary", variant.summary), (f"{name} version — body", variant.body)]
    for where, text in texts:
        grades.extend((f"{where}, line {item.line}", item) for item in graded_statements(text))
    return EvidencePanel(
        references=statuses,
        grades=grades,
        retractions_imported=last_import(EvidenceImport.Kind.RETRACTIONS),
        labels_imported=last_import(EvidenceImport.Kind.LABELS),
    )
