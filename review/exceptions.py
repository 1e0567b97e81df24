"""Errors raised by the review services.

Every message is shown to a person as it is: it says what is wrong, where,
and what to do about it.
"""

from __future__ import annotations


class ReviewError(Exception):
    """Base class for review workflow errors shown to the user."""


class InvalidTransition(ReviewError):
    """The article's status does not allow this step of the workflow."""


class ReviewPermissionError(ReviewError):
    """The acting user may not take this step on this article."""


class Recused(ReviewPermissionError):
    """The board member's disclosures name something the article mentions."""

    def __init__(self, message: str, *, terms: list[str] | None = None) -> None:
        self.terms = list(terms or [])
        super().__init__(message)


class ApprovalBlocked(ReviewError):
    """An approval guard refused the approval (e.g. a dose mismatch with no reviewer's reason recorded)."""


class ContentCheckFailed(ReviewError):
    """The article has content errors that block submission; `results` lists them."""

    def __init__(self, message: str, *, results: list | None = None) -> None:
        self.results = list(results or [])
        super().__init__(message)


class RevisionMismatch(ReviewError):
    """The decision was made on a revision other than the one under review."""


class AlreadyDecided(ReviewError):
    """This reviewer already recorded a decision in the current round."""


class CommentRequired(ReviewError):
    """Requesting changes or rejecting needs a comment for the author."""


class CommentTooLong(ReviewError):
    """A comment is longer than textkit.text.MAX_LENGTHS["comment"]."""


class InvalidReviewPolicy(ReviewError):
    """A quorum or re-review interval outside the allowed range."""


class ResubmitNeedsConfirmation(ReviewError):
    """Resubmitting unchanged text or with comments unresolved needs the author's confirmation and reply."""

    def __init__(self, message: str, *, reasons: list[str] | None = None) -> None:
        self.reasons = list(reasons or [])
        super().__init__(message)


class InvitationError(ReviewError):
    """An invitation link or code that does not (or no longer) open anything; the message says why."""
