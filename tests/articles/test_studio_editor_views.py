"""The studio edit page's new parts through their URLs: autosave buffer, hints, the 403 page, glossary pages."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from articles import services
from articles.models import Audience, DraftBuffer
from tests import factories
from tests.articles.test_studio_views import _edit_data

pytestmark = pytest.mark.django_db


def _draft_url(article) -> str:
    return reverse("studio:article_draft", kwargs={"slug": article.slug})


def _edit_url(article) -> str:
    return reverse("studio:article_edit", kwargs={"slug": article.slug})


def _keep(client, article, **changes):
    return client.post(_draft_url(article), _edit_data(article, **changes), headers={"Accept": "application/json"})


def test_autosave_keeps_the_text_and_the_editor_restores_it(client, author, article):
    client.force_login(author)
    response = _keep(client, article, body="## Dosing\n\nTyped but not saved.\n")
    assert response.status_code == 200 and json.loads(response.content)["saved"] is True
    buffer = DraftBuffer.objects.get(article=article, user=author)
    assert buffer.lock_version == article.lock_version and "Typed but not saved." in buffer.data["body"]
    assert "csrfmiddlewaretoken" not in buffer.data

    page = client.get(_edit_url(article)).content.decode()
    assert "is back in the editor" in page and "Typed but not saved." in page
    article.refresh_from_db()
    assert "Typed but not saved." not in article.body  # kept, not a version


def test_saving_the_article_discards_the_buffer(client, author, article):
    client.force_login(author)
    _keep(client, article, body="## Dosing\n\nDraft.\n")
    assert client.post(_edit_url(article), _edit_data(article, body="## Dosing\n\nSaved now.\n")).status_code == 302
    assert not DraftBuffer.objects.exists()
    assert "is back in the editor" not in client.get(_edit_url(article)).content.decode()


def test_discard_throws_the_buffer_away(client, author, article):
    client.force_login(author)
    _keep(client, article, body="Draft.")
    response = client.post(_draft_url(article), {"discard": "1"})
    assert response.status_code == 302 and not DraftBuffer.objects.exists()


def test_a_buffer_from_before_someone_elses_save_leads_to_the_conflict_page(client, author, author2, article):
    article.authors.add(author2)
    client.force_login(author)
    _keep(client, article, body="## Dosing\n\nMine.\n")
    services.article_update(article, acting_user=author2, lock_version=article.lock_version, fields={"title": "New?"})
    page = client.get(_edit_url(article)).content.decode()
    assert "Someone saved the article after you started" in page
    stale = DraftBuffer.objects.get().lock_version
    data = _edit_data(article, body="## Dosing\n\nMine.\n", lock_version=stale)
    assert client.post(_edit_url(article), data).status_code == 409


def test_autosave_needs_the_csrf_token(author, article):
    client = Client(enforce_csrf_checks=True)
    client.force_login(author)
    assert client.post(_draft_url(article), _edit_data(article)).status_code == 403
    assert not DraftBuffer.objects.exists()


def test_autosave_refuses_other_authors_locked_articles_and_odd_fields(client, author, author2, article):
    client.force_login(author2)
    assert _keep(client, article).status_code == 403
    client.force_login(author)
    bad = client.post(_draft_url(article), {"lock_version": article.lock_version, "body<script>": "x"})
    assert bad.status_code == 400 and "not one of the editor's fields" in json.loads(bad.content)["error"]
    assert client.post(_draft_url(article), {"body": "x"}).status_code == 400  # no version token
    from review import services as review_services

    review_services.article_submit(article, acting_user=author)
    locked = _keep(client, article)
    assert locked.status_code == 409 and "Medical Advisory Board" in json.loads(locked.content)["error"]
    assert not DraftBuffer.objects.exists()


def test_default_text_hints_follow_what_each_field_holds(client, author, article):
    client.force_login(author)
    page = client.get(_edit_url(article)).content.decode()
    # The fixture's patient version has its own summary and no body of its own.
    assert "Patient readers see this text. Empty it to show them the default summary." in page
    assert "Empty: Patient readers see the default body." in page
    assert "Empty: Patient readers see the default summary." not in page


def test_forbidden_page_says_why_and_where_to_go(client, reviewer, article):
    client.force_login(reviewer)
    response = client.get(_edit_url(article))
    assert response.status_code == 403
    page = response.content.decode()
    assert "This page is not open to your account" in page
    assert "This page is for Authors; your account does not have the role needed" in page
    assert 'href="/review/"' in page and "The review queue" in page
    assert 'class="site-header"' in page  # in the site's layout


def test_studio_preview_explains_glossary_terms_in_plain_language_versions_only(client, author, article):
    # The published reader page is covered in tests/publishing/test_reader_article.py.
    factories.make_glossary_term("retinitis", "Inflammation of the back of the eye.")
    client.force_login(author)
    url = reverse("studio:article_preview", kwargs={"slug": article.slug})
    plain = client.get(url, {"for": "patient"}).content.decode()
    assert 'href="#glossary-retinitis"><abbr title="Inflammation of the back of the eye.">retinitis</abbr>' in plain
    assert '<dfn id="glossary-retinitis">retinitis</dfn>' in plain and "Words explained" in plain
    pro = client.get(url, {"for": "professional"}).content.decode()
    assert "glossary-retinitis" not in pro and "Words explained" not in pro


def test_a_buffer_holding_what_is_already_saved_is_not_offered_back(client, author, article):
    # An autosave that reaches the server just after the save it raced with holds the saved text.
    client.force_login(author)
    _keep(client, article)
    assert DraftBuffer.objects.exists()
    assert "is back in the editor" not in client.get(_edit_url(article)).content.decode()


def _new_article_data(**changes) -> dict:
    """The new-article page's form as the browser posts it (no version token yet)."""
    data = {
        "lock_version": "",
        "title": "How is shingles treated?",
        "slug": "shingles-treatment",
        "condition": "Shingles",
        "drugs": "valaciclovir",
        "summary": "Valaciclovir for seven days [@gnann2002].",
        "body": "## Dosing\n\nTyped on the new page before the tab crashed.\n",
        "comment": "",
        "references-TOTAL_FORMS": 1,
        "references-INITIAL_FORMS": 0,
        "references-MIN_NUM_FORMS": 0,
        "references-MAX_NUM_FORMS": 1000,
        "references-0-key": "gnann2002",
        "references-0-kind": "review",
        "references-0-title": "Herpes zoster",
        "references-0-authors": "Gnann JW, Whitley RJ",
        "references-0-source": "N Engl J Med",
        "references-0-year": "2002",
    }
    for audience in Audience.objects.all():
        data[f"variant-{audience.slug}-summary"] = data[f"variant-{audience.slug}-body"] = ""
    data["variant-patient-summary"] = "Pills for a week."
    data.update(changes)
    return data


