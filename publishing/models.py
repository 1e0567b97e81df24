"""Publishing models: disclaimers, publications (the outbox), rendered pages, reader messages."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy, pgettext_lazy

from articles.models import Article, Audience, GlossaryTerm
from audit.models import AppendOnly


class Disclaimer(models.Model):
    """A disclaimer shown on published pages, for one audience or for all."""

    name = models.CharField(
        max_length=120, help_text=gettext_lazy('Heading shown to readers, e.g. "Professional Medical Disclaimer".')
    )
    audience = models.ForeignKey(
        Audience,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disclaimers",
        help_text=gettext_lazy("Empty: shown to every audience that has no disclaimer of its own."),
    )
    text = models.TextField(help_text=gettext_lazy("Markdown."))
    language = models.CharField(
        max_length=12,
        default="en",
        help_text=gettext_lazy(
            "The language of the text (en, es…). Pages in a language without a disclaimer of their own "
            "show the source language's, with a notice."
        ),
    )
    active = models.BooleanField(default=True)
    effective_from = models.DateTimeField(
        help_text=gettext_lazy("Pages rendered from this time on use this disclaimer.")
    )

    class Meta:
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"{self.name} ({self.audience or 'all audiences'})"


class Publication(models.Model):
    """One request to put one pinned revision of an article live; also the outbox row."""

    class Kind(models.TextChoices):
        APPROVED = "approved", pgettext_lazy("publication", "Approved")
        PROVISIONAL = "provisional", gettext_lazy("Provisional (pending review)")

    class State(models.TextChoices):
        PENDING = "pending", pgettext_lazy("publication", "Pending")
        SCHEDULED = "scheduled", pgettext_lazy("publication", "Scheduled")
        LIVE = "live", pgettext_lazy("publication", "Live")
        SUPERSEDED = "superseded", pgettext_lazy("publication", "Superseded")
        WITHDRAWN = "withdrawn", pgettext_lazy("publication", "Withdrawn")
        FAILED = "failed", pgettext_lazy("publication", "Failed")

    class WithdrawalMode(models.TextChoices):
        REMOVE = "remove", gettext_lazy("Remove the page (404)")
        NOTICE = "notice", gettext_lazy("Replace it with a withdrawal notice")

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="publications")
    revision = models.ForeignKey("reversion.Revision", on_delete=models.PROTECT, related_name="+")
    content_hash = models.CharField(max_length=64)
    glossary = models.JSONField(
        default=list,
        blank=True,
        help_text=gettext_lazy("The approved glossary definitions pinned with the revision (covered by content_hash)."),
    )
    slug = models.SlugField(
        max_length=120,
        blank=True,
        db_index=True,
        help_text=gettext_lazy("The article's address in the pinned revision."),
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.APPROVED)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING, db_index=True)
    go_live_at = models.DateTimeField(null=True, blank=True, help_text=gettext_lazy("Empty: as soon as possible."))
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text=gettext_lazy("Empty: stays live until replaced.")
    )
    live_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True, help_text=gettext_lazy("Shown publicly if the notice is kept."))
    withdrawal_mode = models.CharField(max_length=10, choices=WithdrawalMode.choices, blank=True)
    change_summary = models.CharField(
        max_length=300, blank=True, help_text=gettext_lazy('Public summary for "Changes to this article".')
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [
            # The desk's live list, newest first, without reading every live row (BENCHMARKS.md).
            # Covering expires_at too, so deep pages pick their ids from the index alone (PostgreSQL).
            models.Index(
                fields=["-live_at", "-id"],
                condition=Q(state="live"),
                include=["expires_at"],
                name="publication_live_recent_cover",
            ),
            # The other side of the desk's "approved, not yet published" count (BENCHMARKS.md).
            models.Index(
                fields=["revision", "article"], condition=Q(kind="approved"), name="publication_approved_revision"
            ),
            # The desk's live count reads expiry dates from this index alone, not from 30,000 rows at 100k.
            models.Index(fields=["expires_at"], condition=Q(state="live"), name="publication_live_expiry"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["article"], condition=Q(state="live"), name="one_live_publication_per_article"
            ),
            # Readers find pages by slug: two live articles at one address would be ambiguous.
            models.UniqueConstraint(fields=["slug"], condition=Q(state="live"), name="one_live_publication_per_slug"),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True)
                | Q(go_live_at__isnull=True)
                | Q(expires_at__gt=models.F("go_live_at")),
                name="publication_expires_after_go_live",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article} — {self.get_state_display()} ({self.get_kind_display()})"


class PublicationGlossaryTerm(models.Model):
    """One glossary definition a publication pinned: which term, which approved version.

    A copy of ``Publication.glossary`` as rows, so "live pages whose glossary
    is older than the approved one" is one indexed join (the editors' desk).
    """

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="glossary_pins")
    term = models.ForeignKey(GlossaryTerm, on_delete=models.PROTECT, related_name="publication_pins")
    version = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["publication", "term"], name="one_pin_per_publication_term"),
        ]
        indexes = [models.Index(fields=["term", "version"], name="publication_glossary_term_ver")]

    def __str__(self) -> str:
        return f"{self.publication}: {self.term} v{self.version}"


class PublishedPage(models.Model):
    """The rendered page of one publication for one audience (None: the default text)."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="pages")
    audience = models.ForeignKey(Audience, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=250)
    summary_html = models.TextField()
    body_html = models.TextField()
    references_html = models.TextField(blank=True)
    disclaimer = models.ForeignKey(Disclaimer, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    disclaimer_html = models.TextField(blank=True)
    review_snapshot = models.JSONField(
        default=dict, help_text=gettext_lazy("Stage, dates and reviewers (with credentials) as they were at rendering.")
    )
    data = models.JSONField(
        default=dict, help_text=gettext_lazy("Sections and references as data, for the API and JSON-LD.")
    )
    content_hash = models.CharField(max_length=64)
    rendered_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["publication", "audience"], name="one_page_per_publication_audience"),
            models.UniqueConstraint(
                fields=["publication"], condition=Q(audience__isnull=True), name="one_default_page_per_publication"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.audience or 'default'})"


