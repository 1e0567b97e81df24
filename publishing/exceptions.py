"""Errors raised by the publishing services."""

from __future__ import annotations
