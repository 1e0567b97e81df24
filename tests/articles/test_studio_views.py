"""The studio, driven through its URLs with the test client as authors would use it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from reversion.models import Version

from articles import services
from articles.content import content_from_article
from articles.models import Article, Audience
from tests import factories

pytestmark = pytest.mark.django_db


def _login(client, user):
    client.force_login(user)
    return client


def _edit_data(article: Article, **changes) -> dict:
    """Return the editor's POST data for the article as saved, with some fields changed."""
    content = content_from_article(article)
    data = {
        "lock_version": article.lock_version,
        "title": content.title,
        "slug": content.slug,
        "condition": content.condition,
        "drugs": content.drugs,
        "summary": content.summary,
        "body": content.body,
        "comment": "",
        "references-TOTAL_FORMS": len(content.references),
        "references-INITIAL_FORMS": len(content.references),
        "references-MIN_NUM_FORMS": 0,
        "references-MAX_NUM_FORMS": 1000,
    }
    for audience in Audience.objects.all():
        variant = content.variant_for(audience.pk)
        data[f"variant-{audience.slug}-summary"] = variant.summary if variant else ""
        data[f"variant-{audience.slug}-body"] = variant.body if variant else ""
    for index, ref in enumerate(content.references):
        for name in ("key", "kind", "title", "authors", "source", "pmid", "doi", "url"):
            data[f"references-{index}-{name}"] = getattr(ref, name)
        data[f"references-{index}-year"] = ref.year or ""
    data.update(changes)
    return data


def _add_reference(data: dict, **fields) -> dict:
    index = int(data["references-TOTAL_FORMS"])
    for name, value in fields.items():
        data[f"references-{index}-{name}"] = value
    data.setdefault(f"references-{index}-kind", "research")
    data["references-TOTAL_FORMS"] = index + 1
    return data


def _url(name: str, article: Article, **kwargs) -> str:
    return reverse(f"studio:{name}", kwargs={"slug": article.slug, **kwargs})


# --- list and search -------------------------------------------------------------


