"""The unsaved-text buffer keeps the newest write in any arrival order, and a reload waits for the last flush."""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections
from django.urls import reverse

from articles import selectors, services
from articles.exceptions import StaleDraftWrite
from articles.models import DraftBuffer
from articles.views import DRAFT_FLUSH_COOKIE
from tests import factories
from tests.articles.test_studio_views import _edit_data

pytestmark = pytest.mark.django_db


def _draft_url(article) -> str:
    return reverse("studio:article_draft", kwargs={"slug": article.slug})


def _edit_url(article) -> str:
    return reverse("studio:article_edit", kwargs={"slug": article.slug})


def _write(client, article, body: str, *, page: str, sequence: int):
    data = _edit_data(article, body=body, draft_page=page, draft_sequence=str(sequence))
    return client.post(_draft_url(article), data, headers={"Accept": "application/json"})


def test_a_write_older_than_the_kept_one_from_the_same_page_is_ignored(client, author, article):
    client.force_login(author)
    assert json.loads(_write(client, article, "Newest text.", page="pageA", sequence=3).content)["saved"] is True
    # The page's earlier autosave arrives late: nothing changes.
    late = _write(client, article, "Older text.", page="pageA", sequence=2)
    assert late.status_code == 200 and json.loads(late.content) == {"saved": False, "stale": True}
    same = _write(client, article, "Same number again.", page="pageA", sequence=3)
    assert json.loads(same.content)["stale"] is True
    buffer = DraftBuffer.objects.get(article=article, user=author)
    assert "Newest text." in buffer.data["body"] and (buffer.page, buffer.sequence) == ("pageA", 3)
    assert "draft_page" not in buffer.data and "draft_sequence" not in buffer.data
    # A newer write of the page is kept, in order.
    assert json.loads(_write(client, article, "Even newer.", page="pageA", sequence=4).content)["sequence"] == 4
    assert "Even newer." in DraftBuffer.objects.get().data["body"]
    # Another page load (the author reloaded) starts its own numbering.
    assert json.loads(_write(client, article, "After reload.", page="pageB", sequence=1).content)["saved"] is True
    assert (DraftBuffer.objects.get().page, DraftBuffer.objects.get().sequence) == ("pageB", 1)


def test_the_service_orders_writes_and_checks_the_author(author, author2, article):
    services.draft_buffer_save(article, acting_user=author, data={"body": "two"}, lock_version=1, page="p", sequence=2)
    with pytest.raises(StaleDraftWrite):
        services.draft_buffer_save(
            article, acting_user=author, data={"body": "one"}, lock_version=1, page="p", sequence=1
        )
    assert DraftBuffer.objects.get().data == {"body": "two"}
    # Not an author of this article (author2 is an author, of other articles): refused, nothing written.
    with pytest.raises(PermissionDenied):
        services.draft_buffer_save(
            article, acting_user=author2, data={"body": "x"}, lock_version=1, page="q", sequence=1
        )
    editor = factories.UserFactory(username="desk-editor", groups=["Editors"])
    with pytest.raises(PermissionDenied):
        services.draft_buffer_save(article, acting_user=editor, data={"body": "x"}, lock_version=1)
    assert DraftBuffer.objects.count() == 1 and DraftBuffer.objects.get().user == author
    # A co-author may keep their own text, beside the first author's.
    article.authors.add(author2)
    services.draft_buffer_save(article, acting_user=author2, data={"body": "co"}, lock_version=1, page="q", sequence=1)
    assert DraftBuffer.objects.filter(article=article).count() == 2


def test_only_the_articles_authors_can_write_its_buffer_through_the_url(client, author, author2, article):
    for user in (author2, factories.UserFactory(username="desk-editor", groups=["Editors"])):
        client.force_login(user)
        assert _write(client, article, "Not mine.", page="x", sequence=1).status_code == 403
    client.logout()
    assert _write(client, article, "Anonymous.", page="x", sequence=1).status_code in (302, 403, 404)
    assert not DraftBuffer.objects.exists()
    client.force_login(author)
    bad = client.post(_draft_url(article), _edit_data(article, draft_page="x", draft_sequence="-1"))
    assert bad.status_code == 400 and not DraftBuffer.objects.exists()


def test_the_editor_page_gives_each_load_its_own_token(client, author, article):
    client.force_login(author)
    tokens = set()
    for _ in range(2):
        page = client.get(_edit_url(article)).content.decode()
        token = page.split('data-draft-page="', 1)[1].split('"', 1)[0]
        assert len(token) >= 16 and f'data-draft-scope="{article.pk}"' in page
        tokens.add(token)
    assert len(tokens) == 2


def test_a_reload_waits_for_the_flush_the_closing_page_announced(client, author, article, settings, transactional_db):
    settings.DRAFT_FLUSH_WAIT_SECONDS = 5
    client.force_login(author)
    _write(client, article, "First words.", page="pageA", sequence=1)
    client.cookies[DRAFT_FLUSH_COOKIE] = f"{article.pk}:pageA:2"

    def late_flush():
        time.sleep(0.6)
        try:
            services.draft_buffer_save(
                article,
                acting_user=author,
                data={k: str(v) for k, v in _edit_data(article, body="First words. Second words.").items()},
                lock_version=article.lock_version,
                page="pageA",
                sequence=2,
            )
        finally:
            close_old_connections()

    thread = threading.Thread(target=late_flush)
    started = time.monotonic()
    thread.start()
    response = client.get(_edit_url(article))
    waited = time.monotonic() - started
    thread.join()
    page = response.content.decode()
    assert "is back in the editor" in page and "First words. Second words." in page
    assert 0.5 < waited < 5
    # The cookie is cleared, so the next load does not wait.
    assert response.cookies[DRAFT_FLUSH_COOKIE]["max-age"] == 0


def test_the_wait_is_bounded_and_only_for_the_same_editor(client, author, article, settings):
    settings.DRAFT_FLUSH_WAIT_SECONDS = 0.3
    client.force_login(author)
    _write(client, article, "Kept words.", page="pageA", sequence=1)
    # The announced write never arrives: the page waits no longer than the setting, then shows what is kept.
    client.cookies[DRAFT_FLUSH_COOKIE] = f"{article.pk}:pageA:9"
    started = time.monotonic()
    page = client.get(_edit_url(article)).content.decode()
    assert 0.3 <= time.monotonic() - started < 2 and "Kept words." in page
    # A cookie from another article's editor (or the new-article page) does not make this one wait.
    other = factories.make_article(author=author, slug="other-article")
    settings.DRAFT_FLUSH_WAIT_SECONDS = 30
    for value in (f"{other.pk}:pageZ:5", "new:pageZ:5", "garbage"):
        client.cookies[DRAFT_FLUSH_COOKIE] = value
        started = time.monotonic()
        assert client.get(_edit_url(article)).status_code == 200
        assert time.monotonic() - started < 5


def test_the_selector_returns_the_buffer_once_the_awaited_write_is_there(author, article):
    assert selectors.draft_buffer_get(article, author) is None
    services.draft_buffer_save(article, acting_user=author, data={"body": "b"}, lock_version=1, page="p", sequence=4)
    started = time.monotonic()
    buffer = selectors.draft_buffer_get(article, author, awaiting=("p", 3), wait=10)
    assert buffer.sequence == 4 and time.monotonic() - started < 1
    assert selectors.draft_buffer_get(article, author, awaiting=("p", 5), wait=0.1).sequence == 4
