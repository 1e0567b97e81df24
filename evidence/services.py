"""Evidence-watch services: imports, matching approved articles against them, alerts and justifications.

Matching reads the references of each watched article's *approved* revision
(the text readers can see), never the working copy. A finding is raised once:
an alert is unique per article, reference and finding (a Retraction Watch
record, or a label's Set ID and version), so the daily job and repeated
imports are idempotent and an acknowledged alert stays acknowledged.

Raising an alert never changes a reader page. An open alert whose finding
the article's newest approved text no longer has (the paper was removed, or
the label version brought up to date, and the board approved that) is
closed as "resolved" by the next match. It makes the article due for
re-review today (the editors' overdue list and the daily re-review email
pick it up) and emails editors and the board after the transaction commits.
A person then acknowledges it, opens a re-review, or withdraws/marks the
page; each of those is a WorkflowEvent. Withdrawing goes through a hook
that the publishing app registers (`cms.hooks.PAGE_WITHDRAWERS`): this app
sits before publishing in the data flow and does not import it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO

from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from reversion.models import Version

from articles.identifiers import normalise_doi, normalise_pmid
from articles.models import Article, Reference
from articles.selectors import audience_names
from audit.models import WorkflowEvent
from audit.services import event_record
from cms import hooks, roles
from cms.tasks import enqueue_on_commit
from review.exceptions import ApprovalBlocked
from textkit.checks import ERROR, WARNING, CheckResult
from textkit.content import ArticleContent, ReferenceContent

from . import doses, files
from .dosing.label import LabelError, parse_label
from .exceptions import EvidenceFileError, EvidencePermissionError, InvalidAlertAction
from .models import (
    DoseCheckAcceptance,
    EvidenceAlert,
    EvidenceImport,
    EvidenceJustification,
    LabelDosing,
    LabelVersion,
    Retraction,
    VocabularyCode,
)

logger = logging.getLogger(__name__)
Alert = EvidenceAlert
BATCH = 500
# Natures that make a citation suspect; a reinstatement clears nothing by itself but raises nothing either.
FLAGGED_NATURES = {
    Retraction.Nature.RETRACTION: (Alert.Kind.RETRACTION, Alert.Severity.CRITICAL),
    Retraction.Nature.CONCERN: (Alert.Kind.CONCERN, Alert.Severity.HIGH),
    Retraction.Nature.CORRECTION: (Alert.Kind.CORRECTION, Alert.Severity.MODERATE),
}
LABEL_SEVERITY = Alert.Severity.HIGH

# --------------------------------------------------------------------------- imports


@dataclass
class ImportResult:
    """What one import did: the EvidenceImport row and the problems, one per skipped row."""

    record: EvidenceImport
    problems: list[str]


def _save_batch(model, key: str, rows: list[dict], record: EvidenceImport) -> int:
    keys = [row[key] for row in rows]
    existing = {getattr(obj, key): obj for obj in model.objects.filter(**{f"{key}__in": keys})}
    now = timezone.now()
    new, changed = [], []
    names = [name for name in rows[0] if name != key] if rows else []
    for row in rows:
        obj = existing.get(row[key])
        if obj is None:
            new.append(model(**row, imported_by=record, imported_at=now))
            continue
        for name in names:
            setattr(obj, name, row[name])
        obj.imported_by = record
        obj.imported_at = now
        changed.append(obj)
    # Evidence tables are not versioned content, so bulk writes are safe here.
    model.objects.bulk_create(new)
    if changed:
        model.objects.bulk_update(changed, [*names, "imported_by", "imported_at"])
    return len(rows)


# The file's own column names, for messages about a value that does not fit its column.
COLUMN_NAMES = {
    "record_id": "Record ID",
    "original_paper_doi": "OriginalPaperDOI",
    "original_paper_pmid": "OriginalPaperPubMedID",
    "retraction_doi": "RetractionDOI",
    "retraction_pmid": "RetractionPubMedID",
    "nature_text": "RetractionNature",
    "set_id": "SETID",
    "version": "SPL_VERSION",
    "title": "TITLE",
}


def _does_not_fit(model, row: dict) -> str:
    """Return why a parsed row's values do not fit the table (too long, out of range), or ""."""
    for name, value in row.items():
        field = model._meta.get_field(name)
        column = COLUMN_NAMES.get(name, str(field.verbose_name))
        if isinstance(value, str) and field.max_length and len(value) > field.max_length:
            return f"{column} is {len(value)} characters long; at most {field.max_length} fit"
        if isinstance(value, int) and not isinstance(value, bool):
            # The portable limits (PostgreSQL's), so a file imports the same on every database.
            low, high = BaseDatabaseOperations.integer_field_ranges.get(field.get_internal_type(), (None, None))
            if (low is not None and value < low) or (high is not None and value > high):
                return f"{column} {value} is out of range ({low} to {high})"
    return ""


