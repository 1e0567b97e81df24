"""Authoring models: audiences, articles, their audience variants and references.

Article, ArticleVariant and Reference are versioned with django-reversion
(registered in apps.py). Change them only through articles.services so every
change is one revision with its user and comment.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy, pgettext_lazy

from .text import validate_slug

key_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_:.\-]*(?:/[A-Za-z0-9_:.()\-]+)*$",
    "A reference key starts with a letter or digit and may contain letters, digits, _ : . and - "
    "(and / after the first character, for doi: keys).",
)


class Audience(models.Model):
    """A kind of reader for "Which best describes you?" (patient, professional…)."""

    slug = models.SlugField(unique=True, help_text=gettext_lazy("Used in URLs: /articles/<slug>/?for=<this>."))
    name = models.CharField(
        max_length=80, help_text=gettext_lazy('Shown as the choice, e.g. "Healthcare professional".')
    )
    help_text = models.CharField(
        max_length=200, blank=True, help_text=gettext_lazy("One line shown under the choice to help readers pick.")
    )
    order = models.PositiveSmallIntegerField(default=0, help_text=gettext_lazy("Lower numbers are listed first."))
    reading_grade = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=gettext_lazy("Target reading grade for this audience's text (e.g. 6 for patients)."),
    )
    is_professional = models.BooleanField(
        default=False,
        help_text=gettext_lazy("Clinicians: shown professional-level text and the professional disclaimer."),
    )
    active = models.BooleanField(default=True)
    translations = models.JSONField(
        default=dict,
        blank=True,
        help_text=gettext_lazy(
            'The choice in other languages: {"es": {"name": "Paciente", "help_text": "…"}}. '
            "A language missing here shows the English wording."
        ),
    )

    class EvidenceGrades(models.TextChoices):
        AUTO = "auto", gettext_lazy("Only if this is a professional audience")
        SHOW = "show", gettext_lazy("Show")
        HIDE = "hide", gettext_lazy("Hide")

    evidence_grades = models.CharField(
        max_length=8,
        choices=EvidenceGrades.choices,
        default=EvidenceGrades.AUTO,
        help_text=gettext_lazy("Whether this audience's pages show the evidence-grade badges beside recommendations."),
    )

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def in_language(self, language: str) -> tuple[str, str]:
        """Return (name, help text) in a language, falling back field by field to the stored (English) wording."""
        wording = (self.translations or {}).get(language.split("-")[0].lower()) or {}
        return wording.get("name") or self.name, wording.get("help_text") or self.help_text

    @property
    def shows_evidence_grades(self) -> bool:
        """Return whether this audience's pages show evidence-grade badges."""
        if self.evidence_grades == self.EvidenceGrades.AUTO:
            return self.is_professional
        return self.evidence_grades == self.EvidenceGrades.SHOW


