"""Review models: the board, review rounds, decisions and comments (the audit trail is audit.WorkflowEvent)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy, pgettext_lazy

from articles.models import Article, GlossaryDefinition


class BoardMember(models.Model):
    """A member of the Medical Advisory Board, credited publicly on the pages they review."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="board_member")
    display_name = models.CharField(
        max_length=120, help_text=gettext_lazy('As credited to readers, e.g. "Dr. Amara Okafor".')
    )
    credentials = models.CharField(max_length=200, help_text=gettext_lazy('e.g. "MD, Infectious Diseases".'))
    specialties = models.CharField(
        max_length=300,
        blank=True,
        help_text=gettext_lazy("Comma-separated; matching articles are listed first in the queue."),
    )
    bio = models.TextField(blank=True, help_text=gettext_lazy("A short public biography."))
    active = models.BooleanField(
        default=True, help_text=gettext_lazy("Inactive members cannot claim or decide reviews.")
    )
    credential_verified_until = models.DateField(
        null=True, blank=True, help_text=gettext_lazy("After this date the member cannot decide until re-verified.")
    )
    disclosures = models.TextField(
        blank=True, help_text=gettext_lazy("Conflict-of-interest disclosures, shown publicly.")
    )
    disclosed_drugs = models.CharField(
        max_length=500, blank=True, help_text=gettext_lazy("Comma-separated drug names.")
    )
    disclosed_conditions = models.CharField(
        max_length=500, blank=True, help_text=gettext_lazy("Comma-separated conditions.")
    )
    disclosed_companies = models.CharField(
        max_length=500, blank=True, help_text=gettext_lazy("Comma-separated companies.")
    )
    translations = models.JSONField(
        default=dict,
        blank=True,
        help_text=gettext_lazy(
            'The biography and disclosures in other languages: {"es": {"bio": "…", "disclosures": "…"}}. '
            "Written only by an approved furniture change; a language missing here shows the source wording."
        ),
    )
    disclosures_declared_on = models.DateField(null=True, blank=True)
    languages = models.CharField(
        max_length=100,
        default="en",
        help_text=gettext_lazy(
            "Comma-separated language codes (e.g. en, es) the member reviews in; "
            "only a member who reads an article's language can approve it."
        ),
    )
    external = models.BooleanField(
        default=False,
        help_text=gettext_lazy(
            "An invited outside reviewer (review.Invitation): reviews only the invited article, not on the board page."
        ),
    )

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return f"{self.display_name}, {self.credentials}"

    @staticmethod
    def _split(value: str) -> list[str]:
        return [item.strip() for item in value.split(",") if item.strip()]

    def specialty_list(self) -> list[str]:
        return self._split(self.specialties)

    def language_list(self) -> list[str]:
        return [code.lower() for code in self._split(self.languages)]

    def reads(self, language: str) -> bool:
        return language.split("-")[0].lower() in self.language_list()

    def entry_in(self, language: str, default_language: str = "en") -> tuple[str, str, str]:
        """Return (biography, disclosures, the language they are in) for a reader language.

        The translation approved for the language if there is one, else the
        source-language wording (the caller says so on the page).
        """
        code = language.split("-")[0].lower()
        wording = (self.translations or {}).get(code) if code != default_language else None
        if wording:
            return wording.get("bio", ""), wording.get("disclosures", ""), code
        return self.bio, self.disclosures, default_language

    def disclosed_terms(self) -> list[str]:
        return (
            self._split(self.disclosed_drugs)
            + self._split(self.disclosed_conditions)
            + self._split(self.disclosed_companies)
        )


class ReviewRound(models.Model):
    """One submission of one revision of an article to the board.

    ``glossary`` is the snapshot of the approved glossary definitions the text
    uses (textkit.content.GlossaryContent as JSON), taken at submission and
    covered by ``content_hash``. A "glossary refresh" round re-approves the
    same revision with newer definitions: opened and approved at once by the
    board member who signs it (review.services.article_glossary_refresh).
    """

    class Kind(models.TextChoices):
        REVIEW = "review", gettext_lazy("Review")
        GLOSSARY_REFRESH = "glossary_refresh", gettext_lazy("Glossary refresh")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("review round", "Open")
        APPROVED = "approved", pgettext_lazy("review round", "Approved")
        CHANGES_REQUESTED = "changes_requested", pgettext_lazy("review round", "Changes requested")
        REJECTED = "rejected", pgettext_lazy("review round", "Rejected")
        WITHDRAWN = "withdrawn", pgettext_lazy("review round", "Withdrawn")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="review_rounds")
    revision = models.ForeignKey("reversion.Revision", on_delete=models.PROTECT, related_name="+")
    content_hash = models.CharField(max_length=64)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.REVIEW)
    glossary = models.JSONField(
        default=list, blank=True, help_text=gettext_lazy("The approved definitions pinned with the text.")
    )
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    required_approvals = models.PositiveSmallIntegerField(default=1)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [
            # The board's queue pages through open rounds, longest waiting first (BENCHMARKS.md).
            models.Index(fields=["submitted_at", "id"], condition=Q(status="open"), name="review_round_open_waiting"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["article"], condition=Q(status="open"), name="one_open_review_round_per_article"
            ),
            models.CheckConstraint(condition=Q(required_approvals__gte=1), name="review_round_needs_an_approval"),
        ]

    def __str__(self) -> str:
        return f"Review of {self.article} ({self.get_status_display()})"