def _save(model, key: str, pending: dict[str, tuple[int, dict]], record: EvidenceImport, problems: list[str]) -> int:
    """Save a batch in one savepoint; if the database refuses it, save row by row and report the refused lines."""
    rows = [row for _, row in pending.values()]
    try:
        with transaction.atomic():
            return _save_batch(model, key, rows, record)
    except DatabaseError:
        logger.warning("evidence import: a batch was refused; saving its %d rows one by one", len(rows))
    saved = 0
    for line, row in pending.values():
        try:
            with transaction.atomic():
                saved += _save_batch(model, key, [row], record)
        except DatabaseError as exc:
            problems.append(f"Line {line}: skipped, the database refused it ({str(exc).strip().splitlines()[0]}).")
    return saved


def _import(kind: str, stream: IO[str], *, source: str, rows_of, model, key: str) -> ImportResult:
    record = EvidenceImport.objects.create(kind=kind, source=source[:500])
    problems: list[str] = []
    pending: dict[str, tuple[int, dict]] = {}
    saved = read = 0
    for line, row in rows_of(stream):
        read += 1
        if isinstance(row, files.RowProblem):
            problems.append(f"Line {line}: skipped, {row.message}.")
            continue
        why = _does_not_fit(model, row)
        if why:
            problems.append(f"Line {line}: skipped, {why}.")
            continue
        pending[row[key]] = (line, row)  # a later row for the same key wins, as in the file
        if len(pending) >= BATCH:
            saved += _save(model, key, pending, record, problems)
            pending = {}
    if pending:
        saved += _save(model, key, pending, record, problems)
    problems.sort(key=lambda text: int(text.split()[1].rstrip(":")))
    record.rows_read = read
    record.rows_saved = saved
    record.rows_skipped = len(problems)
    record.problems = "\n".join(problems[:1000]) + (
        f"\n… and {len(problems) - 1000} more" if len(problems) > 1000 else ""
    )
    record.finished_at = timezone.now()
    record.save(update_fields=["rows_read", "rows_saved", "rows_skipped", "problems", "finished_at"])
    return ImportResult(record=record, problems=problems)


def retractions_import(stream: IO[str], *, source: str) -> ImportResult:
    """Import a Retraction Watch CSV stream (rows upserted by Record ID); bad rows are skipped and reported.

    Raise EvidenceFileError, saving nothing, when the file lacks the columns to match on.
    """
    return _import(
        EvidenceImport.Kind.RETRACTIONS,
        stream,
        source=source,
        rows_of=files.retraction_rows,
        model=Retraction,
        key="record_id",
    )


def label_versions_import(stream: IO[str], *, source: str) -> ImportResult:
    """Import DailyMed's listing of current FDA label versions (SETID|ZIP_FILE_NAME|UPLOAD_DATE|SPL_VERSION|TITLE)."""
    return _import(
        EvidenceImport.Kind.LABELS, stream, source=source, rows_of=files.label_rows, model=LabelVersion, key="set_id"
    )