# What a reader may send: the form and the service both enforce these.
MESSAGE_MAX_LENGTH = 2000
NAME_MAX_LENGTH = 120


class ReaderMessage(models.Model):
    """A follow-up question or problem report from a reader; only editors see it."""

    class Kind(models.TextChoices):
        QUESTION = "question", gettext_lazy("Follow-up question")
        PROBLEM = "problem", gettext_lazy("Report a problem")

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("reader message", "Open")
        ANSWERED = "answered", gettext_lazy("Answered")
        DISMISSED = "dismissed", gettext_lazy("Dismissed")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="reader_messages")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.QUESTION)
    message = models.TextField()
    name = models.CharField(max_length=120, blank=True)
    email = models.EmailField(blank=True)
    audience = models.ForeignKey(Audience, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN, db_index=True)
    ip_hash = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    editor_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.article}"


class EditorialPolicy(models.Model):
    """The public editorial policy, one per language; versioned with django-reversion.

    A reader language without a policy of its own is shown the source
    language's, with a notice (``publishing.selectors.reader.editorial_policy_get``).
    """

    title = models.CharField(max_length=200, default="Editorial policy")
    body = models.TextField(help_text=gettext_lazy("Markdown."))
    language = models.CharField(
        max_length=12,
        default="en",
        db_index=True,
        help_text=gettext_lazy(
            "The language of the text (en, es…). The first policy of a language (by id) is the one shown."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = gettext_lazy("editorial policy")

    def __str__(self) -> str:
        return self.title


class StoredPage(models.Model):
    """The complete bytes of one public article address, rendered once when the page changes.

    A reader request for the address is one indexed lookup of ``path`` (joined
    to its publication, which must still be live) returning ``body``; no
    Markdown and no template run. ``body_gzip`` is the same bytes compressed
    once, and ``etag`` is derived from ``body``.
    """

    path = models.CharField(
        max_length=300, unique=True, help_text=gettext_lazy("The address, e.g. /articles/<slug>/for/<audience>/.")
    )
    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="stored_pages")
    audience = models.ForeignKey(Audience, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    content_type = models.CharField(max_length=100, default="text/html; charset=utf-8")
    body = models.BinaryField()
    body_gzip = models.BinaryField()
    body_br = models.BinaryField(
        default=b"", blank=True, help_text=gettext_lazy("Brotli of body (empty without the brotli package).")
    )
    etag = models.CharField(max_length=80)
    rendered_at = models.DateTimeField()
    furniture = models.JSONField(
        default=dict,
        blank=True,
        help_text=gettext_lazy("The approved furniture versions the page was rendered with (publishing/furniture.py)."),
    )
    board_member_ids = models.CharField(
        max_length=300,
        blank=True,
        help_text=gettext_lazy(
            'The board members the page names, as ",3,7,": found by a portable LIKE when a biography changes.'
        ),
    )
    fingerprint = models.CharField(
        max_length=64,
        blank=True,
        help_text=gettext_lazy("Hash of the templates and static files the page was rendered with."),
    )

    def __str__(self) -> str:
        return self.path


class PurgeRequest(models.Model):
    """A cache purge of one address on one target that failed; a job retries it until it succeeds."""

    path = models.CharField(max_length=500)
    target = models.CharField(max_length=40, help_text=gettext_lazy('Which cache: "app-cache", "http" or "cdn".'))
    attempts = models.PositiveIntegerField(default=1)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["path", "target"], name="one_pending_purge_per_path_target")]

    def __str__(self) -> str:
        return f"purge {self.path} on {self.target}"


