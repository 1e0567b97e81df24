"""Text is normalised once on the way in, so the diff and the hash only see real changes."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from reversion.models import Version

from articles.content import content_from_article, content_from_revision
from articles.models import Article, ArticleVariant, Audience
from articles.services import VariantInput
from tests import factories
from tests.articles.test_studio_views import _edit_data
from textkit.diff import content_diff
from textkit.whitespace import normalise_line, normalise_markdown


def test_normalise_markdown_fixes_line_endings_trailing_spaces_and_the_final_newline():
    assert normalise_markdown("## A  \r\n\r\nText\t\r\nmore\r\n\r\n\r\n") == "## A\n\nText\nmore\n"
    assert normalise_markdown("no newline") == "no newline\n"
    assert normalise_markdown("old mac\rline") == "old mac\nline\n"
    assert normalise_markdown("\n\n  indented code stays\n") == "  indented code stays\n"
    assert normalise_markdown("") == "" and normalise_markdown(" \r\n \n") == "" and normalise_markdown(None) == ""
    # Idempotent: normalising twice changes nothing.
    once = normalise_markdown("a \r\nb\r\n")
    assert normalise_markdown(once) == once


def test_normalise_line_strips_surrounding_whitespace():
    assert normalise_line("  What is CMV?\r\n") == "What is CMV?"
    assert normalise_line(None) == ""


def _browser_post(data: dict) -> dict:
    """Send text fields as a browser sends a textarea: CRLF line endings."""
    return {k: v.replace("\n", "\r\n") if isinstance(v, str) else v for k, v in data.items()}


def _newest_two(article: Article):
    versions = list(Version.objects.get_for_object(article)[:2])
    new = content_from_revision(versions[0].revision, article_id=article.pk)
    old = content_from_revision(versions[1].revision, article_id=article.pk)
    return old, new


@pytest.fixture
def seeded_article(author):
    """An article written like the demo seeds: every Markdown field ends with a newline."""
    patient = Audience.objects.get(slug="patient")
    return factories.make_article(
        author=author,
        summary=factories.SUMMARY + "\n",
        variants=[VariantInput(audience_id=patient.pk, summary="Most people take valganciclovir [@kotton2018].\n")],
    )


@pytest.mark.django_db
def test_an_edit_to_the_body_through_the_editor_shows_only_the_body_as_changed(client, author, seeded_article):
    article = seeded_article
    names = {a.pk: a.name for a in Audience.objects.all()}
    client.force_login(author)
    data = _edit_data(article)
    data["body"] = data["body"].replace("twice daily is as effective", "twice a day is as effective")
    assert data["body"] != article.body
    response = client.post(reverse("studio:article_edit", kwargs={"slug": article.slug}), _browser_post(data))
    assert response.status_code == 302

    old, new = _newest_two(article)
    diff = content_diff(old, new, audience_names=names)
    assert [f.name for f in diff.changed_fields] == []
    assert diff.changed_variants == []
    assert not diff.references.has_changes
    assert [s.title for s in diff.changed_sections] == ["Dosing"]
    assert old.summary == new.summary and old.variants == new.variants

    # The review page's diff (against the first version) agrees: the summary is not marked as changed.
    versions = list(Version.objects.get_for_object(article))
    page = client.get(
        reverse("studio:article_compare", kwargs={"slug": article.slug}),
        {"a": versions[-1].revision_id, "b": versions[0].revision_id},
    ).content.decode()
    assert "Summary (the bottom line)" not in page


@pytest.mark.django_db
def test_saving_unchanged_text_from_the_browser_keeps_the_content_hash(client, author, seeded_article):
    article = seeded_article
    before = content_from_article(article).content_hash()
    client.force_login(author)
    data = _edit_data(article)
    data["body"] = data["body"].rstrip("\n") + "   \n\n"  # trailing spaces and blank lines typed by accident
    response = client.post(reverse("studio:article_edit", kwargs={"slug": article.slug}), _browser_post(data))
    assert response.status_code == 302
    article.refresh_from_db()
    assert content_from_article(article).content_hash() == before
    assert Version.objects.get_for_object(article).first().revision.comment == "Saved without changes."


@pytest.mark.django_db
def test_data_migration_normalises_rows_saved_before(author, article):
    patient = Audience.objects.get(slug="patient")
    # Simulate rows written before the services normalised text (bypassing the services on purpose).
    Article.objects.filter(pk=article.pk).update(body="## Dosing  \r\n\r\nTake it.\r\n\r\n", title=" CMV? ")
    ArticleVariant.objects.filter(article=article, audience=patient).update(summary="Plain words.")
    migration = importlib.import_module("articles.migrations.0004_normalise_text_whitespace")
    migration.normalise_rows(django_apps, None)
    article.refresh_from_db()
    assert article.body == "## Dosing\n\nTake it.\n"
    assert article.title == "CMV?"
    assert ArticleVariant.objects.get(article=article, audience=patient).summary == "Plain words.\n"


@pytest.mark.django_db
def test_a_plain_form_edit_stores_no_carriage_return(client, author, seeded_article):
    """With JavaScript off the browser sends CRLF in every textarea; nothing stored keeps a CR."""
    article = seeded_article
    client.force_login(author)
    data = _edit_data(article)
    data["body"] = data["body"] + "\nOne more line.\n"
    response = client.post(reverse("studio:article_edit", kwargs={"slug": article.slug}), _browser_post(data))
    assert response.status_code == 302
    article.refresh_from_db()
    assert "One more line." in article.body
    texts = [article.title, article.summary, article.body]
    texts += [text for v in article.variants.all() for text in (v.summary, v.body)]
    assert not any("\r" in text for text in texts)
    newest = Version.objects.get_for_object(article).first()
    assert not any("\r" in str(value) for value in newest.field_dict.values())


@pytest.mark.django_db
def test_the_line_ending_migration_normalises_and_writes_a_version(author, article):
    patient = Audience.objects.get(slug="patient")
    # A row written around the services (e.g. a raw SQL fix), after 0008 had run.
    Article.objects.filter(pk=article.pk).update(body="## Dosing\r\n\r\nTake it twice a day.\r\n")
    ArticleVariant.objects.filter(article=article, audience=patient).update(summary="Plain words.\r\n")
    before = Version.objects.get_for_object(article).count()
    migration = importlib.import_module("articles.migrations.0014_line_endings_with_versions")

    class Editor:  # the schema editor the migration is given: only its connection alias is read
        connection = type("Connection", (), {"alias": "default"})()

    migration.normalise_with_versions(django_apps, Editor())
    article.refresh_from_db()
    assert article.body == "## Dosing\n\nTake it twice a day.\n"
    assert ArticleVariant.objects.get(article=article, audience=patient).summary == "Plain words.\n"
    versions = Version.objects.get_for_object(article)
    assert versions.count() == before + 1
    newest = versions.first().revision
    assert newest.comment == migration.COMMENT and newest.user is None
    # The new version is the whole article as the app records it: it equals the working copy.
    assert content_from_revision(newest, article_id=article.pk) == content_from_article(article)
    # Nothing left to do: running it again writes nothing.
    migration.normalise_with_versions(django_apps, Editor())
    assert Version.objects.get_for_object(article).count() == before + 1