@transaction.atomic
def label_document_import(data: bytes, *, source: str) -> tuple[LabelDosing, ImportResult]:
    """Import one label's SPL XML: store its dose statements for its version and bring LabelVersion up to it.

    The statements are those of the Dosage and Administration section
    (`evidence.dosing.label`). The Set ID's LabelVersion row is created, or
    moved to this version when it is newer, so the evidence watch sees it
    like a version from the DailyMed listing. Raise EvidenceFileError, saving
    nothing, for a file that is not a usable SPL document.
    """
    try:
        label = parse_label(data)
    except LabelError as exc:
        raise EvidenceFileError(
            gettext("%(source)s cannot be read as an SPL label: %(reason)s") % {"source": source, "reason": exc}
        ) from exc
    problems = []
    if not label.has_dosage_section:
        problems.append(gettext("The label has no Dosage and Administration section (LOINC 34068-7)."))
    elif not label.statements:
        problems.append(gettext("No dose statement could be read from the Dosage and Administration section."))
    record = EvidenceImport.objects.create(kind=EvidenceImport.Kind.LABEL_DOCUMENTS, source=source[:500])
    dosing, _ = LabelDosing.objects.update_or_create(
        set_id=label.set_id,
        version=label.version,
        defaults={
            "effective_date": label.effective_date,
            "title": label.title,
            "drugs": list(label.drugs),
            "statements": [item.as_dict() for item in label.statements],
            "imported_by": record,
        },
    )
    current = LabelVersion.objects.select_for_update().filter(set_id=label.set_id).first()
    if current is None:
        LabelVersion.objects.create(
            set_id=label.set_id,
            version=label.version,
            published_date=label.effective_date,
            title=label.title,
            imported_by=record,
        )
    elif current.version < label.version:
        current.version, current.published_date, current.imported_by = label.version, label.effective_date, record
        current.title = current.title or label.title
        current.save(update_fields=["version", "published_date", "title", "imported_by", "imported_at"])
    record.rows_read = 1
    record.rows_saved = 1
    record.problems = "\n".join(problems)
    record.finished_at = timezone.now()
    record.save(update_fields=["rows_read", "rows_saved", "problems", "finished_at"])
    return dosing, ImportResult(record=record, problems=problems)


# --------------------------------------------------------------------------- findings (pure-ish lookups)


@dataclass(frozen=True)
class Finding:
    """Why one reference of one article is suspect."""

    reference_key: str
    reference_title: str
    kind: str
    severity: int
    source_key: str
    message: str


def _retraction_message(ref: ReferenceContent, notice: Retraction) -> str:
    when = f" on {notice.retraction_date:%Y-%m-%d}" if notice.retraction_date else ""
    reason = f" Reason given: {notice.reasons_text}." if notice.reasons_text else ""
    nature = notice.nature_text or notice.get_nature_display()
    return (
        f"[@{ref.key}] “{ref.title}” has a {nature.lower()} notice{when} "
        f"(Retraction Watch record {notice.record_id}).{reason}"
    )


def _label_message(ref: ReferenceContent, label: LabelVersion) -> str:
    when = f", published {label.published_date:%Y-%m-%d}" if label.published_date else ""
    return (
        f"[@{ref.key}] cites version {ref.spl_version} of the FDA label “{ref.title}”; "
        f"version {label.version}{when} is current (SPL Set ID {label.set_id}). Check doses and warnings against it."
    )


def retraction_index(references: Iterable[ReferenceContent]) -> tuple[dict[str, list], dict[str, list]]:
    """Return flagged Retraction Watch notices for these references, by normalised DOI and by PMID (one query)."""
    dois = {normalise_doi(r.doi) for r in references} - {""}
    pmids = {normalise_pmid(r.pmid) for r in references} - {""}
    by_doi: dict[str, list] = {}
    by_pmid: dict[str, list] = {}
    if not dois and not pmids:
        return by_doi, by_pmid
    notices = Retraction.objects.filter(
        Q(original_paper_doi__in=dois) | Q(original_paper_pmid__in=pmids), nature__in=list(FLAGGED_NATURES)
    ).only(
        "record_id", "original_paper_doi", "original_paper_pmid", "nature", "nature_text", "reason", "retraction_date"
    )
    for notice in notices:
        if notice.original_paper_doi in dois:
            by_doi.setdefault(notice.original_paper_doi, []).append(notice)
        if notice.original_paper_pmid in pmids:
            by_pmid.setdefault(notice.original_paper_pmid, []).append(notice)
    return by_doi, by_pmid


def notices_for(ref: ReferenceContent, index: tuple[dict, dict]) -> list[Retraction]:
    """Return the notices matching one reference by DOI or PMID, each once, most severe first."""
    by_doi, by_pmid = index
    found = {n.record_id: n for n in by_doi.get(normalise_doi(ref.doi), []) + by_pmid.get(normalise_pmid(ref.pmid), [])}
    return sorted(found.values(), key=lambda n: -FLAGGED_NATURES[n.nature][1])