class PageRefresh(models.Model):
    """An article whose stored pages, cached copies and static export must catch up with a change.

    Written in the transaction of the change itself (a go-live, withdrawal or
    expiry), so it commits or rolls back with it. The on-commit callback does
    the work (re-render, purge, export) and deletes the row; a row still here
    means the work failed (an export error) or never ran (the process died
    after commit), and the retry-purges beat job runs it again. ``version``
    counts the changes: a run only deletes the row if no newer change came in
    while it worked.
    """

    slug = models.SlugField(max_length=120, unique=True)
    version = models.PositiveIntegerField(default=1)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    requested_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "pk"]

    def __str__(self) -> str:
        return f"refresh {self.slug} (v{self.version})"


class CatalogueEntry(models.Model):
    """The reader lists' lean copy of one live article: index, search, sitemap and API list read only this.

    Written by ``publishing.services.catalogue_refresh`` whenever an article goes
    live, is withdrawn or expires, from the default page of its live
    publication (published text only, never a draft). Readers' queries still
    join the publication and check it is live, so a stale row can never show
    anything that is not; their counts read this table alone (see
    ``publishing.selectors.catalogue_counted``). On PostgreSQL the table also has a weighted
    ``search_vector`` (tsvector, GIN-indexed) and a trigram index on
    ``search_names``; both are added by migration 0005 on PostgreSQL only.
    """

    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="catalogue_entry")
    publication = models.OneToOneField(Publication, on_delete=models.CASCADE, related_name="catalogue_entry")
    slug = models.SlugField(max_length=120)
    title = models.CharField(max_length=250)
    condition = models.CharField(max_length=200)
    condition_key = models.CharField(max_length=200, help_text=gettext_lazy("Lowercased condition, for the A–Z index."))
    drugs = models.CharField(max_length=500, blank=True, help_text=gettext_lazy("Comma-separated, as published."))
    kind = models.CharField(max_length=20, choices=Publication.Kind.choices)
    live_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    search_names = models.TextField(blank=True, help_text=gettext_lazy("Lowercased title, condition and drugs."))
    search_text = models.TextField(blank=True, help_text=gettext_lazy("The published summary and body as plain text."))
    language = models.CharField(
        max_length=12, default="en", help_text=gettext_lazy("The article's language: its address's prefix in lists.")
    )

    class Meta:
        indexes = [
            # Each language's A–Z order; expires_at included (PostgreSQL) so a letter's count, the
            # letters present and the ids of a deep page are read from the index alone.
            models.Index(
                fields=["language", "condition_key", "title", "id"],
                include=["expires_at"],
                name="catalogue_language_az",
            ),
            models.Index(fields=["title", "id"], name="catalogue_title"),
            # Narrow copy of what counts, the sitemap and its lastmod read (index-only on PostgreSQL):
            # the catalogue's own rows are ~2.6 KB (searchable text), this is ~80 bytes a row.
            models.Index(
                fields=["id"], include=["publication", "expires_at", "kind", "live_at", "slug"], name="catalogue_cover"
            ),
            # The API list of one language (?language=es): its keyset pages and its count, from the index.
            models.Index(fields=["language", "title", "id"], include=["expires_at"], name="catalogue_language_title"),
        ]

    def __str__(self) -> str:
        return self.title

    def drug_list(self) -> list[str]:
        return [drug.strip() for drug in self.drugs.split(",") if drug.strip()]


