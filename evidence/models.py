"""Evidence watch: retraction notices, current drug-label versions, and alerts about approved articles.

The app sits between review and publishing in the data flow: it imports
articles, review and audit (to read approved revisions and write audit events) and
is imported by publishing (the editors' dashboard and the withdraw action).
It never imports publishing; taking a page down from an alert goes through a
hook that publishing registers (`cms.hooks.PAGE_WITHDRAWERS`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy, pgettext_lazy

from articles.models import Article


class EvidenceImport(models.Model):
    """One run of an import command: where the file came from, what was read and what was skipped."""

    class Kind(models.TextChoices):
        RETRACTIONS = "retractions", gettext_lazy("Retraction Watch")
        LABELS = "labels", gettext_lazy("Drug label versions")
        LABEL_DOCUMENTS = "label_documents", gettext_lazy("Drug label documents (SPL)")
        VOCABULARY = "vocabulary", gettext_lazy("Drug and condition codes")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    source = models.CharField(max_length=500, help_text=gettext_lazy("The path or URL the file was read from."))
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    rows_saved = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(default=0)
    problems = models.TextField(
        blank=True, help_text=gettext_lazy("One line per skipped row: its line number and why.")
    )

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import of {self.started_at:%Y-%m-%d %H:%M}"


class Retraction(models.Model):
    """One Retraction Watch record, in the database's own column layout (Record ID is the key)."""

    class Nature(models.TextChoices):
        RETRACTION = "retraction", gettext_lazy("Retraction")
        CORRECTION = "correction", gettext_lazy("Correction")
        CONCERN = "expression_of_concern", gettext_lazy("Expression of concern")
        REINSTATEMENT = "reinstatement", gettext_lazy("Reinstatement")
        OTHER = "other", gettext_lazy("Other")

    record_id = models.CharField(gettext_lazy("Record ID"), max_length=20, unique=True)
    title = models.TextField(blank=True)
    subject = models.TextField(blank=True)
    institution = models.TextField(blank=True)
    journal = models.CharField(max_length=500, blank=True)
    publisher = models.CharField(max_length=500, blank=True)
    country = models.CharField(max_length=500, blank=True)
    author = models.TextField(blank=True)
    urls = models.TextField(gettext_lazy("URLS"), blank=True)
    article_type = models.CharField(max_length=300, blank=True)
    retraction_date = models.DateField(null=True, blank=True)
    retraction_doi = models.CharField(max_length=300, blank=True)
    retraction_pmid = models.CharField(max_length=12, blank=True)
    original_paper_date = models.DateField(null=True, blank=True)
    original_paper_doi = models.CharField(
        max_length=300, blank=True, db_index=True, help_text=gettext_lazy("Normalised.")
    )
    original_paper_pmid = models.CharField(max_length=12, blank=True, db_index=True)
    nature = models.CharField(max_length=30, choices=Nature.choices)
    nature_text = models.CharField(
        gettext_lazy("RetractionNature"), max_length=100, blank=True, help_text=gettext_lazy("As in the file.")
    )
    reason = models.TextField(blank=True)
    paywalled = models.CharField(max_length=20, blank=True)
    notes = models.TextField(blank=True)
    imported_by = models.ForeignKey(EvidenceImport, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(
        auto_now=True, help_text=gettext_lazy("When this record was last read from a file.")
    )

    class Meta:
        ordering = ["record_id"]

    def __str__(self) -> str:
        return f"{self.get_nature_display()} {self.record_id}: {self.title[:80]}"

    @property
    def reasons_text(self) -> str:
        """Return the Reason column readably: "+A;+B;" becomes "A; B"."""
        parts = [part.strip().lstrip("+").strip() for part in self.reason.split(";")]
        return "; ".join(part for part in parts if part)


class LabelVersion(models.Model):
    """The current version of one FDA drug label (SPL Set ID), from a DailyMed-style listing."""

    set_id = models.CharField(
        gettext_lazy("SPL Set ID"), max_length=64, unique=True, help_text=gettext_lazy("Lower case.")
    )
    version = models.PositiveIntegerField()
    published_date = models.DateField(null=True, blank=True)
    title = models.CharField(max_length=1000, blank=True)
    imported_by = models.ForeignKey(EvidenceImport, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["set_id"]

    def __str__(self) -> str:
        return f"{self.set_id} v{self.version}"


class LabelDosing(models.Model):
    """The dose statements of one version of one drug label, read from its SPL XML (evidence.dosing.label).

    One row per Set ID and version, kept when a newer version arrives, so the
    check can say what changed between the version an approval was checked
    against and the current one.
    """

    set_id = models.CharField(gettext_lazy("SPL Set ID"), max_length=64, help_text=gettext_lazy("Lower case."))
    version = models.PositiveIntegerField()
    effective_date = models.DateField(null=True, blank=True)
    title = models.CharField(max_length=1000, blank=True)
    drugs = models.JSONField(
        default=list, help_text=gettext_lazy("The drug names the label declares (generic and proprietary), lower case.")
    )
    statements = models.JSONField(
        default=list,
        help_text=gettext_lazy("Each dose statement of Dosage and Administration with its headings and source text."),
    )
    imported_by = models.ForeignKey(EvidenceImport, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["set_id", "-version"]
        constraints = [models.UniqueConstraint(fields=["set_id", "version"], name="one_label_dosing_per_version")]

    def __str__(self) -> str:
        return f"{self.set_id} v{self.version} ({len(self.statements)} dose statements)"


class EvidenceAlert(models.Model):
    """Evidence under an approved article moved: a cited paper was retracted or a label was superseded."""

    class Kind(models.TextChoices):
        RETRACTION = "retraction", gettext_lazy("Retracted paper")
        CORRECTION = "correction", gettext_lazy("Corrected paper")
        CONCERN = "expression_of_concern", gettext_lazy("Expression of concern")
        LABEL = "label", gettext_lazy("Newer drug label")

    class Severity(models.IntegerChoices):
        CRITICAL = 3, gettext_lazy("Critical")
        HIGH = 2, gettext_lazy("High")
        MODERATE = 1, gettext_lazy("Moderate")

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("evidence alert", "Open")
        ACKNOWLEDGED = "acknowledged", gettext_lazy("Acknowledged")
        RE_REVIEW = "re_review", gettext_lazy("Re-review opened")
        WITHDRAWN = "withdrawn", gettext_lazy("Page withdrawn or marked")
        RESOLVED = "resolved", gettext_lazy("Resolved by a newer approval")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="evidence_alerts")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    severity = models.PositiveSmallIntegerField(choices=Severity.choices)
    reference_key = models.CharField(max_length=80)
    reference_title = models.CharField(max_length=500, blank=True)
    # What the alert is about: "rw:<record id>" or "spl:<set id>:<version>"; one open alert per finding.
    source_key = models.CharField(max_length=120)
    message = models.TextField()
    revision = models.ForeignKey(
        "reversion.Revision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=gettext_lazy("The approved revision that cites the reference."),
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.OPEN, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-severity", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "reference_key", "source_key"], name="one_alert_per_article_reference_finding"
            ),
            models.CheckConstraint(condition=Q(severity__in=[1, 2, 3]), name="evidence_alert_severity_valid"),
        ]
        indexes = [models.Index(fields=["state", "-severity", "created_at"], name="evidence_alert_report")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.article} [{self.reference_key}]"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN


class EvidenceJustification(models.Model):
    """An author's reason for still citing a flagged paper; the board sees it on the review page."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="evidence_justifications")
    reference_key = models.CharField(max_length=80)
    text = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["reference_key"]
        constraints = [
            models.UniqueConstraint(fields=["article", "reference_key"], name="one_justification_per_reference")
        ]

    def __str__(self) -> str:
        return f"Justification for [{self.reference_key}] in {self.article}"


class DoseCheckAcceptance(models.Model):
    """A reviewer's reason for approving text whose doses do not match the label (issue 24).

    Bound to the review round and its content hash: a new round (new text)
    needs a new reason. Written only by evidence.services.dose_mismatch_accept.
    """

    round = models.OneToOneField("review.ReviewRound", on_delete=models.CASCADE, related_name="dose_acceptance")
    content_hash = models.CharField(max_length=64)
    reason = models.TextField(help_text=gettext_lazy("Why the doses that differ from the label are right."))
    mismatches = models.JSONField(
        default=list, help_text=gettext_lazy("The statements that did not match, as the reviewer saw them.")
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"Dose mismatch accepted for round {self.round_id}"


class VocabularyCode(models.Model):
    """A standard code for a drug (RxNorm) or a condition (ICD-10-CM, SNOMED CT), looked up by name."""

    class Kind(models.TextChoices):
        DRUG = "drug", gettext_lazy("Drug")
        CONDITION = "condition", gettext_lazy("Condition")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=300, help_text=gettext_lazy("Lower case; matched against the article's names."))
    system = models.CharField(max_length=40, help_text=gettext_lazy("RxNorm, ICD-10-CM or SNOMED CT."))
    code = models.CharField(max_length=40)
    display = models.CharField(max_length=300, blank=True)
    imported_by = models.ForeignKey(EvidenceImport, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="one_code_per_kind_and_name")]

    def __str__(self) -> str:
        return f"{self.name}: {self.system} {self.code}"