def label_index(references: Iterable[ReferenceContent]) -> dict[str, LabelVersion]:
    """Return the current label versions of these references' SPL Set IDs (one query)."""
    set_ids = {r.spl_set_id.lower() for r in references if r.spl_set_id}
    if not set_ids:
        return {}
    return {label.set_id: label for label in LabelVersion.objects.filter(set_id__in=set_ids)}


def superseding_label(ref: ReferenceContent, labels: dict[str, LabelVersion]) -> LabelVersion | None:
    """Return the current label version if the reference cites an older one, else None."""
    if not ref.spl_set_id or ref.spl_version is None:
        return None
    label = labels.get(ref.spl_set_id.lower())
    return label if label is not None and label.version > ref.spl_version else None


def findings_for(references: Iterable[ReferenceContent], retractions, labels) -> list[Finding]:
    """Return every finding about these references given prefetched notices and labels."""
    found = []
    for ref in references:
        for notice in notices_for(ref, retractions):
            kind, severity = FLAGGED_NATURES[notice.nature]
            found.append(
                Finding(
                    ref.key, ref.title[:500], kind, severity, f"rw:{notice.record_id}", _retraction_message(ref, notice)
                )
            )
        label = superseding_label(ref, labels)
        if label is not None:
            found.append(
                Finding(
                    ref.key,
                    ref.title[:500],
                    Alert.Kind.LABEL,
                    LABEL_SEVERITY,
                    f"spl:{label.set_id}:{label.version}",
                    _label_message(ref, label),
                )
            )
    return found


# --------------------------------------------------------------------------- matching


def _approved_references(revision_ids: list[int]) -> dict[int, list[ReferenceContent]]:
    """Return the references saved in each revision, by revision id (one query for the batch)."""
    by_revision: dict[int, list[ReferenceContent]] = {rid: [] for rid in revision_ids}
    versions = Version.objects.filter(
        revision_id__in=revision_ids, content_type=ContentType.objects.get_for_model(Reference)
    ).only("revision_id", "serialized_data", "format", "content_type", "object_id")
    names = ReferenceContent.__dataclass_fields__
    for version in versions:
        try:
            data = version.field_dict
            reference = ReferenceContent(
                **{name: data[name] for name in names if name in data and data[name] is not None}
            )
        except Exception:  # one unreadable stored version must not stop the watch for every article
            logger.exception("evidence watch: cannot read reference version %s; skipped", version.pk)
            continue
        by_revision[version.revision_id].append(reference)
    return by_revision


def watched_articles():
    """Return the articles whose approved text readers can see or will see: approved once, not archived."""
    return Article.objects.filter(last_approved_revision__isnull=False).exclude(status=Article.Status.ARCHIVED)


@transaction.atomic
def evidence_match(*, article_ids: Iterable[int] | None = None) -> list[EvidenceAlert]:
    """Match every watched article's approved references against the imports; return the alerts raised now.

    Alerts already raised for the same finding are left as they are. Each new
    alert makes its article due for re-review today; editors and the board
    are emailed once, after commit.
    """
    articles = watched_articles().only(
        "pk", "title", "last_approved_revision_id", "last_approved_hash", "next_review_due", "status"
    )
    if article_ids is not None:
        articles = articles.filter(pk__in=list(article_ids))
    raised: list[EvidenceAlert] = []
    batch: list[Article] = []
    for article in articles.order_by("pk").iterator(chunk_size=BATCH):
        batch.append(article)
        if len(batch) >= BATCH:
            raised.extend(_match_batch(batch))
            batch = []
    if batch:
        raised.extend(_match_batch(batch))
    if raised:
        enqueue_on_commit("evidence.tasks.notify_alerts", *[a.pk for a in raised], run_inline_if_broker_down=True)
    return raised


