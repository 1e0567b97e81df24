"""Fixtures for the reader-site tests: articles taken through review and the real publisher."""

from __future__ import annotations

import pytest

from publishing.models import Publication
from tests.publishing.publish_helpers import approve, make_disclaimers, request_and_publish


@pytest.fixture
def disclaimers(db):
    return make_disclaimers()


@pytest.fixture
def published(article, author, reviewer, editor, disclaimers) -> Publication:
    """The demo-like article approved by the board and put live by the publish task."""
    approve(article, author=author, reviewer=reviewer)
    publication = request_and_publish(article, editor=editor, change_summary="First published after board review.")
    assert publication.state == Publication.State.LIVE
    return publication
