"""Shareable previews of a draft or submitted revision: one function per step, each taking the acting user.

A PreviewLink is pinned to the article's latest saved revision and its
content hash when it is made; its token (django.core.signing, salt
"review.preview.link") names the link and its nonce, and is checked against
the row on every view (revoked, expired, nonce), then the revision's content
is re-hashed against the pinned hash before anything is shown.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from articles.content import content_from_revision
from articles.models import Article
from articles.selectors import article_latest_revision
from audit.services import event_record
from cms import roles
from textkit.content import ArticleContent
from textkit.text import clean_text

from .exceptions import InvitationError, ReviewError, ReviewPermissionError
from .models import PreviewComment, PreviewLink

SALT = "review.preview.link"
MAX_DAYS = 30
COMMENT_MAX_LENGTH = 2000
COMMENTS_PER_LINK_PER_HOUR = 20  # a shared link is not a way to flood the authors


def preview_token(link: PreviewLink) -> str:
    return signing.dumps({"p": link.pk, "n": link.nonce}, salt=SALT, compress=True)


def _ensure_may_share(article: Article, acting_user) -> None:
    if not (roles.is_article_author(article, acting_user) or roles.is_editor(acting_user)):
        raise ReviewPermissionError(
            gettext("Only an author of “%(title)s” or an editor can share a preview of it.") % {"title": article.title}
        )


@transaction.atomic
def preview_link_create(article: Article, *, acting_user, expires_on: dt.date) -> PreviewLink:
    """Make a preview link to the article's latest saved revision, expiring at the end of `expires_on` (≤30 days)."""
    _ensure_may_share(article, acting_user)
    today = timezone.localdate()
    if expires_on is None or not today <= expires_on <= today + dt.timedelta(days=MAX_DAYS):
        raise ReviewError(
            gettext("Choose an expiry date from today to at most %(days)s days ahead.") % {"days": MAX_DAYS}
        )
    revision = article_latest_revision(article)
    if revision is None:
        raise ReviewError(
            gettext("“%(title)s” has no saved version to share. Save it first.") % {"title": article.title}
        )
    link = PreviewLink.objects.create(
        article=article,
        revision=revision,
        content_hash=content_from_revision(revision, article_id=article.pk).content_hash(),
        nonce=secrets.token_urlsafe(24),
        expires_at=timezone.make_aware(dt.datetime.combine(expires_on, dt.time.max)),
        created_by=acting_user,
    )
    event_record(
        article,
        acting_user=acting_user,
        action="preview_shared",
        revision_id=revision.pk,
        content_hash=link.content_hash,
        comment=f"Preview link {link.pk} to revision {revision.pk}, until {expires_on:%Y-%m-%d}.",
    )
    return link


@transaction.atomic
def preview_link_revoke(link: PreviewLink, *, acting_user) -> PreviewLink:
    """Stop a preview link at once (an author of the article or an editor)."""
    link = PreviewLink.objects.select_for_update().select_related("article").get(pk=link.pk)
    _ensure_may_share(link.article, acting_user)
    if link.revoked_at is not None:
        raise ReviewError(gettext("This preview link is already revoked."))
    link.revoked_at = timezone.now()
    link.nonce = secrets.token_urlsafe(24)
    link.save(update_fields=["revoked_at", "nonce"])
    event_record(
        link.article, acting_user=acting_user, action="preview_revoked", comment=f"Preview link {link.pk} revoked."
    )
    return link


def preview_content(token: str) -> tuple[PreviewLink, ArticleContent]:
    """Return the live link and the pinned revision's content, or raise InvitationError saying why it shows nothing."""
    try:
        data = signing.loads(token, salt=SALT, max_age=dt.timedelta(days=MAX_DAYS + 1))
        pk, nonce = int(data["p"]), str(data["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise InvitationError(gettext("This preview link is not valid. Open it exactly as it was shared.")) from exc
    link = PreviewLink.objects.select_related("article", "revision").filter(pk=pk).first()
    if link is None:
        raise InvitationError(gettext("This preview link is not valid. Open it exactly as it was shared."))
    if link.revoked_at is not None:
        raise InvitationError(gettext("This preview link was revoked. Ask whoever shared it for a new one."))
    if link.expires_at <= timezone.now():
        raise InvitationError(gettext("This preview link has expired. Ask whoever shared it for a new one."))
    if not hmac.compare_digest(link.nonce, nonce):
        raise InvitationError(gettext("This preview link is not valid. Open it exactly as it was shared."))
    content = content_from_revision(link.revision, article_id=link.article_id)
    if content.content_hash() != link.content_hash:
        raise InvitationError(
            gettext("This preview no longer matches the version it was made for, so it is not shown.")
        )
    return link, content


@transaction.atomic
def preview_comment_add(token: str, *, name: str, text: str) -> PreviewComment:
    """Record an outside comment on the revision a valid preview link shows (nobody signs in to comment).

    Raises InvitationError for a link that shows nothing (revoked, expired,
    tampered) and ReviewError for an empty or over-long comment or too many on
    one link within the hour.
    """
    link, _content = preview_content(token)
    text = clean_text(text or "").strip()
    if not text:
        raise ReviewError(gettext("Write your comment first."))
    if len(text) > COMMENT_MAX_LENGTH:
        raise ReviewError(
            gettext("The comment is %(count)s characters long; keep it under %(limit)s.")
            % {"count": len(text), "limit": COMMENT_MAX_LENGTH}
        )
    PreviewLink.objects.select_for_update().filter(pk=link.pk).first()  # one at a time per link, for the count
    recent = PreviewComment.objects.filter(link=link, created_at__gte=timezone.now() - dt.timedelta(hours=1))
    if recent.count() >= COMMENTS_PER_LINK_PER_HOUR:
        raise ReviewError(gettext("This preview has had many comments in the last hour; try again later."))
    return PreviewComment.objects.create(
        link=link, article=link.article, name=clean_text(name or "", multiline=False).strip()[:120], text=text
    )