class FurnitureChange(models.Model):
    """A proposed change to one piece of page furniture; it reaches no page until a second person approves it.

    ``proposed`` holds the new values (a disclaimer's name and text, the
    policy's title and body, a board member's biography and disclosures).
    Approval copies them onto the object in a reversion revision credited to
    the approver, numbers the version (``version``: 1, 2, … per object) and
    records a re-render of the pages that show it (``RenderRun``).
    """

    class Kind(models.TextChoices):
        DISCLAIMER = "disclaimer", gettext_lazy("Disclaimer")
        POLICY = "policy", gettext_lazy("Editorial policy")
        BOARD_MEMBER = "board_member", gettext_lazy("Board member biography and disclosures")

    class State(models.TextChoices):
        PROPOSED = "proposed", gettext_lazy("Proposed")
        APPROVED = "approved", gettext_lazy("Approved")
        REJECTED = "rejected", gettext_lazy("Rejected")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    disclaimer = models.ForeignKey(Disclaimer, null=True, blank=True, on_delete=models.PROTECT, related_name="changes")
    audience = models.ForeignKey(
        Audience,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=gettext_lazy("A new disclaimer's audience (empty: all audiences)."),
    )
    language = models.CharField(
        max_length=12,
        default="en",
        help_text=gettext_lazy("The language of the text: a new disclaimer's, the policy's or a board entry's."),
    )
    policy = models.ForeignKey(EditorialPolicy, null=True, blank=True, on_delete=models.PROTECT, related_name="changes")
    board_member = models.ForeignKey(
        "review.BoardMember", null=True, blank=True, on_delete=models.PROTECT, related_name="furniture_changes"
    )
    proposed = models.JSONField(help_text=gettext_lazy("The new values."))
    note = models.CharField(max_length=300, blank=True, help_text=gettext_lazy("Why, for the approver."))
    state = models.CharField(max_length=10, choices=State.choices, default=State.PROPOSED, db_index=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(
        null=True, blank=True, help_text=gettext_lazy("The object's version this approval made.")
    )
    revision = models.ForeignKey(
        "reversion.Revision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    summary = models.CharField(
        max_length=300, blank=True, help_text=gettext_lazy('Public, e.g. "Patient disclaimer updated".')
    )

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        indexes = [
            # The public change log: approved changes, newest first.
            models.Index(fields=["-decided_at", "-id"], condition=Q(state="approved"), name="furniture_change_log"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} change ({self.get_state_display()})"


class RenderRun(models.Model):
    """A background re-render of stored pages, in batches: the outbox row of a deploy or a furniture change.

    Written in the transaction that makes pages stale (a furniture approval),
    or by ``refresh_live_pages --background`` after a deploy. Each batch job
    re-renders the next ``RENDER_BATCH_SIZE`` pages of ``scope`` after
    ``cursor`` (keyset by id) and commits its progress; beat's outbox sweep
    sends the next batch again when a run has made no progress for a minute
    (the broker was down, a worker died). Re-rendering a page that is already
    current changes nothing, so a batch run twice is harmless.
    """

    reason = models.CharField(max_length=300, help_text=gettext_lazy("Shown on the desk."))
    change = models.ForeignKey(FurnitureChange, null=True, blank=True, on_delete=models.PROTECT, related_name="runs")
    scope = models.JSONField(
        default=dict,
        blank=True,
        help_text=gettext_lazy(
            'Which pages: {"fingerprint": …} (older renders), {"disclaimer": id, "audience": '
            'id}, {"board_member": id} or {"all": true}.'
        ),
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    cursor = models.PositiveBigIntegerField(default=0, help_text=gettext_lazy("The last StoredPage id handled."))
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    progressed_at = models.DateTimeField(help_text=gettext_lazy("The last batch committed (or the run was created)."))
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["progressed_at"], condition=Q(finished_at__isnull=True), name="render_run_open")
        ]

    def __str__(self) -> str:
        return f"{self.reason} ({self.done}/{self.total})"


class StoredPageVersion(models.Model):
    """One set of bytes an article address served, and from when until when: the record behind what_was_live.

    Written in the same transaction as every ``StoredPage`` write
    (``publishing/pages.py``): the row of the bytes it replaces gets
    ``served_until``, and removing a stored page (a withdrawal, a retired
    audience) closes its row too. The bytes are kept gzip-compressed
    (``body_gzip``, the app's own compression of exactly the bytes served) with
    the publication, furniture versions and render fingerprint they were
    rendered with. A reader's page or shared cache may have kept the previous
    bytes for up to the cache lifetime after ``served_until`` (purges are
    immediate unless a cache is unreachable; see RELIABILITY.md).
    """

    path = models.CharField(max_length=300)
    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="page_versions")
    audience = models.ForeignKey(Audience, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    content_type = models.CharField(max_length=100, default="text/html; charset=utf-8")
    body_gzip = models.BinaryField()
    etag = models.CharField(max_length=80)
    furniture = models.JSONField(default=dict, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    served_from = models.DateTimeField()
    served_until = models.DateTimeField(null=True, blank=True, help_text=gettext_lazy("Empty: still the stored page."))

    class Meta:
        ordering = ["path", "-served_from", "-pk"]
        indexes = [
            models.Index(fields=["path", "served_from"], name="stored_page_version_at"),
            models.Index(fields=["path"], condition=Q(served_until__isnull=True), name="stored_page_version_open"),
        ]

    def __str__(self) -> str:
        return f"{self.path} from {self.served_from:%Y-%m-%d %H:%M}"


class VerifyRun(models.Model):
    """One run of the auditor's verifier over every live page (``manage.py verify_live`` or the desk).

    A run from the desk is a background job that walks live publications by
    id (``cursor``) and commits each batch's findings with its progress, so a
    job redelivered after a worker died carries on where the last batch ended.
    """

    class Origin(models.TextChoices):
        DESK = "desk", gettext_lazy("Started on the desk")
        COMMAND = "command", "manage.py verify_live"

    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.DESK)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    progressed_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    cursor = models.PositiveBigIntegerField(default=0, help_text=gettext_lazy("The last Publication id checked."))
    publications = models.PositiveIntegerField(default=0, help_text=gettext_lazy("Live publications checked so far."))
    pages = models.PositiveIntegerField(
        default=0, help_text=gettext_lazy("Stored pages and export files compared so far.")
    )
    drift = models.PositiveIntegerField(
        default=0, help_text=gettext_lazy("Differences found (each is a VerifyFinding).")
    )
    stale = models.PositiveIntegerField(default=0, help_text=gettext_lazy("Pages waiting for a re-render (not drift)."))
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Verification {self.pk} ({self.drift} differences)"


class VerifyFinding(models.Model):
    """One difference the verifier found: which article, audience and address, and why."""

    run = models.ForeignKey(VerifyRun, on_delete=models.CASCADE, related_name="findings")
    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="+")
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="+")
    audience = models.CharField(max_length=100, help_text=gettext_lazy('The audience slug, or "default".'))
    address = models.CharField(max_length=300)
    kind = models.CharField(
        max_length=30, help_text=gettext_lazy("Which comparison failed (publishing/verify.py CHECKS).")
    )
    reason = models.TextField()
    stale = models.BooleanField(
        default=False, help_text=gettext_lazy("A page not yet re-rendered: reported, not drift.")
    )

    class Meta:
        ordering = ["run", "pk"]

    def __str__(self) -> str:
        return f"{self.address}: {self.kind}"


