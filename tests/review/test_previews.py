"""Shareable previews: pinned to a revision, expiring, revocable, marked as a draft, private and never indexed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from articles import services as article_services
from audit.models import WorkflowEvent
from review import previews
from review.exceptions import ReviewError, ReviewPermissionError
from review.models import PreviewLink

pytestmark = pytest.mark.django_db

BANNER = "Draft — not approved — not medical advice"


def make(article, user, days=7) -> PreviewLink:
    return previews.preview_link_create(
        article, acting_user=user, expires_on=timezone.localdate() + dt.timedelta(days=days)
    )


def url(link) -> str:
    return reverse("preview:show", kwargs={"token": previews.preview_token(link)})


def test_a_preview_shows_its_revision_with_the_banner_privately(client, article, author):
    link = make(article, author)
    response = client.get(url(link))
    body = response.content.decode()
    assert response.status_code == 200
    assert article.title in body and body.count(BANNER) == 2
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"] and '<meta name="robots" content="noindex' in body
    assert WorkflowEvent.objects.filter(article=article, action="preview_shared").exists()


def test_a_later_edit_does_not_leak_through_an_old_link(client, article, author):
    link = make(article, author)
    article_services.article_update(
        article, acting_user=author, lock_version=article.lock_version, fields={"summary": "A brand new bottom line."}
    )
    body = client.get(url(link)).content.decode()
    assert "A brand new bottom line." not in body and article.title in body
    newer = make(article, author)
    assert "A brand new bottom line." in client.get(url(newer)).content.decode()


def test_revoked_expired_and_tampered_links_show_nothing(client, article, author):
    link = make(article, author)
    token = previews.preview_token(link)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(reverse("preview:show", kwargs={"token": tampered})).status_code == 403
    other = signing.dumps({"p": link.pk, "n": "guess"}, salt=previews.SALT, compress=True)
    assert client.get(reverse("preview:show", kwargs={"token": other})).status_code == 403
    PreviewLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(url(link))
    assert response.status_code == 403 and "expired" in response.content.decode()
    fresh = make(article, author)
    previews.preview_link_revoke(fresh, acting_user=author)
    fresh.refresh_from_db()
    response = client.get(reverse("preview:show", kwargs={"token": token}))
    assert response.status_code == 403
    response = client.get(url(fresh))
    assert response.status_code == 403 and article.title not in response.content.decode()


def test_only_authors_and_editors_share_and_for_at_most_30_days(article, author, author2, reviewer, editor):
    for outsider in (author2, reviewer):
        with pytest.raises(ReviewPermissionError):
            make(article, outsider)
    with pytest.raises(ReviewError):
        make(article, author, days=31)
    assert make(article, editor).created_by == editor
    assert PreviewLink.objects.count() == 1


def test_studio_actions_make_and_revoke(client, article, author, author2):
    client.force_login(author)
    create = reverse("studio:preview_create", kwargs={"slug": article.slug})
    client.post(create, {"expires_on": (timezone.localdate() + dt.timedelta(days=3)).isoformat()})
    link = PreviewLink.objects.get()
    page = client.get(reverse("studio:article_edit", kwargs={"slug": article.slug})).content.decode()
    assert previews.preview_token(link) in page
    client.force_login(author2)
    revoke = reverse("studio:preview_revoke", kwargs={"slug": article.slug, "pk": link.pk})
    assert client.post(revoke).status_code == 403
    client.force_login(author)
    client.post(revoke)
    link.refresh_from_db()
    assert link.revoked_at is not None


def test_previews_are_not_in_the_sitemap(client, article, author):
    link = make(article, author)
    sitemap = client.get("/sitemap.xml")
    assert previews.preview_token(link) not in sitemap.content.decode()
    assert "/preview/" not in sitemap.content.decode()


# --- outside comments ------------------------------------------------------------


def test_a_preview_viewer_comments_and_the_authors_see_it_as_an_outside_comment(client, article, author):
    from review.models import PreviewComment

    link = make(article, author)
    response = client.post(url(link), {"name": "Sam from Legal", "text": "Please add the date of the label."})
    # Back to the same preview (a link signed again in another second differs only in its timestamp).
    assert response.status_code == 302 and response["Location"].split(":")[0] == url(link).split(":")[0]
    assert "no-store" in response["Cache-Control"]
    comment = PreviewComment.objects.get()
    assert comment.article == article and comment.link == link and comment.name == "Sam from Legal"
    client.force_login(author)
    studio = client.get(f"/studio/{article.slug}/").content.decode()
    assert "Outside comment" in studio and "Please add the date of the label." in studio and "Sam from Legal" in studio


def test_outside_comments_are_refused_when_empty_too_long_too_many_or_on_a_dead_link(client, article, author):
    from review.models import PreviewComment

    link = make(article, author)
    assert client.post(url(link), {"text": ""}).status_code == 400
    assert client.post(url(link), {"text": "x" * 2001}).status_code == 400
    for n in range(previews.COMMENTS_PER_LINK_PER_HOUR):
        previews.preview_comment_add(previews.preview_token(link), name="", text=f"Comment {n}")
    response = client.post(url(link), {"text": "One more"})
    assert response.status_code == 400 and "many comments" in response.content.decode()
    previews.preview_link_revoke(link, acting_user=author)
    assert client.post(url(link), {"text": "After revoking"}).status_code == 403
    assert not PreviewComment.objects.filter(text__in=["One more", "After revoking"]).exists()


def test_an_outside_comment_is_shown_escaped(client, article, author):
    link = make(article, author)
    client.post(url(link), {"name": "<b>x</b>", "text": "<script>alert(1)</script>"})
    client.force_login(author)
    studio = client.get(f"/studio/{article.slug}/").content.decode()
    assert "<script>alert(1)</script>" not in studio and "&lt;script&gt;alert(1)&lt;/script&gt;" in studio