def _match_batch(articles: list[Article]) -> list[EvidenceAlert]:
    references = _approved_references([a.last_approved_revision_id for a in articles])
    everything = [ref for refs in references.values() for ref in refs]
    retractions, labels = retraction_index(everything), label_index(everything)
    existing = list(
        EvidenceAlert.objects.filter(article__in=articles).only(
            "pk", "article_id", "reference_key", "source_key", "state"
        )
    )
    seen = {(a.article_id, a.reference_key, a.source_key) for a in existing}
    today = timezone.localdate()
    raised = []
    current: set[tuple[int, str, str]] = set()
    for article in articles:
        approved_refs = references.get(article.last_approved_revision_id, [])
        findings = _with_dose_changes(article, approved_refs, findings_for(approved_refs, retractions, labels))
        current.update((article.pk, f.reference_key, f.source_key) for f in findings)
        new = [f for f in findings if (article.pk, f.reference_key, f.source_key) not in seen]
        for finding in new:
            raised.append(
                EvidenceAlert.objects.create(
                    article=article,
                    kind=finding.kind,
                    severity=finding.severity,
                    reference_key=finding.reference_key,
                    reference_title=finding.reference_title,
                    source_key=finding.source_key,
                    message=finding.message,
                    revision_id=article.last_approved_revision_id,
                )
            )
        if new and (article.next_review_due is None or article.next_review_due > today):
            # The reason is the alert itself; the date puts the article on the overdue list and in the email.
            article.next_review_due = today
            article.save(update_fields=["next_review_due"])
    # An open alert whose finding the approved text no longer has (the board approved a version
    # without the paper, or citing the current label) is closed; no page changes.
    stale = [
        a.pk
        for a in existing
        if a.state == Alert.State.OPEN and (a.article_id, a.reference_key, a.source_key) not in current
    ]
    by_pk = {article.pk: article for article in articles}
    for alert in EvidenceAlert.objects.filter(pk__in=stale).select_for_update():
        alert.state = Alert.State.RESOLVED
        alert.handled_at = timezone.now()
        alert.handled_note = "The newly approved text no longer cites this evidence."
        alert.save(update_fields=["state", "handled_at", "handled_note"])
        _audit_resolved(alert, by_pk[alert.article_id])
    return raised


def _with_dose_changes(article: Article, references: list[ReferenceContent], findings: list[Finding]) -> list[Finding]:
    """Keep a newer-label finding only if a dose the article states checks differently under the new version.

    When the dose statements of both the cited version and the current one
    were imported (`label_document_import`), the approved text is checked
    against each: no changed result, no alert; a changed one names the
    statements. Without both versions' statements the finding stays as the
    version listing raised it.
    """
    label_findings = [f for f in findings if f.kind == Alert.Kind.LABEL and f.source_key.startswith("spl:")]
    if not label_findings:
        return findings
    cited = {ref.key: ref for ref in references}
    content = None
    kept = [f for f in findings if f not in label_findings]
    for finding in label_findings:
        _, set_id, version = finding.source_key.split(":")
        ref = cited.get(finding.reference_key)
        wanted = [int(version), ref.spl_version] if ref is not None and ref.spl_version is not None else []
        dosings = (
            {d.version: d for d in LabelDosing.objects.filter(set_id=set_id, version__in=wanted)} if wanted else {}
        )
        if len(dosings) < 2:
            kept.append(finding)
            continue
        if content is None:
            from articles.content import content_from_revision

            content = content_from_revision(article.last_approved_revision, article_id=article.pk)
            names = audience_names()
        before = doses.dose_report(content, names, versions={set_id: dosings[ref.spl_version]})
        after = doses.dose_report(content, names, versions={set_id: dosings[int(version)]})
        changes = doses.dose_changes(before, after)
        if changes:
            message = finding.message + " Checked doses that change: " + "; ".join(changes[:10]) + "."
            kept.append(
                Finding(
                    finding.reference_key,
                    finding.reference_title,
                    finding.kind,
                    finding.severity,
                    finding.source_key,
                    message,
                )
            )
    return kept


def _audit_resolved(alert: EvidenceAlert, article: Article) -> None:
    """Record an alert closed by a newer approval, as done by the board member whose approval completed it."""
    approvals = (
        WorkflowEvent.objects.filter(article=article, action="approve", to_status=Article.Status.APPROVED)
        .select_related("actor")
        .order_by("-created_at", "-pk")
    )
    # The approval of the revision now approved; else the latest.
    approval = approvals.filter(revision_id=article.last_approved_revision_id).first() or approvals.first()
    if approval is None:  # an approval recorded outside the workflow: nobody to name
        logger.warning("evidence watch: alert %s resolved with no approval event to attribute it to", alert.pk)
        return
    _audit(
        article,
        acting_user=approval.actor,
        action="evidence_resolved",
        comment=f"{_comment(alert, '')} Resolved by the approval of {approval.created_at:%Y-%m-%d}: "
        "the newly approved text no longer cites this evidence.",
    )


# --------------------------------------------------------------------------- submission check