# --- search: the ranked lead table, the editors' vocabulary, searches that found nothing ----------------


class CatalogueLead(models.Model):
    """The narrow search row of one catalogue entry: what ranking reads, rewritten with the entry.

    One row per ``CatalogueEntry`` (written by ``publishing.catalogue`` in the
    same transaction). On PostgreSQL the table also has ``tsv``, a weighted
    tsvector of the title and condition (A), drugs (B) and bottom line (C) in
    the row's own text-search configuration, indexed by RUM when the extension
    is available (ranked inside the index) and by GIN otherwise (migration
    0016). ``prior`` is a small query-independent weight (audiences written
    for, recency, a question title) that orders ties.
    """

    entry = models.OneToOneField(CatalogueEntry, primary_key=True, on_delete=models.CASCADE, related_name="lead")
    language = models.CharField(
        max_length=12, help_text=gettext_lazy("Primary language subtag of the text, e.g. en, es.")
    )
    text_config = models.CharField(
        max_length=63,
        default="simple",
        help_text=gettext_lazy("PostgreSQL text-search configuration (SEARCH_TEXT_CONFIGS)."),
    )
    prior = models.FloatField(default=0.0, help_text=gettext_lazy("Query-independent weight, 0 to 1."))
    audiences = models.CharField(
        max_length=400,
        blank=True,
        help_text=gettext_lazy("Space-separated slugs of the audiences with text of their own."),
    )
    condition_key = models.CharField(max_length=200, help_text=gettext_lazy("Lowercased condition, for the filter."))
    drug_keys = models.CharField(
        max_length=500, blank=True, help_text=gettext_lazy("Lowercased drug names, '|' around each.")
    )
    reviewed_on = models.DateField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["condition_key"], name="catalogue_lead_condition")]

    def __str__(self) -> str:
        return f"lead of entry {self.entry_id}"


