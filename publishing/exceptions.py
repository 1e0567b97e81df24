"""Errors raised by the publishing services."""

from __future__ import annotations


class PublishingError(Exception):
    """Base class for publishing errors shown to the editor."""


class PublishingPermissionError(PublishingError):
    """The acting user may not do this (only editors publish, schedule and withdraw)."""


class InvalidPublicationState(PublishingError):
    """The article or publication is not in a state that allows this action."""


class ContentHashMismatch(PublishingError):
    """The pinned revision's content no longer hashes to what the board approved."""


class ProvisionalPublishingDisabled(PublishingError):
    """Provisional publishing is switched off for this site (PROVISIONAL_PUBLISHING)."""


class ScheduleError(PublishingError):
    """A go-live or expiry time is not valid."""


class ReaderMessageInvalid(PublishingError, ValueError):
    """A reader message is missing its text, too long, or of an unknown kind."""


class ReaderMessageRateLimited(PublishingError):
    """Too many messages were sent from one address within the hour."""


class InboxPermissionError(PublishingPermissionError, PermissionError):
    """Only editors may handle reader messages or edit the editorial policy."""


class InvalidMessageTransition(PublishingError, ValueError):
    """The requested state change of a reader message is not allowed."""


class FurniturePermissionError(PublishingPermissionError, PermissionError):
    """The acting user may not propose, approve or reject this change of page furniture."""


class FurnitureChangeInvalid(PublishingError, ValueError):
    """A proposed furniture change is empty, too long, or names nothing to change."""


class SearchPermissionError(PublishingPermissionError, PermissionError):
    """Only editors may change the search vocabulary."""


class SearchSynonymInvalid(PublishingError, ValueError):
    """A synonym is empty, too long, the same as its term, or already there."""


class SearchSynonymImportError(PublishingError, ValueError):
    """A synonym file has bad rows; nothing was imported. ``errors`` lists them by line number."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))
