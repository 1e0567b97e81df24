"""The issue's demo: on the seeded site, "9000 mg" in the CMV professional version is a label mismatch
in the studio and blocks approval until a reviewer records a reason."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from articles import services as article_services
from articles.models import Article, Audience
from evidence.services import dose_mismatch_accept
from review import services as review_services
from review.exceptions import ApprovalBlocked

pytestmark = pytest.mark.django_db


def test_demo_dose_mismatch_shows_in_the_studio_and_blocks_approval(client):
    call_command("seed_demo", i_know_this_is_not_production=True, stdout=io.StringIO())
    users = get_user_model().objects
    author, reviewer = users.get(username="author"), users.get(username="reviewer")
    article = Article.objects.get(slug="cmv-treatment")
    client.force_login(author)
    preview = client.get(reverse("studio:article_preview", kwargs={"slug": article.slug}))
    assert 'data-dose-code="outside_range"' not in preview.content.decode()  # the approved text matches
    assert 'data-dose-code="match"' in preview.content.decode()

    professional = Audience.objects.get(slug="professional")
    variant = article.variants.get(audience=professional)
    assert "900 mg twice" in variant.body
    article_services.article_update(
        article,
        acting_user=author,
        lock_version=article.lock_version,
        variants=[
            article_services.VariantInput(
                audience_id=professional.pk,
                summary=variant.summary,
                body=variant.body.replace("900 mg twice", "9000 mg twice", 1),
            )
        ],
        comment="Typo test",
    )
    html = client.get(reverse("studio:article_preview", kwargs={"slug": article.slug})).content.decode()
    assert 'data-dose-code="outside_range"' in html and "9000 mg" in html

    article.refresh_from_db()
    review_services.article_submit(article, acting_user=author)
    review_services.review_claim(article, acting_user=reviewer)
    with pytest.raises(ApprovalBlocked, match="9000 mg"):
        review_services.review_approve(article, acting_user=reviewer)
    dose_mismatch_accept(article, acting_user=reviewer, reason="Demo: the typo is deliberate.")
    review_services.review_approve(article, acting_user=reviewer)
    article.refresh_from_db()
    assert article.status == Article.Status.APPROVED
