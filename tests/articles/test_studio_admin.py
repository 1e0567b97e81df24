"""The Django admin for articles: content is read-only there, workflow fields always."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from reversion.models import Version

from articles.models import Article
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return factories.UserFactory(username="root", is_superuser=True, is_staff=True)


def test_changelist_and_change_page_load_with_inlines(client, superuser, article):
    client.force_login(superuser)
    assert client.get(reverse("admin:articles_article_changelist")).status_code == 200
    page = client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "kotton2018" in body  # reference inline
    assert "Edit the content in the studio" in body


def test_admin_post_cannot_change_content_or_workflow_fields(client, superuser, author, article):
    client.force_login(superuser)
    url = reverse("admin:articles_article_change", args=[article.pk])
    response = client.post(
        url,
        {
            "title": "Changed in admin",
            "body": "Replaced",
            "status": "approved",
            "lock_version": 99,
            "authors": [author.pk],
            "required_approvals": 2,
            "review_interval_months": "",
            "variants-TOTAL_FORMS": 0,
            "variants-INITIAL_FORMS": 0,
            "references-TOTAL_FORMS": 0,
            "references-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    article.refresh_from_db()
    assert article.title == "What is the treatment for CMV infection?"
    assert article.status == Article.Status.DRAFT
    assert article.lock_version == 0
    # The quorum is an editor's decision on the review page, with an audit row.
    assert article.required_approvals is None
    assert article.references.count() == 3


def test_staff_without_superuser_sees_everything_read_only(client, article):
    staff = factories.UserFactory(username="staff", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_article", "change_article"]))
    client.force_login(staff)
    url = reverse("admin:articles_article_change", args=[article.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"required_approvals": 5, "authors": []})
    article.refresh_from_db()
    assert article.required_approvals is None
    assert article.authors.count() == 1


def test_admin_revert_redirects_to_the_studio_restore_page(client, superuser, article):
    client.force_login(superuser)
    version = Version.objects.get_for_object(article).first()
    response = client.get(reverse("admin:articles_article_revision", args=[article.pk, version.pk]))
    assert response.status_code == 302
    assert response.url == reverse(
        "studio:article_restore", kwargs={"slug": article.slug, "revision_id": version.revision_id}
    )
