from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from reversion.models import Version

from articles import selectors, services
from articles.exceptions import ContentLocked, EditConflict, SlugTaken
from articles.models import Article, Reference
from tests import factories

pytestmark = pytest.mark.django_db


def test_create_makes_one_revision_with_user_and_comment(article, author):
    versions = Version.objects.get_for_object(article)
    assert versions.count() == 1
    assert versions[0].revision.user == author
    assert versions[0].revision.comment == "Created the article."
    assert list(article.authors.all()) == [author]


def test_each_update_makes_exactly_one_revision(article, author):
    services.article_update(
        article, acting_user=author, lock_version=0, fields={"body": "## New\n\nText"}, comment="Rewrote the body."
    )
    versions = Version.objects.get_for_object(article)
    assert versions.count() == 2
    assert versions[0].revision.comment == "Rewrote the body."
    assert versions[0].revision.user == author
    # the revision holds the article and all of its references and variants
    assert versions[0].revision.version_set.count() == 1 + 3 + 1


def test_update_without_comment_describes_the_change(article, author):
    services.article_update(article, acting_user=author, lock_version=0, fields={"title": "Changed?"})
    assert selectors.article_latest_revision(article).comment == "Edited title."


def test_second_of_two_concurrent_editors_gets_edit_conflict_and_first_text_survives(article, author, author2):
    loaded_by_both = article.lock_version
    services.article_update(article, acting_user=author, lock_version=loaded_by_both, fields={"body": "First"})
    with pytest.raises(EditConflict) as excinfo:
        services.article_update(article, acting_user=author2, lock_version=loaded_by_both, fields={"body": "Second"})
    article.refresh_from_db()
    assert article.body == "First\n"  # stored normalised: one final newline
    assert excinfo.value.submitted["fields"] == {"body": "Second"}
    assert Version.objects.get_for_object(article).count() == 2


def test_revert_restores_text_and_removes_later_references(article, author):
    original = selectors.article_latest_revision(article)
    refs = [
        {"key": r.key, "kind": r.kind, "title": r.title, "year": r.year}
        for r in Reference.objects.filter(article=article)
    ]
    services.article_update(
        article,
        acting_user=author,
        lock_version=0,
        fields={"body": "Replaced"},
        references=refs + [{"key": "new2024", "kind": "research", "title": "Added later"}],
        variants=[],
    )
    assert article.references.filter(key="new2024").exists()
    assert not article.variants.exists()
    article.refresh_from_db()
    services.article_revert(article, acting_user=author, revision=original, lock_version=article.lock_version)
    article.refresh_from_db()
    assert article.body == factories.BODY
    assert not article.references.filter(key="new2024").exists()
    assert article.references.count() == 3
    assert article.references.get(key="kotton2018").pmid == "29596116"
    assert article.variants.count() == 1
    assert Version.objects.get_for_object(article).count() == 3
    assert "Restored" in selectors.article_latest_revision(article).comment


def test_duplicate_slug_is_refused_with_a_clear_error(article, author):
    with pytest.raises(SlugTaken, match="cmv-treatment"):
        factories.make_article(author=author, slug="cmv-treatment")
    assert Article.objects.count() == 1


@pytest.mark.parametrize("slug", ["new", "editor"])
def test_slugs_of_fixed_pages_are_refused(author, slug):
    with pytest.raises(SlugTaken, match="reserved"):
        factories.make_article(author=author, slug=slug)
    assert not Article.objects.exists()


def test_duplicate_reference_key_is_refused_and_nothing_is_saved(article, author):
    with pytest.raises(ValidationError):
        services.article_update(
            article,
            acting_user=author,
            lock_version=0,
            fields={"body": "changed"},
            references=[{"key": "a", "title": "A"}, {"key": "a", "title": "B"}],
        )
    article.refresh_from_db()
    assert article.body == factories.BODY
    assert article.lock_version == 0


@pytest.mark.parametrize("status", [Article.Status.SUBMITTED, Article.Status.IN_REVIEW, Article.Status.ARCHIVED])
def test_locked_content_cannot_be_edited(article, author, status):
    Article.objects.filter(pk=article.pk).update(status=status)
    with pytest.raises(ContentLocked):
        services.article_update(article, acting_user=author, lock_version=0, fields={"body": "x"})


def test_editing_an_approved_article_starts_a_new_draft(article, author):
    Article.objects.filter(pk=article.pk).update(status=Article.Status.APPROVED)
    article = services.article_update(article, acting_user=author, lock_version=0, fields={"body": "x"})
    assert article.status == Article.Status.DRAFT
