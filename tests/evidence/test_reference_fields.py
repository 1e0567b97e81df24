"""SPL fields on references: saved from the editor, kept in revisions, and left out of old content hashes."""

from __future__ import annotations

import pytest

from articles.content import content_from_article, content_from_revision
from articles.models import Reference
from articles.selectors import article_latest_revision
from tests.articles.test_studio_views import _edit_data
from textkit.content import ArticleContent, ReferenceContent

pytestmark = pytest.mark.django_db
SET_ID = "1b7f2c9e-0a4d-4c1e-9f3a-2d5e6b7c8a90"


def test_hashes_recorded_before_the_spl_fields_existed_stay_valid():
    plain = ArticleContent(slug="x", title="T", references=(ReferenceContent(key="a", title="A"),))
    assert "spl_" not in plain.canonical_json()
    # the canonical form of a reference without SPL data is exactly the pre-existing one
    assert '"references":[{"authors":"","doi":"","key":"a","kind":"research","pmid":"","source":"","title":"A",' in (
        plain.canonical_json()
    )
    labelled = ArticleContent(
        slug="x", title="T", references=(ReferenceContent(key="a", title="A", spl_set_id=SET_ID, spl_version=4),)
    )
    assert f'"spl_set_id":"{SET_ID}","spl_version":4' in labelled.canonical_json()
    assert labelled.content_hash() != plain.content_hash()


def test_editor_saves_spl_fields_and_the_revision_keeps_them(client, article, author):
    client.force_login(author)
    data = _edit_data(article)
    label_index = next(i for i in range(10) if data.get(f"references-{i}-key") == "label2023")
    data.update(
        {
            f"references-{label_index}-spl_set_id": SET_ID,
            f"references-{label_index}-spl_version": "4",
            f"references-{label_index}-spl_date": "2023-05-02",
        }
    )
    response = client.post(f"/studio/{article.slug}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    label = Reference.objects.get(article=article, key="label2023")
    assert (label.spl_set_id, label.spl_version, str(label.spl_date)) == (SET_ID, 4, "2023-05-02")
    article.refresh_from_db()
    saved = content_from_revision(article_latest_revision(article), article_id=article.pk).reference("label2023")
    assert (saved.spl_set_id, saved.spl_version, saved.spl_date) == (SET_ID, 4, "2023-05-02")
    assert (
        content_from_article(article).content_hash()
        == content_from_revision(article_latest_revision(article), article_id=article.pk).content_hash()
    )
    html = client.get(f"/studio/{article.slug}/").content.decode()
    assert f'value="{SET_ID}"' in html


def test_a_malformed_set_id_is_refused_with_its_shape(client, article, author):
    client.force_login(author)
    data = _edit_data(article)
    data["references-0-spl_set_id"] = "not-a-uuid"
    response = client.post(f"/studio/{article.slug}/", data)
    assert response.status_code == 200
    assert "An SPL Set ID is a UUID" in response.content.decode()


def test_an_unknown_grading_scheme_stops_startup_with_its_name(tmp_path):
    from tests.test_settings import _manage

    result = _manage("check", DEBUG="1", EVIDENCE_GRADING="stars", VETTED_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "EVIDENCE_GRADING must be GRADE or SORT, not 'STARS'" in result.stderr