def submission_evidence_check(article: Article, content: ArticleContent) -> list[CheckResult]:
    """Return problems with the submitted references: flagged papers without a justification, outdated labels.

    Registered in cms.hooks.SUBMISSION_CHECKS. A retracted,
    corrected or expression-of-concern paper is an error unless an author has
    recorded why it is still cited (then a warning the board sees).
    """
    retractions, labels = retraction_index(content.references), label_index(content.references)
    justified = set(EvidenceJustification.objects.filter(article=article).values_list("reference_key", flat=True))
    results = []
    for ref in content.references:
        for notice in notices_for(ref, retractions):
            message = _retraction_message(ref, notice)
            if ref.key in justified:
                results.append(
                    CheckResult(
                        "flagged-reference",
                        WARNING,
                        message + " An author recorded why it is still cited.",
                        "References",
                    )
                )
            else:
                results.append(
                    CheckResult(
                        "flagged-reference",
                        ERROR,
                        message + " Remove the reference, or record why it is still cited on the article's evidence "
                        f"page (/publishing/evidence/articles/{article.slug}/) so the board can judge it.",
                        "References",
                    )
                )
        label = superseding_label(ref, labels)
        if label is not None:
            results.append(CheckResult("outdated-label", WARNING, _label_message(ref, label), "References"))
    return results


# --------------------------------------------------------------------------- people's actions


def _ensure_editor(acting_user, doing: str) -> None:
    if not roles.is_editor(acting_user):
        raise EvidencePermissionError(gettext("Only an editor can %(doing)s.") % {"doing": doing})


def _audit(article: Article, *, acting_user, action: str, comment: str) -> WorkflowEvent:
    return event_record(
        article,
        acting_user=acting_user,
        action=action,
        revision_id=article.last_approved_revision_id,
        content_hash=article.last_approved_hash,
        comment=comment,
    )


# action -> (states it may start from, state it leaves, WorkflowEvent action)
ALERT_ACTIONS = {
    "acknowledge": ({Alert.State.OPEN}, Alert.State.ACKNOWLEDGED, "evidence_acknowledged"),
    "re_review": ({Alert.State.OPEN, Alert.State.ACKNOWLEDGED}, Alert.State.RE_REVIEW, "evidence_re_review"),
    "withdraw": (
        {Alert.State.OPEN, Alert.State.ACKNOWLEDGED, Alert.State.RE_REVIEW},
        Alert.State.WITHDRAWN,
        "evidence_withdrawn",
    ),
}


def alert_available_actions(alert: EvidenceAlert, user) -> list[str]:
    """Return the actions this user may take on the alert now (the report's buttons)."""
    if not roles.is_editor(user):
        return []
    return [name for name, (sources, _, _) in ALERT_ACTIONS.items() if alert.state in sources]


def _alert_transition(alert: EvidenceAlert, *, acting_user, action: str, note: str) -> tuple[EvidenceAlert, Article]:
    _ensure_editor(acting_user, "act on evidence alerts")
    alert = EvidenceAlert.objects.select_for_update().get(pk=alert.pk)
    sources, target, _ = ALERT_ACTIONS[action]
    if alert.state not in sources:
        raise InvalidAlertAction(
            gettext("This alert is already “%(status)s”; reload the report to see what was done.")
            % {"status": alert.get_state_display().lower()}
        )
    article = Article.objects.select_for_update().get(pk=alert.article_id)
    alert.state = target
    alert.handled_at = timezone.now()
    alert.handled_by = acting_user
    alert.handled_note = note.strip()
    alert.save(update_fields=["state", "handled_at", "handled_by", "handled_note"])
    return alert, article


def _comment(alert: EvidenceAlert, note: str) -> str:
    return f"{alert.get_kind_display()} [@{alert.reference_key}]: {alert.message}" + (f" Note: {note}" if note else "")


@transaction.atomic
def alert_acknowledge(alert: EvidenceAlert, *, acting_user, note: str = "") -> EvidenceAlert:
    """Record that an editor has seen the alert and judged it needs no change to the page now."""
    alert, article = _alert_transition(alert, acting_user=acting_user, action="acknowledge", note=note)
    _audit(article, acting_user=acting_user, action="evidence_acknowledged", comment=_comment(alert, note.strip()))
    return alert