def test_new_article_page_keeps_typed_text_and_restores_it_until_the_article_is_created(client, author, author2):
    new_url, draft_url = reverse("studio:article_create"), reverse("studio:article_create_draft")
    client.force_login(author)
    page = client.get(new_url).content.decode()
    assert f'data-autosave-url="{draft_url}"' in page and "is back in the editor" not in page

    kept = client.post(draft_url, _new_article_data(), headers={"Accept": "application/json"})
    assert kept.status_code == 200 and json.loads(kept.content)["saved"] is True
    buffer = DraftBuffer.objects.get(user=author)
    assert buffer.article is None and buffer.data["title"] == "How is shingles treated?"

    # Back on the page after a reload: every field, the audience version and the reference are there again.
    page = client.get(new_url).content.decode()
    assert "is back in the editor" in page and "Create draft” to keep it" in page
    assert "Typed on the new page before the tab crashed." in page and 'value="How is shingles treated?"' in page
    assert "Pills for a week." in page and 'value="gnann2002"' in page
    # Nobody else sees it.
    client.force_login(author2)
    assert "Typed on the new page" not in client.get(new_url).content.decode()

    # Creating the article discards the buffer.
    client.force_login(author)
    assert client.post(new_url, _new_article_data()).status_code == 302
    assert not DraftBuffer.objects.exists()
    assert "is back in the editor" not in client.get(new_url).content.decode()


def test_new_article_buffer_is_one_per_author_discardable_and_for_authors_only(client, author, reviewer):
    draft_url = reverse("studio:article_create_draft")
    client.force_login(author)
    client.post(draft_url, _new_article_data(body="First.\n"), headers={"Accept": "application/json"})
    client.post(draft_url, _new_article_data(body="Second.\n"), headers={"Accept": "application/json"})
    assert DraftBuffer.objects.get(user=author, article=None).data["body"] == "Second.\n"
    response = client.post(draft_url, {"discard": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("studio:article_create")
    assert not DraftBuffer.objects.exists()
    client.force_login(reviewer)
    assert client.post(draft_url, _new_article_data()).status_code == 403
    assert not DraftBuffer.objects.exists()