class SearchSynonym(models.Model):
    """Two phrases a reader may use for the same thing; each finds what the other finds.

    Editors maintain them (``publishing.services.search``); every change is a
    reversion version and a ``SearchSynonymEvent``. ``term_key`` and
    ``synonym_key`` are ``search_key`` of the phrases, so "CMV" matches "cmv".
    """

    class Kind(models.TextChoices):
        ABBREVIATION = "abbreviation", gettext_lazy("Abbreviation ↔ condition")
        BRAND = "brand", gettext_lazy("Brand ↔ generic")
        LAY = "lay", gettext_lazy("Lay ↔ clinical")
        OTHER = "other", gettext_lazy("Other")

    term = models.CharField(max_length=120, help_text=gettext_lazy('What readers type, e.g. "CMV" or "Valcyte".'))
    synonym = models.CharField(max_length=120, help_text=gettext_lazy('What the articles say, e.g. "cytomegalovirus".'))
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    source = models.CharField(
        max_length=80, blank=True, help_text=gettext_lazy('Where it comes from, e.g. "RxNorm", "MeSH".')
    )
    term_key = models.CharField(max_length=120, db_index=True, editable=False)
    synonym_key = models.CharField(max_length=120, db_index=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["term_key", "synonym_key"], name="one_search_synonym_per_pair"),
            models.CheckConstraint(condition=~Q(term_key=models.F("synonym_key")), name="search_synonym_not_itself"),
        ]

    def __str__(self) -> str:
        return f"{self.term} ↔ {self.synonym}"


class SearchSynonymEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("Synonym events are append-only and cannot be updated.")

    def delete(self):
        raise AppendOnly("Synonym events are append-only and cannot be deleted.")


class SearchSynonymEvent(models.Model):
    """An append-only record of one change to the search vocabulary (added, changed, deleted, imported)."""

    class Action(models.TextChoices):
        ADDED = "added", pgettext_lazy("synonym change", "Added")
        CHANGED = "changed", pgettext_lazy("synonym change", "Changed")
        DELETED = "deleted", pgettext_lazy("synonym change", "Deleted")

    synonym_id_at_event = models.BigIntegerField(help_text=gettext_lazy("The synonym's id (kept after it is deleted)."))
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    comment = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = SearchSynonymEventQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.action} synonym {self.synonym_id_at_event}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnly("Synonym events are append-only and cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("Synonym events are append-only and cannot be deleted.")


class SearchMiss(models.Model):
    """How many searches for one normalised query found nothing on one day. Nothing about who searched."""

    query_key = models.CharField(max_length=200)
    language = models.CharField(
        max_length=12, default="en", help_text=gettext_lazy("The language of the search page the reader used.")
    )
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["query_key", "language", "day"], name="one_search_miss_per_query_language_day"
            )
        ]
        indexes = [models.Index(fields=["day"], name="search_miss_day")]

    def __str__(self) -> str:
        return f"{self.query_key} [{self.language}] ({self.day}: {self.count})"
