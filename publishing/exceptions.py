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
