"""Errors raised by the evidence watch."""

from __future__ import annotations


class EvidenceError(Exception):
    """Base class for evidence-watch errors shown to the user."""


class EvidenceFileError(EvidenceError):
    """An import file cannot be read at all (missing columns, unreachable source); nothing was imported."""


class EvidencePermissionError(EvidenceError):
    """The acting user may not do this with an alert or a justification."""


class InvalidAlertAction(EvidenceError):
    """The action does not apply to the alert in its current state."""
