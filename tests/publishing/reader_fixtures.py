"""Fixtures for the reader-site tests: articles taken through review and the real publisher.

``live_site`` is parametrised over the site's two reader languages: a test
that takes it runs once for the English article at ``/articles/…`` and once
for its live, board-approved Spanish translation at ``/es/…``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from articles import translations
from articles.models import Article
from publishing.models import Publication
from tests.factories import BoardMemberFactory, UserFactory
from tests.publishing.publish_helpers import approve, edit, make_disclaimers, request_and_publish

SPANISH_SLUG = "tratamiento-cmv"
SPANISH_TITLE = "¿Cuál es el tratamiento de la infección por CMV?"
SPANISH_SUMMARY = "Casi siempre se empieza con ganciclovir por la vena o valganciclovir por la boca [@kotton2018]."


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


@pytest.fixture
def spanish_reviewer(db):
    """A board member who reads Spanish (and English), so may approve a Spanish translation."""
    return BoardMemberFactory(
        user=UserFactory(username="revisora", groups=["Medical Advisory Board"]),
        display_name="Dra. Lucía Ferrer",
        languages="en, es",
    ).user


def translate(source: Article, author) -> Article:
    """Start the Spanish translation of an approved article (the real service) and write its Spanish text."""
    spanish = translations.translation_create(source, acting_user=author, language="es", slug=SPANISH_SLUG)
    return edit(spanish, author=author, title=SPANISH_TITLE, summary=SPANISH_SUMMARY)


@pytest.fixture
def live_translation(published, author, spanish_reviewer, editor) -> Publication:
    """The live article's Spanish translation, approved by a Spanish-reading board member and put live."""
    spanish = translate(published.article, author)
    approve(spanish, author=author, reviewer=spanish_reviewer)
    publication = request_and_publish(spanish, editor=editor)
    assert publication.state == Publication.State.LIVE
    return publication


@dataclass(frozen=True)
class LiveSite:
    """One language of the live site: its address prefix and the live article in that language."""

    language: str
    prefix: str  # "" for English, "/es" for Spanish
    publication: Publication

    @property
    def slug(self) -> str:
        return self.publication.slug or self.publication.article.slug

    def url(self, rest: str = "/") -> str:
        """Return a site address in this language ("/es" + rest)."""
        return f"{self.prefix}{rest}"

    @property
    def article_url(self) -> str:
        return f"{self.prefix}/articles/{self.slug}/"

    def audience_url(self, audience: str) -> str:
        return f"{self.article_url}for/{audience}/"


@pytest.fixture(params=["en", "es"])
def live_site(request, published) -> LiveSite:
    """The live site in each reader language (both languages' articles are live in the "es" run)."""
    if request.param == "en":
        return LiveSite("en", "", published)
    return LiveSite("es", "/es", request.getfixturevalue("live_translation"))
