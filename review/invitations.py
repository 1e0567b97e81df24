"""Invited outside reviewers: one function per step, each taking the acting user (or the invitation).

An editor invites a person to review one article (`invitation_create`). The
invitee becomes an external BoardMember whose user has an unusable password
and no group, seated on the open round like an assigned board member (voting
or advisory). The email carries a signed link (`invitation_token`:
django.core.signing with its own salt, holding the invitation id and its
nonce); opening it asks for a one-time code mailed to the invited address
(`invitation_code_send`, hashed and expiring), checked by
`invitation_code_verify` (INVITATION_CODE_ATTEMPTS failures lock the
invitation for good). Nothing in this module logs anyone in: the invited
pages (review/invited_views.py) keep the verified invitation id and nonce in
the session and act as the invitee's user through the ordinary review
services, so an invitee never holds a staff session. Every step is an audit
event naming the invitation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from articles.models import Article
from articles.workflow import article_transition
from audit.services import event_record
from cms.tasks import enqueue_on_commit
from cms.workflow import ensure_transition

from . import services, tasks, workflow
from .exceptions import InvitationError, ReviewError
from .invitation_links import SALT, invitation_token  # noqa: F401 — re-exported for the views and tests
from .models import BoardMember, Invitation, ReviewDecision, ReviewRound

MAX_DAYS = 30


def _hash_code(invitation: Invitation, code: str) -> str:
    key = f"{settings.SECRET_KEY}:invitation-code:{invitation.pk}:{invitation.nonce}".encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def invitation_refusal(invitation: Invitation, *, now: dt.datetime | None = None) -> str:
    """Return why the invitation opens nothing now ("" if it is live)."""
    now = now or timezone.now()
    if invitation.revoked_at is not None:
        return gettext("This invitation was withdrawn by the editors. Ask them for a new one if you still review.")
    if invitation.locked_at is not None:
        return gettext("This invitation is locked after too many wrong codes. Ask the editors for a new invitation.")
    if invitation.expires_at <= now:
        return gettext("This invitation has expired. Ask the editors for a new one if you still review.")
    return ""


def invitation_from_token(token: str) -> Invitation:
    """Return the live invitation the token names, or raise InvitationError saying why it opens nothing."""
    try:
        data = signing.loads(token, salt=SALT, max_age=dt.timedelta(days=MAX_DAYS + 1))
        pk, nonce = int(data["i"]), str(data["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise InvitationError(
            gettext("This invitation link is not valid. Open the link from your invitation email exactly as sent.")
        ) from exc
    invitation = Invitation.objects.select_related("article", "member__user").filter(pk=pk).first()
    if invitation is None:
        raise InvitationError(gettext("This invitation link is no longer valid. Ask the editors for a new one."))
    reason = invitation_refusal(invitation)
    if reason:
        raise InvitationError(reason)
    if not hmac.compare_digest(invitation.nonce, nonce):
        raise InvitationError(gettext("This invitation link is no longer valid. Ask the editors for a new one."))
    return invitation


@transaction.atomic
def invitation_create(
    article: Article,
    *,
    acting_user,
    email: str,
    name: str,
    credentials: str,
    disclosures: str = "",
    disclosed_terms: str = "",
    voting: bool = False,
    expires_on: dt.date,
) -> Invitation:
    """Invite an outside reviewer to the article's open round (editors only); email them the link.

    The invitee's recusal is checked against `disclosed_terms` (drugs,
    conditions, companies, comma-separated) like a board member's; their
    credential is taken as verified by the inviting editor until the
    invitation expires.
    """
    services._ensure_editor(acting_user, "invite an outside reviewer")
    article = Article.objects.select_for_update().get(pk=article.pk)
    ensure_transition(workflow.REVIEW_EDGES, article, "assign", acting_user=acting_user)
    round_ = services._require_open_round(article)
    email, name, credentials = email.strip(), name.strip(), credentials.strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ReviewError(gettext("Enter the invitee's email address.")) from exc
    if not name or not credentials:
        raise ReviewError(gettext("Enter the invitee's name and credentials, as readers will see them."))
    today = timezone.localdate()
    if expires_on is None or not today < expires_on <= today + dt.timedelta(days=MAX_DAYS):
        raise ReviewError(
            gettext("Choose an expiry date after today and at most %(days)s days ahead.") % {"days": MAX_DAYS}
        )
    user = get_user_model().objects.create(
        username=f"invited-{secrets.token_hex(8)}", email=email, first_name=name[:150]
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    member = BoardMember.objects.create(
        user=user,
        display_name=name,
        credentials=credentials,
        disclosures=disclosures,
        disclosed_companies=disclosed_terms,
        disclosures_declared_on=today,
        credential_verified_until=expires_on,
        external=True,
        # Invited for this article: the inviting editor vouches that they read its language.
        languages=article.language,
    )
    expires_at = timezone.make_aware(dt.datetime.combine(expires_on, dt.time.max))
    invitation = Invitation.objects.create(
        article=article,
        round=round_,
        member=member,
        email=email,
        name=name,
        credentials=credentials,
        disclosures=disclosures,
        voting=voting,
        expires_at=expires_at,
        nonce=secrets.token_urlsafe(24),
        created_by=acting_user,
    )
    services._ensure_may_review(member, article, user)  # recusal and credential rules, as for the board
    now = timezone.now()
    ReviewDecision.objects.create(
        round=round_,
        reviewer=member,
        assigned_by=acting_user,
        assigned_at=now,
        due_on=services.review_due_on(article, now),
        voting=voting,
    )
    seat = "a voting seat" if voting else "an advisory seat (not counted in the quorum)"
    comment = f"Invitation {invitation.pk}: invited {name} ({credentials}) with {seat}."
    article_transition(article, "assign", acting_user=acting_user, round_=round_, comment=comment)
    enqueue_on_commit(tasks.notify_invited, invitation.pk, run_inline_if_broker_down=True)
    return invitation


@transaction.atomic
def invitation_revoke(invitation: Invitation, *, acting_user) -> Invitation:
    """Withdraw an invitation (editors only): its links stop working and an undecided seat is removed."""
    services._ensure_editor(acting_user, "withdraw an invitation")
    invitation = Invitation.objects.select_for_update().select_related("article", "member").get(pk=invitation.pk)
    if invitation.revoked_at is not None:
        raise ReviewError(gettext("This invitation is already withdrawn."))
    invitation.revoked_at = timezone.now()
    invitation.nonce = secrets.token_urlsafe(24)  # every link and code issued so far fails closed
    invitation.code_hash = ""
    invitation.save(update_fields=["revoked_at", "nonce", "code_hash"])
    ReviewDecision.objects.filter(
        reviewer=invitation.member, decision="", round__status=ReviewRound.Status.OPEN
    ).delete()
    event_record(
        invitation.article,
        acting_user=acting_user,
        action="invitation_revoked",
        round_=invitation.round,
        comment=f"Invitation {invitation.pk} ({invitation.name}) withdrawn.",
    )
    return invitation


def _locked_for_update(invitation: Invitation) -> Invitation:
    invitation = Invitation.objects.select_for_update().select_related("article", "member__user").get(pk=invitation.pk)
    reason = invitation_refusal(invitation)
    if reason:
        raise InvitationError(reason)
    return invitation


@transaction.atomic
def invitation_code_send(invitation: Invitation) -> Invitation:
    """Mail a new one-time code to the invited address (at most one a minute); the previous code stops working."""
    invitation = _locked_for_update(invitation)
    now = timezone.now()
    if invitation.code_sent_at and now - invitation.code_sent_at < dt.timedelta(seconds=60):
        raise InvitationError(gettext("A code was sent less than a minute ago. Check your email, then try again."))
    code = f"{secrets.randbelow(10**6):06d}"
    invitation.code_hash = _hash_code(invitation, code)
    invitation.code_expires_at = now + dt.timedelta(minutes=settings.INVITATION_CODE_MINUTES)
    invitation.code_sent_at = now
    invitation.save(update_fields=["code_hash", "code_expires_at", "code_sent_at"])
    event_record(
        invitation.article,
        acting_user=invitation.member.user,
        action="invitation_code_sent",
        round_=invitation.round,
        comment=f"Invitation {invitation.pk}: a sign-in code was sent to the invited address.",
    )
    enqueue_on_commit(tasks.notify_invitation_code, invitation.pk, code, run_inline_if_broker_down=True)
    return invitation


def invitation_code_verify(invitation: Invitation, code: str) -> Invitation:
    """Check a one-time code; a right one is used up, wrong ones count and lock the invitation at the limit.

    A wrong code raises InvitationError only after the transaction that
    counted it has committed, so failures are never rolled back.
    """
    invitation, refusal = _code_check(invitation, code)
    if refusal:
        raise InvitationError(refusal)
    return invitation


@transaction.atomic
def _code_check(invitation: Invitation, code: str) -> tuple[Invitation, str]:
    invitation = _locked_for_update(invitation)
    now = timezone.now()
    code = (code or "").strip()
    valid = (
        invitation.code_hash
        and invitation.code_expires_at
        and invitation.code_expires_at > now
        and hmac.compare_digest(invitation.code_hash, _hash_code(invitation, code))
    )
    if not valid:
        invitation.failed_attempts += 1
        fields = ["failed_attempts"]
        locked = invitation.failed_attempts >= settings.INVITATION_CODE_ATTEMPTS
        if locked:
            invitation.locked_at = now
            invitation.code_hash = ""
            fields += ["locked_at", "code_hash"]
        invitation.save(update_fields=fields)
        event_record(
            invitation.article,
            acting_user=invitation.member.user,
            action="invitation_code_failed",
            round_=invitation.round,
            comment=f"Invitation {invitation.pk}: wrong or expired code ({invitation.failed_attempts})"
            + ("; the invitation is now locked." if locked else "."),
        )
        if locked:
            return invitation, gettext(
                "Too many wrong codes: this invitation is now locked. Ask the editors for a new invitation."
            )
        if invitation.code_expires_at and invitation.code_expires_at <= now:
            return invitation, gettext("That code has expired. Ask for a new code.")
        return invitation, gettext("That code is not right. Check the latest email and try again.")
    invitation.code_hash = ""  # single use
    invitation.opened_at = invitation.opened_at or now
    invitation.save(update_fields=["code_hash", "opened_at"])
    event_record(
        invitation.article,
        acting_user=invitation.member.user,
        action="invitation_opened",
        round_=invitation.round,
        comment=f"Invitation {invitation.pk}: {invitation.name} signed in with the emailed code.",
    )
    return invitation, ""