class Article(models.Model):
    """A treatment article: the question, the bottom line and the sections."""

    class Status(models.TextChoices):
        DRAFT = "draft", gettext_lazy("Draft")
        SUBMITTED = "submitted", gettext_lazy("Submitted")
        IN_REVIEW = "in_review", gettext_lazy("Under review")
        CHANGES_REQUESTED = "changes_requested", gettext_lazy("Changes requested")
        APPROVED = "approved", gettext_lazy("Approved")
        ARCHIVED = "archived", gettext_lazy("Archived")

    slug = models.SlugField(
        max_length=120,
        unique=True,
        validators=[validate_slug],
        help_text=gettext_lazy("The page address: /articles/<slug>/. Lowercase, digits and hyphens."),
    )
    title = models.CharField(
        max_length=250,
        help_text=gettext_lazy('The question readers ask, e.g. "What is the treatment for CMV infection?"'),
    )
    condition = models.CharField(
        max_length=200, help_text=gettext_lazy("The condition this article treats, for the index.")
    )
    drugs = models.CharField(
        max_length=500,
        blank=True,
        help_text=gettext_lazy(
            "Drugs discussed, comma-separated. Used for search and for reviewer conflict-of-interest checks."
        ),
    )
    summary = models.TextField(
        blank=True,
        help_text=gettext_lazy("The bottom-line answer in Markdown, shown in bold at the top. Required to submit."),
    )
    body = models.TextField(
        blank=True,
        help_text=gettext_lazy("Markdown. Each '## Heading' starts a section. Cite references as [@key] or [@a; @b]."),
    )
    authors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="authored_articles", blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    lock_version = models.PositiveIntegerField(
        default=0, help_text=gettext_lazy("Optimistic lock; bumped by every save.")
    )
    required_approvals = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
        help_text=gettext_lazy("Board approvals needed for this article; empty uses the site default."),
    )
    review_interval_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=gettext_lazy("Months until the next re-review after approval; empty uses the site default."),
    )
    last_reviewed = models.DateField(null=True, blank=True)
    next_review_due = models.DateField(null=True, blank=True, db_index=True)
    last_approved_revision = models.ForeignKey(
        "reversion.Revision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last_approved_hash = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Languages (docs/architecture.md "Translations"). An article is written in
    # one language; a translation is its own article, made from one approved
    # revision of its source and reviewed like any other.
    language = models.CharField(
        max_length=12,
        default="en",
        help_text=gettext_lazy("The language the text is written in (a code such as en or es). Fixed once created."),
    )
    translation_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="translations"
    )
    translation_base_revision = models.ForeignKey(
        "reversion.Revision",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=gettext_lazy("The approved revision of the source this translation was made from."),
    )
    translation_base_hash = models.CharField(max_length=64, blank=True)
    source_changed_at = models.DateTimeField(
        null=True,
        blank=True,
        db_index=True,
        help_text=gettext_lazy("When a newer revision of the source was approved; empty while up to date."),
    )
    source_change_significant = models.BooleanField(
        default=False, help_text=gettext_lazy("The newer source revision changed a dose or another number.")
    )

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            # The editors' queue pages through one status, least recently changed first (BENCHMARKS.md).
            models.Index(fields=["status", "updated_at", "id"], name="article_status_updated"),
            # Approved articles not yet published, and those with the board, by title (BENCHMARKS.md).
            models.Index(fields=["status", "title", "id"], name="article_status_title"),
            # The desk counts approved articles whose approved revision is unpublished: index-only (BENCHMARKS.md).
            models.Index(
                fields=["last_approved_revision", "id"],
                condition=Q(status="approved"),
                name="article_approved_revision",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(slug=""), name="article_slug_not_empty"),
            # "CMV-Treatment" beside "cmv-treatment" would be two articles readers cannot tell apart.
            models.UniqueConstraint(Lower("slug"), name="article_slug_unique_ignoring_case"),
            # One translation per language of a source.
            models.UniqueConstraint(
                fields=["translation_of", "language"],
                condition=Q(translation_of__isnull=False),
                name="one_translation_per_language",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["draft", "submitted", "in_review", "changes_requested", "approved", "archived"]
                ),
                name="article_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("studio:article_edit", kwargs={"slug": self.slug})

    @property
    def is_locked_for_review(self) -> bool:
        return self.status in {self.Status.SUBMITTED, self.Status.IN_REVIEW}

    @property
    def is_translation(self) -> bool:
        return self.translation_of_id is not None

    @property
    def translation_out_of_date(self) -> bool:
        return self.source_changed_at is not None

    def drug_list(self) -> list[str]:
        return [drug.strip() for drug in self.drugs.split(",") if drug.strip()]