@transaction.atomic
def alert_open_re_review(alert: EvidenceAlert, *, acting_user, note: str = "") -> EvidenceAlert:
    """Open a re-review because of the alert: the article is due today and the authors are told why."""
    alert, article = _alert_transition(alert, acting_user=acting_user, action="re_review", note=note)
    today = timezone.localdate()
    if article.next_review_due is None or article.next_review_due > today:
        article.next_review_due = today
        article.save(update_fields=["next_review_due"])
    _audit(article, acting_user=acting_user, action="evidence_re_review", comment=_comment(alert, note.strip()))
    return alert


@transaction.atomic
def alert_withdraw_page(alert: EvidenceAlert, *, acting_user, reason: str, mode: str = "notice") -> EvidenceAlert:
    """Withdraw the article's page ("remove") or replace it with a notice ("notice") because of the alert.

    Uses the publishing app's withdraw service (registered as a page
    withdrawer) in the same transaction: if withdrawing fails, the alert is
    left as it was.
    """
    if not hooks.PAGE_WITHDRAWERS:
        raise InvalidAlertAction(gettext("Withdrawing pages is not available: the publishing app is not installed."))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidAlertAction(gettext("Give a reason for the withdrawal; readers see it when the page is marked."))
    alert, article = _alert_transition(alert, acting_user=acting_user, action="withdraw", note=reason)
    for withdraw in hooks.PAGE_WITHDRAWERS:
        withdraw(article, acting_user=acting_user, reason=reason, mode=mode)
    _audit(article, acting_user=acting_user, action="evidence_withdrawn", comment=_comment(alert, reason))
    return alert


@transaction.atomic
def justification_record(article: Article, *, acting_user, reference_key: str, text: str) -> EvidenceJustification:
    """Record (or replace) an author's reason for still citing a flagged reference; the board sees it."""
    article = Article.objects.select_for_update().get(pk=article.pk)
    if not roles.is_article_author(article, acting_user):
        raise EvidencePermissionError(
            gettext("Only an author of “%(title)s” can justify its references.") % {"title": article.title}
        )
    text = (text or "").strip()
    if len(text) < 20:
        raise InvalidAlertAction(
            gettext(
                "Say in a sentence or two why the paper is still cited (at least 20 characters), "
                "e.g. which findings stand and what the correction changed."
            )
        )
    justification, _ = EvidenceJustification.objects.update_or_create(
        article=article, reference_key=reference_key, defaults={"text": text, "recorded_by": acting_user}
    )
    _audit(article, acting_user=acting_user, action="evidence_justified", comment=f"[@{reference_key}]: {text}")
    return justification


# --------------------------------------------------------------------------- dose checks (issue 24)


def _round_dose_report(article: Article, round_) -> doses.DoseReport:
    from articles.content import content_from_revision

    content = content_from_revision(round_.revision, article_id=article.pk)
    names = audience_names()
    return doses.dose_report(content, names)


def dose_approval_guard(article: Article, round_, acting_user) -> None:
    """Refuse an approval while a dose statement does not match its label and no reviewer recorded why.

    Registered in cms.hooks.APPROVAL_GUARDS; runs inside the
    approval's transaction, so a refusal leaves nothing recorded.
    """
    report = _round_dose_report(article, round_)
    if not report.blocking:
        return
    if DoseCheckAcceptance.objects.filter(round=round_, content_hash=round_.content_hash).exists():
        return
    first = report.blocking[0]
    raise ApprovalBlocked(
        gettext(
            "%(count)s dose statement(s) do not match the drug label (first: “%(text)s” in %(location)s, %(code)s). "
            "A reviewer must record why they are right, on the review page under Doses, before approving."
        )
        % {
            "count": len(report.blocking),
            "text": first.text,
            "location": first.location,
            "code": doses.result_label(first.check),
        }
    )


