from __future__ import annotations

import dataclasses

import pytest

from articles import selectors, services
from articles.content import content_from_article, content_from_revision
from articles.models import Audience
from textkit.content import ReferenceContent, VariantContent

pytestmark = pytest.mark.django_db


def test_live_rows_and_their_revision_hash_the_same(article):
    revision = selectors.article_latest_revision(article)
    live = content_from_article(article)
    stored = content_from_revision(revision, article_id=article.pk)
    assert live == stored
    assert live.content_hash() == stored.content_hash()
    assert len(live.references) == 3 and len(live.variants) == 1


@pytest.mark.parametrize(
    "change",
    [
        lambda c: dataclasses.replace(c, title=c.title + "?"),
        lambda c: dataclasses.replace(c, body=c.body + " "),
        lambda c: dataclasses.replace(c, summary=""),
        lambda c: dataclasses.replace(c, variants=(VariantContent(audience_id=c.variants[0].audience_id, body="x"),)),
        lambda c: dataclasses.replace(c, variants=()),
        lambda c: dataclasses.replace(c, references=c.references[1:]),
        lambda c: dataclasses.replace(
            c, references=(dataclasses.replace(c.references[0], year=1999),) + c.references[1:]
        ),
        lambda c: dataclasses.replace(c, references=c.references + (ReferenceContent(key="zz", title="New"),)),
    ],
    ids=["title", "body", "summary", "variant text", "variant removed", "reference removed", "year", "added"],
)
def test_any_change_changes_the_hash(article, change):
    content = content_from_article(article)
    assert change(content).content_hash() != content.content_hash()


def test_hash_does_not_depend_on_row_order(article):
    content = content_from_article(article)
    shuffled = dataclasses.replace(content, references=tuple(reversed(content.references)))
    assert shuffled.content_hash() == content.content_hash()


def test_saved_edit_is_visible_in_the_new_revision_only(article, author):
    first = selectors.article_latest_revision(article)
    article = services.article_update(
        article, acting_user=author, lock_version=article.lock_version, fields={"title": "New?"}
    )
    second = selectors.article_latest_revision(article)
    assert content_from_revision(first, article_id=article.pk).title != "New?"
    assert content_from_revision(second, article_id=article.pk).title == "New?"
    assert (
        content_from_revision(second, article_id=article.pk).content_hash()
        == content_from_article(article).content_hash()
    )


def test_text_for_falls_back_field_by_field(article):
    content = content_from_article(article)
    patient = Audience.objects.get(slug="patient")
    professional = Audience.objects.get(slug="professional")
    summary, body = content.text_for(patient.pk)
    assert summary.startswith("Most people")
    assert body == content.body  # the patient variant has no body of its own
    assert content.text_for(professional.pk) == (content.summary, content.body)