class ArticleVariant(models.Model):
    """An audience's own summary and body; a missing variant means the default text."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="variants")
    audience = models.ForeignKey(Audience, on_delete=models.PROTECT, related_name="variants")
    summary = models.TextField(
        blank=True, help_text=gettext_lazy("Empty: readers in this audience see the default summary.")
    )
    body = models.TextField(blank=True, help_text=gettext_lazy("Empty: readers in this audience see the default body."))

    class Meta:
        ordering = ["audience__order", "audience__name"]
        constraints = [models.UniqueConstraint(fields=["article", "audience"], name="one_variant_per_audience")]

    def __str__(self) -> str:
        return f"{self.article} — {self.audience}"


class Reference(models.Model):
    """A typed source cited in an article as [@key]."""

    class Kind(models.TextChoices):
        FDA_LABEL = "fda_label", gettext_lazy("FDA drug label")
        GUIDELINE = "guideline", gettext_lazy("Guideline")
        RESEARCH = "research", gettext_lazy("Research")
        REVIEW = "review", gettext_lazy("Review")
        OTHER = "other", gettext_lazy("Other")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="references")
    key = models.CharField(
        max_length=80,
        validators=[key_validator],
        help_text=gettext_lazy("Cite it in the text as [@key], e.g. [@boeckh2009]."),
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.RESEARCH)
    title = models.CharField(max_length=500)
    authors = models.CharField(max_length=500, blank=True, help_text=gettext_lazy('e.g. "Boeckh M, Ljungman P".'))
    source = models.CharField(max_length=300, blank=True, help_text=gettext_lazy("Journal, publisher or agency."))
    year = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1800), MaxValueValidator(2100)]
    )
    pmid = models.CharField(
        "PMID", max_length=12, blank=True, validators=[RegexValidator(r"^\d{1,10}$", "A PMID is digits only.")]
    )
    doi = models.CharField(
        "DOI",
        max_length=200,
        blank=True,
        validators=[RegexValidator(r"^10\.\d{4,9}/\S+$", 'A DOI looks like "10.1000/xyz123".')],
    )
    url = models.URLField("URL", max_length=500, blank=True)
    spl_set_id = models.CharField(
        gettext_lazy("SPL Set ID"),
        max_length=64,
        blank=True,
        validators=[
            RegexValidator(
                r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
                'An SPL Set ID is a UUID like "1b7f2c9e-0a4d-4c1e-9f3a-2d5e6b7c8a90".',
            )
        ],
        help_text=gettext_lazy(
            "FDA drug labels: the label's SPL Set ID (DailyMed), so a newer label version is noticed."
        ),
    )
    spl_version = models.PositiveIntegerField(
        gettext_lazy("SPL version"),
        null=True,
        blank=True,
        help_text=gettext_lazy("FDA drug labels: the label version the text was written from."),
    )
    spl_date = models.DateField(
        gettext_lazy("SPL date"), null=True, blank=True, help_text=gettext_lazy("FDA drug labels: that version's date.")
    )

    class Meta:
        ordering = ["key"]
        constraints = [
            models.UniqueConstraint(fields=["article", "key"], name="reference_key_unique_per_article"),
            models.UniqueConstraint(
                fields=["article", "pmid"], condition=~Q(pmid=""), name="reference_pmid_unique_per_article"
            ),
            models.UniqueConstraint(
                fields=["article", "doi"], condition=~Q(doi=""), name="reference_doi_unique_per_article"
            ),
            models.CheckConstraint(condition=~Q(key=""), name="reference_key_not_empty"),
        ]

    def __str__(self) -> str:
        return f"[{self.key}] {self.title}"


class GlossaryTerm(models.Model):
    """A medical term with a plain-language explanation, maintained by editors, approved by the board.

    Terms found in the patient and caregiver versions are flagged to the author
    as jargon, and the reader page explains each one where it is first used.

    The wording is medical content. An editor's change is a proposed
    ``GlossaryDefinition`` (immutable, numbered); only once the Medical
    Advisory Board approves it (review.services.glossary_definition_approve)
    are ``term``, ``explanation``, ``synonyms`` and ``active`` here set to it
    and ``approved_version`` to its number. So these fields are always the
    approved wording: nothing but the approval (articles.services
    glossary_definition_accept) writes them. A term never approved
    (``approved_version`` 0) is used nowhere. Pages never read this table
    when they are rendered: each approval pins the definitions it covered.
    """

    term = models.CharField(max_length=100, help_text=gettext_lazy('The word as written, e.g. "viremia".'))
    language = models.CharField(
        max_length=12,
        default="en",
        db_index=True,
        help_text=gettext_lazy(
            "The language the term and its explanation are written in: pages in that language explain it. "
            "Fixed once created."
        ),
    )
    explanation = models.CharField(
        max_length=300,
        blank=True,
        help_text=gettext_lazy(
            "One plain-language sentence a patient understands, shown to readers as the definition."
        ),
    )
    synonyms = models.CharField(
        max_length=300,
        blank=True,
        help_text=gettext_lazy('Other spellings or forms, comma-separated, e.g. "viraemia, viral load in the blood".'),
    )
    active = models.BooleanField(
        default=True, help_text=gettext_lazy("Inactive terms are neither flagged nor explained.")
    )
    approved_version = models.PositiveIntegerField(
        default=0, help_text=gettext_lazy("The number of the board-approved definition above; 0 until one is approved.")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["term"]
        constraints = [
            models.CheckConstraint(condition=~Q(term=""), name="glossary_term_not_empty"),
            # The same word may be a term in two languages ("CMV"), once in each.
            models.UniqueConstraint(fields=["term", "language"], name="glossary_term_unique_per_language"),
        ]

    def __str__(self) -> str:
        return self.term

    def synonym_list(self) -> list[str]:
        return [s.strip() for s in self.synonyms.split(",") if s.strip()]


class GlossaryDefinition(models.Model):
    """One numbered version of a glossary term's wording: proposed by an editor, decided by the board.

    Never edited after it is proposed (only its status moves, through
    articles.workflow.glossary_definition_transition): an editor's next change
    is a new version. One approved version per term at a time; the one it
    replaces becomes superseded.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", pgettext_lazy("glossary version", "Waiting for the board")
        APPROVED = "approved", pgettext_lazy("glossary version", "Approved")
        REJECTED = "rejected", pgettext_lazy("glossary version", "Rejected")
        SUPERSEDED = "superseded", pgettext_lazy("glossary version", "Superseded")
        WITHDRAWN = "withdrawn", pgettext_lazy("glossary version", "Replaced before a decision")

    glossary_term = models.ForeignKey(GlossaryTerm, on_delete=models.PROTECT, related_name="definitions")
    version = models.PositiveIntegerField()
    term = models.CharField(max_length=100, help_text=gettext_lazy("The word as this version writes it."))
    explanation = models.CharField(max_length=300)
    synonyms = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROPOSED)
    required_approvals = models.PositiveSmallIntegerField(default=1)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(
        max_length=300, blank=True, help_text=gettext_lazy('How it came to be, e.g. "Grandfathered by migration 0013".')
    )

    class Meta:
        ordering = ["glossary_term_id", "-version"]
        indexes = [
            # The board's glossary queue: proposals waiting, oldest first.
            models.Index(fields=["proposed_at", "id"], condition=Q(status="proposed"), name="glossary_def_waiting"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["glossary_term", "version"], name="glossary_definition_version_unique"),
            models.UniqueConstraint(
                fields=["glossary_term"], condition=Q(status="approved"), name="one_approved_definition_per_term"
            ),
            models.UniqueConstraint(
                fields=["glossary_term"], condition=Q(status="proposed"), name="one_proposed_definition_per_term"
            ),
            models.CheckConstraint(condition=Q(required_approvals__gte=1), name="glossary_definition_needs_approval"),
        ]

    def __str__(self) -> str:
        return f"{self.term} v{self.version} ({self.get_status_display()})"

    def synonym_list(self) -> list[str]:
        return [s.strip() for s in self.synonyms.split(",") if s.strip()]


