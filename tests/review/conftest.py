"""Fixtures for the review tests: a third board member and helpers to move articles along."""

from __future__ import annotations

import pytest

from articles.models import Article
from review import services
from tests import factories


@pytest.fixture
def reviewer3(db):
    return factories.BoardMemberFactory(user__username="lucia", display_name="Dr. Lucía Third").user


@pytest.fixture
def submitted(article: Article, author) -> Article:
    """The fixture article, submitted by its author."""
    return services.article_submit(article, acting_user=author)


@pytest.fixture
def in_review(submitted: Article, reviewer) -> Article:
    """The fixture article, submitted and claimed by `reviewer`."""
    return services.review_claim(submitted, acting_user=reviewer)
