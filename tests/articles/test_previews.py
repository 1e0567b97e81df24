"""The rules the studio and the review page share (articles/previews.py) and the studio's authorisation rule."""

from __future__ import annotations

import pytest

from articles import previews, selectors, services
from articles.content import content_from_article
from cms import roles
from tests import factories
from tests.articles.test_studio_views import _edit_data

pytestmark = pytest.mark.django_db


def test_the_studio_preview_and_the_assessment_judge_a_text_the_same_way(article):
    audiences = list(selectors.audience_list())
    content = content_from_article(article)
    assessment = previews.content_assessment(content, audiences)
    preview = previews.studio_preview(content, audiences, audiences[0].slug)
    assert preview["checks"] == assessment.checks and preview["readability"] == assessment.readability
    assert preview["checks_block"] is assessment.blocks
    assert [r.slug for r in assessment.readability] == ["", *(a.slug for a in audiences)]  # the default text first
    assert preview["preview_audience"] == audiences[0]


def test_a_translation_is_measured_without_the_english_glossary(article):
    content = content_from_article(article)
    assert previews.preview_glossary(content) == selectors.glossary_entries()
    spanish = content.__class__(**{**content.__dict__, "language": "es"})
    assert previews.preview_glossary(spanish) == []


def _keep(article, user, body: str, *, lock_version: int):
    data = {key: str(value) for key, value in _edit_data(article, body=body).items() if key != "lock_version"}
    return services.draft_buffer_save(article, acting_user=user, data=data, lock_version=lock_version)


def test_the_editor_opens_with_the_unsaved_text_only_when_it_differs(article, author):
    audiences = list(selectors.audience_list())
    saved = previews.editor_text(article, author, audiences=audiences, awaiting=None, wait=0)
    assert saved.draft is None and saved.content == content_from_article(article) and not saved.stale

    _keep(article, author, article.body, lock_version=article.lock_version)  # the same text as saved
    same = previews.editor_text(article, author, audiences=audiences, awaiting=None, wait=0)
    assert same.draft is None

    _keep(article, author, "## Dosing\n\nTyped, not saved.\n", lock_version=article.lock_version)
    kept = previews.editor_text(article, author, audiences=audiences, awaiting=None, wait=0)
    assert kept.draft is not None and "Typed, not saved." in kept.content.body
    assert kept.lock_version == article.lock_version and not kept.stale


def test_unsaved_text_from_before_another_save_is_stale_and_keeps_its_lock_version(article, author, author2):
    audiences = list(selectors.audience_list())
    article.authors.add(author2)
    typed_on = article.lock_version
    _keep(article, author, "## Dosing\n\nMine.\n", lock_version=typed_on)
    services.article_update(article, acting_user=author2, lock_version=typed_on, fields={"title": "Newer title?"})
    article.refresh_from_db()
    text = previews.editor_text(article, author, audiences=audiences, awaiting=None, wait=0)
    assert text.stale and text.lock_version == typed_on != article.lock_version


def test_who_may_author_an_article(article, author, author2):
    assert roles.can_author(author, article) and roles.is_article_author(article, author)
    assert not roles.can_author(author2, article) and not roles.is_article_author(article, author2)
    assert roles.can_author(factories.UserFactory(username="root", is_superuser=True), article)
    author.groups.clear()
    author._vetted_roles = None
    assert roles.is_article_author(article, author) and not roles.can_author(author, article)
    assert roles.is_article_author(article, author2, author_ids=frozenset({author2.pk}))  # from bulk facts, no query
    assert not roles.can_author(None, article) and not roles.is_article_author(article, None)