class ReviewDecision(models.Model):
    """A reviewer's seat on a round and, once made, their decision."""

    class Decision(models.TextChoices):
        APPROVE = "approve", gettext_lazy("Approve")
        REQUEST_CHANGES = "request_changes", gettext_lazy("Request changes")
        REJECT = "reject", gettext_lazy("Reject")

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="decisions")
    reviewer = models.ForeignKey(BoardMember, on_delete=models.PROTECT, related_name="decisions")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField()
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    comment = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    revision = models.ForeignKey(
        "reversion.Revision",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=gettext_lazy("The revision the decision was made on."),
    )
    voting = models.BooleanField(
        default=True, help_text=gettext_lazy("Whether this reviewer's approval counts toward the round's quorum.")
    )
    due_on = models.DateField(
        null=True,
        blank=True,
        help_text=gettext_lazy(
            "When the decision is due (REVIEW_DUE_DAYS after assignment unless an editor moved it)."
        ),
    )

    class Meta:
        ordering = ["assigned_at"]
        indexes = [
            # The board queue's counts ("awaiting": rounds without the member's seat; "mine": their
            # undecided seats) read one member's seats from this index alone (BENCHMARKS.md).
            models.Index(fields=["reviewer", "decision", "round"], name="decision_reviewer_seat"),
            # The editors' queue: each member's latest decisions for the median turnaround (a bounded read).
            models.Index(fields=["reviewer", "-decided_at"], name="decision_reviewer_recent"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["round", "reviewer"], name="one_decision_per_reviewer_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} on {self.round}: {self.get_decision_display() or 'pending'}"


class ReviewReminder(models.Model):
    """One reminder sent about one seat's due date: the row makes the beat job send each reminder once.

    The due date is part of the key, so moving a seat's due date earns new
    reminders for the new date, never a repeat for the same one.
    """

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", gettext_lazy("Due soon")
        OVERDUE = "overdue", gettext_lazy("Overdue")

    seat = models.ForeignKey(ReviewDecision, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    due_on = models.DateField()
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["sent_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["seat", "kind", "due_on"], name="one_reminder_per_seat_kind_due_date"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} reminder for {self.seat_id} (due {self.due_on})"


class GlossaryApproval(models.Model):
    """A board member's decision on a proposed glossary definition; rows are only ever added."""

    class Decision(models.TextChoices):
        APPROVE = "approve", gettext_lazy("Approve")
        REJECT = "reject", gettext_lazy("Reject")

    definition = models.ForeignKey(GlossaryDefinition, on_delete=models.PROTECT, related_name="board_decisions")
    member = models.ForeignKey(BoardMember, on_delete=models.PROTECT, related_name="glossary_decisions")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    comment = models.TextField(blank=True)
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["decided_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["definition", "member"], name="one_glossary_decision_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.member} on {self.definition}: {self.get_decision_display()}"


class ReviewComment(models.Model):
    """A reviewer's note on one section or audience version, resolved by the author."""

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    section = models.CharField(
        max_length=250, blank=True, help_text=gettext_lazy("Section heading, or empty for the whole text.")
    )
    audience = models.ForeignKey("articles.Audience", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Comment on {self.where}"

    @property
    def where(self) -> str:
        """Return what the comment is about: the section, the audience version, or the whole article."""
        if self.section and self.audience_id:
            return f"{self.section} ({self.audience.name} version)"
        if self.section:
            return self.section
        if self.audience_id:
            return f"{self.audience.name} version"
        return "Whole article"


class Invitation(models.Model):
    """An outside reviewer invited by an editor to review one article, through a signed link and an emailed code.

    The invitee is an external BoardMember (with a user that has no password
    and no group), so the review services, recusal and credential rules and
    the quorum treat them as any reviewer; `voting` says whether their
    approval counts. `nonce` is part of every link: revoking rotates it, so an
    old link fails even where its signature is valid.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="invitations")
    round = models.ForeignKey(ReviewRound, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations")
    member = models.OneToOneField(BoardMember, on_delete=models.PROTECT, related_name="invitation")
    email = models.EmailField()
    name = models.CharField(max_length=120)
    credentials = models.CharField(max_length=200)
    disclosures = models.TextField(blank=True)
    voting = models.BooleanField(default=False)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    nonce = models.CharField(max_length=64)
    code_hash = models.CharField(max_length=128, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    code_sent_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    locked_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Invitation {self.pk}: {self.name} for {self.article}"


class PreviewLink(models.Model):
    """A read-only, expiring, revocable link to one saved revision of an article, for people without an account.

    Pinned to the revision it was made for and that revision's content hash:
    a later edit makes a new revision, which an old link never shows. The
    page is marked as an unapproved draft and never indexed or cached.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="preview_links")
    revision = models.ForeignKey("reversion.Revision", on_delete=models.PROTECT, related_name="+")
    content_hash = models.CharField(max_length=64)
    nonce = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Preview {self.pk} of {self.article} (revision {self.revision_id})"


class PreviewComment(models.Model):
    """A comment left on a shared preview by someone without an account: the authors see it as an outside comment."""

    link = models.ForeignKey(PreviewLink, on_delete=models.CASCADE, related_name="comments")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="preview_comments")
    name = models.CharField(max_length=120, blank=True, help_text=gettext_lazy("As the commenter gave it; unverified."))
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["article", "-created_at"], name="preview_comment_article")]

    def __str__(self) -> str:
        return f"Outside comment on {self.article} (preview {self.link_id})"