class DraftBuffer(models.Model):
    """The text an author is typing, kept between saves so a reload or a crash loses nothing.

    One per user and article, and one per user for an article not created yet
    (``article`` empty: the new-article page); not a revision and never shown
    to anyone else. Saving (or creating) the article discards it. Writes can
    arrive out of order (an autosave still in flight when the tab's last flush
    is sent), so each carries its page load and a sequence number, and a write
    older than the kept one from the same page is ignored.
    """

    article = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        related_name="draft_buffers",
        null=True,
        blank=True,
        help_text=gettext_lazy("Empty for the text of a new article that has not been created yet."),
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(help_text=gettext_lazy("The editor's fields as the form posts them."))
    lock_version = models.PositiveIntegerField(help_text=gettext_lazy("The article version the author started from."))
    page = models.CharField(
        max_length=32,
        blank=True,
        default="",
        help_text=gettext_lazy("The editor page load (a token the server gave the page) whose write this is."),
    )
    sequence = models.PositiveBigIntegerField(
        default=0,
        help_text=gettext_lazy(
            "The number of this write among that page's writes; a lower one arriving later is older."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="one_draft_buffer_per_user_article"),
            models.UniqueConstraint(
                fields=["user"], condition=Q(article__isnull=True), name="one_new_article_buffer_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"Unsaved text of {self.user} on {self.article or 'a new article'}"


class IdentifierRecord(models.Model):
    """A cached answer to "which paper is PMID x / DOI y?" (articles.identifiers)."""

    class Scheme(models.TextChoices):
        PMID = "pmid", "PMID"
        DOI = "doi", "DOI"

    scheme = models.CharField(max_length=4, choices=Scheme.choices)
    value = models.CharField(
        max_length=200, help_text=gettext_lazy("Normalised: digits for a PMID, lower case for a DOI.")
    )
    title = models.CharField(max_length=500)
    authors = models.CharField(max_length=500, blank=True)
    source = models.CharField(max_length=300, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    pmid = models.CharField("PMID", max_length=12, blank=True)
    doi = models.CharField("DOI", max_length=200, blank=True)
    kind = models.CharField(max_length=20, default="research")
    origin = models.CharField(max_length=20, help_text=gettext_lazy("pubmed, crossref or manual."))
    fetched_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scheme", "value"], name="identifier_record_unique")]

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"
