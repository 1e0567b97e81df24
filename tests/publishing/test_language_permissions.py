"""Who may see what, in every language: an unapproved translation is never public, staff pages stay staff-only."""

from __future__ import annotations

import pytest
from django.test import Client

from articles.models import Article
from review import services as review_services
from tests.publishing.publish_helpers import approve, edit, request_and_publish
from tests.publishing.reader_fixtures import *  # noqa: F403 (fixtures)
from tests.publishing.reader_fixtures import SPANISH_SLUG, translate

pytestmark = pytest.mark.django_db

SPANISH = f"/es/articles/{SPANISH_SLUG}/"
UNAPPROVED_WORDS = "Borrador sin revisar"  # only in the unapproved Spanish text


def _article_addresses(slug: str) -> list[str]:
    """Every address that could show one article, in both languages' prefixes."""
    paths = []
    for prefix in ("", "/es"):
        page = f"{prefix}/articles/{slug}/"
        paths += [page, page + "for/patient/", page + "for/professional/", page + "provenance.json"]
        paths += [f"{prefix}/api/articles/{slug}/", f"{prefix}/api/articles/{slug}/?for=patient"]
    return paths


def _lists() -> list[str]:
    lists = ["/", "/?letter=C", "/feed/", "/api/articles/", "/api/articles/?language=es", "/search/?q=CMV"]
    return [*lists, *(f"/es{path}" for path in lists), "/sitemap.xml", "/sitemap-articles-1.xml"]


def _refuses_everywhere(client: Client) -> None:
    for path in _article_addresses(SPANISH_SLUG):
        response = client.get(path, follow=True)
        assert response.status_code == 404, path
    for path in _lists():
        response = client.get(path)
        assert response.status_code in (200, 404), path
        body = response.content.decode()
        assert SPANISH_SLUG not in body and UNAPPROVED_WORDS not in body, path


@pytest.mark.parametrize("stage", ["draft", "submitted", "in_review", "changes_requested", "approved_unpublished"])
def test_an_unapproved_spanish_translation_is_never_reachable_at_any_address(
    client, published, author, spanish_reviewer, stage
):
    spanish = translate(published.article, author)
    spanish = edit(spanish, author=author, summary=f"{UNAPPROVED_WORDS} [@kotton2018].")
    if stage != "draft":
        review_services.article_submit(spanish, acting_user=author)
    if stage in ("in_review", "changes_requested"):
        review_services.review_claim(spanish, acting_user=spanish_reviewer)
    if stage == "changes_requested":
        review_services.review_request_changes(spanish, acting_user=spanish_reviewer, comment="Revisar la dosis.")
    if stage == "approved_unpublished":
        review_services.review_claim(spanish, acting_user=spanish_reviewer)
        review_services.review_approve(spanish, acting_user=spanish_reviewer)
        assert Article.objects.get(pk=spanish.pk).status == Article.Status.APPROVED
    _refuses_everywhere(client)
    assert client.get("/articles/cmv-treatment/").status_code == 200  # the English page is live all along
    assert 'hreflang="es"' not in client.get("/articles/cmv-treatment/").content.decode()


def test_a_draft_edit_of_a_live_translation_never_reaches_its_pages(client, live_translation, author):
    edit(live_translation.article, author=author, summary=f"{UNAPPROVED_WORDS} [@kotton2018].")
    for path in (SPANISH, SPANISH + "for/patient/", f"/es/api/articles/{SPANISH_SLUG}/", "/es/", "/es/feed/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert UNAPPROVED_WORDS not in response.content.decode(), path


def test_a_withdrawn_translation_leaves_every_spanish_address(
    client, live_translation, editor, django_capture_on_commit_callbacks
):
    from publishing import services

    for path in (SPANISH, SPANISH + "for/patient/", "/es/", "/es/feed/", "/es/api/articles/", "/es/board/"):
        assert client.get(path).status_code == 200, path  # now in the page cache, which the withdrawal must empty
    assert SPANISH_SLUG in client.get("/es/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_withdraw(live_translation.article, acting_user=editor, reason="Error.", mode="remove")
    _refuses_everywhere(client)


@pytest.mark.parametrize("prefix", ["", "/es"])
def test_staff_addresses_refuse_anonymous_readers_in_every_language(client, live_translation, prefix):
    staff = [
        "/studio/",
        f"/studio/{SPANISH_SLUG}/",
        f"/studio/{SPANISH_SLUG}/preview/",
        f"/studio/{SPANISH_SLUG}/history/",
        "/review/",
        "/publishing/",
        f"/publishing/articles/{SPANISH_SLUG}/history/",
        "/publishing/translations/",
        "/admin/",
    ]
    for path in staff:
        response = client.get(prefix + path)
        if prefix:  # no staff page lives under a language's prefix: nothing there to leak
            assert response.status_code == 404, prefix + path
            continue
        # A refusal: to the sign-in page, forbidden, or (the studio's article pages) no such page at all.
        assert response.status_code in (302, 403, 404), path
        assert "tratamiento" not in response.content.decode().lower(), path
        if response.status_code == 302:
            assert "/login/" in response["Location"], path
        assert response["Cache-Control"] == "no-store", path


def test_a_published_translation_after_approval_is_reachable(client, published, author, spanish_reviewer, editor):
    # The control for the refusals above: the same steps, finished, put the page live.
    spanish = translate(published.article, author)
    approve(spanish, author=author, reviewer=spanish_reviewer)
    request_and_publish(spanish, editor=editor)
    assert client.get(SPANISH).status_code == 200
