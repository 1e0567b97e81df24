"""Errors raised by the review services."""

from __future__ import annotations