@transaction.atomic
def dose_mismatch_accept(article: Article, *, acting_user, reason: str) -> DoseCheckAcceptance:
    """Record a reviewer's reason for approving the open round's doses although they differ from the label.

    Only a reviewer of the open round who is not an author of the article may;
    the reason is bound to the round's content hash and written to the audit log.
    """
    from review.models import ReviewDecision, ReviewRound

    reason = (reason or "").strip()
    if not reason:
        raise EvidencePermissionError(gettext("Say why the doses are right: a reason is required."))
    if len(reason) > 4000:
        raise EvidencePermissionError(gettext("Keep the reason under 4,000 characters."))
    article = Article.objects.select_for_update().get(pk=article.pk)
    round_ = (
        ReviewRound.objects.select_for_update()
        .filter(article=article, closed_at__isnull=True)
        .select_related("revision")
        .first()
    )
    if round_ is None:
        raise InvalidAlertAction(gettext("The article has no open review round, so there is nothing to approve."))
    if roles.is_article_author(article, acting_user):
        raise EvidencePermissionError(gettext("An author of the article cannot accept its dose mismatches."))
    if not ReviewDecision.objects.filter(round=round_, reviewer__user=acting_user).exists():
        raise EvidencePermissionError(
            gettext("Only a reviewer of this round can record why the doses are right. Claim the review first.")
        )
    report = _round_dose_report(article, round_)
    mismatches = [
        {"location": row.location, "text": row.text, "code": row.check.code, "note": row.check.note}
        for row in report.blocking
    ]
    if not mismatches:
        raise InvalidAlertAction(gettext("Every dose statement matches its label; there is nothing to accept."))
    acceptance, _ = DoseCheckAcceptance.objects.update_or_create(
        round=round_,
        defaults={
            "content_hash": round_.content_hash,
            "reason": reason,
            "mismatches": mismatches,
            "recorded_by": acting_user,
        },
    )
    event_record(
        article,
        acting_user=acting_user,
        action="dose_mismatch_accepted",
        round_=round_,
        comment=f"{len(mismatches)} dose statement(s) differ from the label. Reason: {reason}",
    )
    return acceptance


# --------------------------------------------------------------------------- codes for machines (issue 24)

VOCABULARY_COLUMNS = ("kind", "name", "system", "code")


@transaction.atomic
def vocabulary_import(stream: IO[str], *, source: str) -> ImportResult:
    """Import drug and condition codes from a CSV (kind,name,system,code[,display]); rows upserted by kind and name.

    Raise EvidenceFileError, saving nothing, when the header lacks a column;
    a bad row is skipped and reported by line.
    """
    import csv

    reader = csv.DictReader(stream)
    missing = [name for name in VOCABULARY_COLUMNS if name not in (reader.fieldnames or [])]
    if missing:
        raise EvidenceFileError(
            gettext("This is not a code vocabulary: the first line lacks the column(s) %(list)s.")
            % {"list": ", ".join(missing)}
        )
    record = EvidenceImport.objects.create(kind=EvidenceImport.Kind.VOCABULARY, source=source[:500])
    problems, saved, read = [], 0, 0
    for row in reader:
        read += 1
        line = reader.line_num
        kind = (row.get("kind") or "").strip().lower()
        name = " ".join((row.get("name") or "").lower().split())
        system, code = (row.get("system") or "").strip(), (row.get("code") or "").strip()
        if kind not in VocabularyCode.Kind.values:
            problems.append(f"Line {line}: skipped, kind “{kind}” is not drug or condition.")
            continue
        if not name or not system or not code or len(name) > 300 or len(system) > 40 or len(code) > 40:
            problems.append(f"Line {line}: skipped, name, system and code are required (and must fit).")
            continue
        VocabularyCode.objects.update_or_create(
            kind=kind,
            name=name,
            defaults={
                "system": system,
                "code": code,
                "display": (row.get("display") or "").strip()[:300],
                "imported_by": record,
            },
        )
        saved += 1
    record.rows_read, record.rows_saved, record.rows_skipped = read, saved, len(problems)
    record.problems = "\n".join(problems[:1000])
    record.finished_at = timezone.now()
    record.save(update_fields=["rows_read", "rows_saved", "rows_skipped", "problems", "finished_at"])
    return ImportResult(record=record, problems=problems)


def vocabulary_codes(*, condition: str, drugs: Iterable[str]) -> dict[str, dict[str, str]]:
    """Return the codes of a condition and drugs by lower-case name: {"system", "code"} (one query)."""
    wanted = {("condition", " ".join(condition.lower().split()))} | {
        ("drug", " ".join(d.lower().split())) for d in drugs if d.strip()
    }
    names = {name for _, name in wanted if name}
    if not names:
        return {}
    return {
        f"{row.kind}:{row.name}": {"system": row.system, "code": row.code}
        for row in VocabularyCode.objects.filter(name__in=names).only("kind", "name", "system", "code")
        if (row.kind, row.name) in wanted
    }
