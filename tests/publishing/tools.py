"""Skip (or, with REQUIRE_SERVICES=1 as in CI, fail) a test whose outside program is missing."""

from __future__ import annotations

import os

import pytest


def require(available: bool, reason: str) -> None:
    """Skip with the reason, or fail when CI requires every service and tool to be there."""
    if available:
        return
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"REQUIRE_SERVICES=1 but the test {reason}", pytrace=False)
    pytest.skip(reason)