def test_list_shows_only_my_articles_with_their_status(client, author, author2, article):
    factories.make_article(author=author2, slug="bobs-article", title="Bob's own article")
    response = _login(client, author).get(reverse("studio:article_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert article.title in body
    assert "Bob&#x27;s own article" not in body and "Bob's own article" not in body
    assert "Draft" in body


def test_list_search_filters_my_articles(client, author, article):
    factories.make_article(author=author, slug="hiv-prep", title="Who should take HIV PrEP?", condition="HIV")
    _login(client, author)
    body = client.get(reverse("studio:article_list"), {"q": "PrEP"}).content.decode()
    assert "Who should take HIV PrEP?" in body
    assert article.title not in body


def test_list_redirects_anonymous_to_login(client):
    response = client.get(reverse("studio:article_list"))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_list_is_forbidden_without_the_authors_role(client, editor):
    assert _login(client, editor).get(reverse("studio:article_list")).status_code == 403


# --- permissions on article URLs ---------------------------------------------------


def _article_urls(article: Article) -> list[str]:
    revision_id = Version.objects.get_for_object(article).first().revision_id
    return [
        _url("article_edit", article),
        _url("article_preview", article),
        _url("article_history", article),
        _url("article_compare", article) + f"?a={revision_id}&b={revision_id}",
        _url("article_restore", article, revision_id=revision_id),
        _url("reference_import", article),
    ]


def test_anonymous_gets_404_on_every_article_url(client, article):
    for url in _article_urls(article):
        assert client.get(url).status_code == 404, url
    assert client.post(_url("article_edit", article), _edit_data(article, title="Hacked")).status_code == 404
    article.refresh_from_db()
    assert article.title != "Hacked"


def test_another_author_gets_403_on_every_article_url(client, author2, article):
    _login(client, author2)
    for url in _article_urls(article):
        assert client.get(url).status_code == 403, url
    assert client.post(_url("article_edit", article), _edit_data(article, title="Hijacked")).status_code == 403
    article.refresh_from_db()
    assert article.title != "Hijacked"


def test_signed_in_user_without_authors_role_gets_403(client, reviewer, article):
    assert _login(client, reviewer).get(_url("article_edit", article)).status_code == 403


def test_superuser_may_open_any_article(client, article):
    admin = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    assert _login(client, admin).get(_url("article_edit", article)).status_code == 200


# --- create and edit --------------------------------------------------------------


def test_author_creates_an_article_with_a_reference(client, author):
    _login(client, author)
    assert client.get(reverse("studio:article_create")).status_code == 200
    data = {
        "title": "How is shingles treated?",
        "slug": "shingles-treatment",
        "condition": "Shingles",
        "drugs": "valaciclovir",
        "summary": "Start an antiviral within three days of the rash [@cohen2013].",
        "body": "## Treatment\n\nValaciclovir 1 g three times daily for 7 days [@cohen2013].",
        "comment": "",
        "references-TOTAL_FORMS": 1,
        "references-INITIAL_FORMS": 0,
        "references-MIN_NUM_FORMS": 0,
        "references-MAX_NUM_FORMS": 1000,
        "references-0-key": "cohen2013",
        "references-0-kind": "review",
        "references-0-title": "Herpes zoster",
        "references-0-year": "2013",
    }
    for audience in Audience.objects.all():
        data[f"variant-{audience.slug}-summary"] = ""
        data[f"variant-{audience.slug}-body"] = ""
    data["variant-patient-summary"] = "Take the tablets soon after the rash starts."
    response = client.post(reverse("studio:article_create"), data)
    assert response.status_code == 302
    article = Article.objects.get(slug="shingles-treatment")
    assert list(article.authors.all()) == [author]
    assert [r.key for r in article.references.all()] == ["cohen2013"]
    assert article.variants.get().summary == "Take the tablets soon after the rash starts.\n"
    assert Version.objects.get_for_object(article).count() == 1


def test_create_with_errors_keeps_the_text_and_shows_errors_beside_fields(client, author, article):
    _login(client, author)
    data = _edit_data(article, slug=article.slug, title="Another CMV article", lock_version="")
    data["references-0-doi"] = "not-a-doi"
    response = client.post(reverse("studio:article_create"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Another CMV article" in body
    assert "A DOI looks like" in body
    assert Article.objects.count() == 1


def test_edit_saves_one_revision_that_shows_in_history(client, author, article):
    _login(client, author)
    versions_before = Version.objects.get_for_object(article).count()
    data = _edit_data(article, title="What treats CMV infection?", comment="Shorter question")
    response = client.post(_url("article_edit", article), data)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "What treats CMV infection?"
    assert Version.objects.get_for_object(article).count() == versions_before + 1
    # Unchanged references and the patient variant survive a save of the whole form.
    assert article.references.count() == 3
    assert article.variants.count() == 1
    history = client.get(_url("article_history", article)).content.decode()
    assert "Shorter question" in history
    assert author.get_username() in history or author.get_full_name() in history


def test_edit_can_delete_a_reference(client, author, article):
    _login(client, author)
    data = _edit_data(article)
    data["references-0-DELETE"] = "on"
    deleted_key = data["references-0-key"]
    assert client.post(_url("article_edit", article), data).status_code == 302
    assert not article.references.filter(key=deleted_key).exists()
    assert article.references.count() == 2


def test_edit_with_a_duplicate_reference_key_shows_the_error_and_saves_nothing(client, author, article):
    _login(client, author)
    data = _add_reference(_edit_data(article), key="kotton2018", title="Again")
    lock = article.lock_version
    response = client.post(_url("article_edit", article), data)
    assert response.status_code == 200
    assert "is also used by reference" in response.content.decode()
    article.refresh_from_db()
    assert article.lock_version == lock


def test_edit_to_a_taken_slug_is_a_field_error(client, author, article):
    factories.make_article(author=author, slug="taken-slug", title="Other")
    _login(client, author)
    response = client.post(_url("article_edit", article), _edit_data(article, slug="taken-slug"))
    assert response.status_code == 200
    assert "already used by another article" in response.content.decode()
    article.refresh_from_db()
    assert article.slug == "cmv-treatment"


def test_edit_while_with_the_board_is_refused_with_a_clear_message(client, author, article):
    article.status = Article.Status.SUBMITTED
    article.save(update_fields=["status"])
    _login(client, author)
    page = client.get(_url("article_edit", article)).content.decode()
    assert "Withdraw it from review first" in page or "withdraw it from review first" in page
    response = client.post(_url("article_edit", article), _edit_data(article, title="Sneaky edit"))
    assert response.status_code == 409
    assert "Withdraw it from review first" in response.content.decode()
    article.refresh_from_db()
    assert article.title != "Sneaky edit"


def test_two_editors_save_the_second_gets_a_conflict_page_with_their_text(client, author, author2, article):
    article.authors.add(author2)
    first = _edit_data(article, body=article.body + "\nFirst editor's paragraph.\n")
    second = _edit_data(article, body=article.body + "\nSecond editor's careful paragraph.\n")
    assert _login(client, author).post(_url("article_edit", article), first).status_code == 302

    client.logout()
    response = _login(client, author2).post(_url("article_edit", article), second)
    assert response.status_code == 409
    body = response.content.decode()
    assert "Second editor&#x27;s careful paragraph." in body
    assert "First editor&#x27;s paragraph." in body
    assert "<textarea" in body
    article.refresh_from_db()
    assert "First editor's paragraph." in article.body
    assert "Second editor" not in article.body


# --- preview ------------------------------------------------------------------------


def test_preview_post_returns_rendered_fragment_and_checks(client, author, article):
    _login(client, author)
    data = _edit_data(article, body="## Dosing\n\nGive **valganciclovir** [@nosuchkey].\n")
    response = client.post(_url("article_preview", article), data, headers={"X-Studio-Preview": "1"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<strong>valganciclovir</strong>" in body
    assert "nosuchkey" in body
    assert "studio-check--error" in body
    assert "<html" not in body  # a fragment, not a page
    article.refresh_from_db()
    assert "nosuchkey" not in article.body  # previewing saves nothing


def test_preview_renders_the_chosen_audience_version(client, author, article):
    _login(client, author)
    data = _edit_data(article, **{"variant-patient-summary": "Plain words for patients.", "preview_for": "patient"})
    body = client.post(_url("article_preview", article), data, headers={"X-Studio-Preview": "1"}).content.decode()
    assert "Plain words for patients." in body


def test_preview_escapes_raw_html_typed_by_the_author(client, author, article):
    _login(client, author)
    data = _edit_data(article, body="## X\n\n<script>alert(1)</script>\n")
    body = client.post(_url("article_preview", article), data, headers={"X-Studio-Preview": "1"}).content.decode()
    assert "<script>alert(1)</script>" not in body


def test_preview_without_javascript_shows_the_editor_with_text_kept(client, author, article):
    _login(client, author)
    data = _edit_data(article, title="Unsaved new title")
    response = client.post(_url("article_preview", article), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="Unsaved new title"' in body
    assert "not saved" in body
    article.refresh_from_db()
    assert article.title != "Unsaved new title"


def test_preview_get_shows_the_saved_version_per_audience(client, author, article):
    _login(client, author)
    default = client.get(_url("article_preview", article)).content.decode()
    patient = client.get(_url("article_preview", article), {"for": "patient"}).content.decode()
    assert "usual first treatment" in default
    assert "Most people take an antiviral medicine" in patient


# --- history, compare, restore ------------------------------------------------------


def _edit(article: Article, user, **changes) -> Article:
    article.refresh_from_db()
    return services.article_update(article, acting_user=user, lock_version=article.lock_version, **changes)


def test_compare_shows_a_changed_section_and_an_added_reference(client, author, article):
    content = content_from_article(article)
    refs = [
        {n: getattr(r, n) for n in ("key", "kind", "title", "authors", "source", "year", "pmid", "doi", "url")}
        for r in content.references
    ]
    refs.append({"key": "newtrial2024", "kind": "research", "title": "A brand new trial"})
    _edit(
        article,
        author,
        fields={"body": article.body.replace("5 mg/kg", "6 mg/kg")},
        references=refs,
        comment="Dose update",
    )
    versions = list(Version.objects.get_for_object(article))
    newest, oldest = versions[0].revision_id, versions[-1].revision_id
    _login(client, author)
    response = client.get(_url("article_compare", article), {"a": oldest, "b": newest})
    assert response.status_code == 200
    body = response.content.decode()
    assert "diff-section--changed" in body and "Dosing" in body
    assert "diff-line--dose" in body
    assert "newtrial2024" in body and "A brand new trial" in body


def test_compare_rejects_a_revision_of_another_article(client, author, article):
    other = factories.make_article(author=author, slug="other", title="Other")
    other_rev = Version.objects.get_for_object(other).first().revision_id
    mine = Version.objects.get_for_object(article).first().revision_id
    _login(client, author)
    response = client.get(_url("article_compare", article), {"a": other_rev, "b": mine})
    assert response.status_code == 400


def test_restore_get_changes_nothing_and_post_restores(client, author, article):
    original_title = article.title
    first_revision = Version.objects.get_for_object(article).first().revision_id
    _edit(article, author, fields={"title": "A changed title"})
    article.refresh_from_db()
    versions_before = Version.objects.get_for_object(article).count()
    _login(client, author)

    page = client.get(_url("article_restore", article, revision_id=first_revision))
    assert page.status_code == 200
    article.refresh_from_db()
    assert article.title == "A changed title"
    assert Version.objects.get_for_object(article).count() == versions_before

    response = client.post(
        _url("article_restore", article, revision_id=first_revision),
        {"lock_version": article.lock_version, "comment": "Back to the first wording"},
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == original_title
    assert Version.objects.get_for_object(article).count() == versions_before + 1
    assert Version.objects.get_for_object(article).first().revision.get_comment() == "Back to the first wording"


def test_restore_with_a_stale_lock_changes_nothing(client, author, article):
    first_revision = Version.objects.get_for_object(article).first().revision_id
    stale = article.lock_version
    _edit(article, author, fields={"title": "Edited meanwhile"})
    _login(client, author)
    response = client.post(_url("article_restore", article, revision_id=first_revision), {"lock_version": stale})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "Edited meanwhile"


# --- reference import -----------------------------------------------------------

RIS = b"""TY  - JOUR
AU  - Razonable, Raymund R
TI  - Cytomegalovirus in solid organ transplant recipients
JO  - Clinical Transplantation
PY  - 2019
ER  -
TY  - JOUR
AU  - Kotton, Camille N
TI  - The Third International Consensus Guidelines on the Management of CMV
JO  - Transplantation
PY  - 2018
DO  - 10.1097/TP.0000000000002191
ER  -
"""


def test_reference_import_adds_new_entries_and_reports_skipped(client, author, article):
    _login(client, author)
    assert client.get(_url("reference_import", article)).status_code == 200
    upload = SimpleUploadedFile("refs.ris", RIS, content_type="application/x-research-info-systems")
    response = client.post(_url("reference_import", article), {"file": upload, "lock_version": article.lock_version})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Imported 1 reference" in body
    assert "Cytomegalovirus in solid organ transplant recipients" in body
    assert "Skipped" in body
    assert article.references.count() == 4


def test_reference_import_of_a_broken_file_names_the_line_and_adds_nothing(client, author, article):
    _login(client, author)
    broken = SimpleUploadedFile("refs.ris", b"TY  - JOUR\nTI  - No end\n")
    response = client.post(_url("reference_import", article), {"file": broken, "lock_version": article.lock_version})
    assert response.status_code == 200
    assert "line 1" in response.content.decode()
    assert article.references.count() == 3
