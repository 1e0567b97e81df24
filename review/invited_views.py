"""The pages an invited outside reviewer sees, under /invited/<token>/ (nothing else).

No one is logged in here: after the emailed code, the session remembers
{invitation id: nonce} under INVITED_SESSION_KEY, and every request checks the
signed token, the invitation (live, same nonce) and that session entry before
showing or doing anything, acting as the invitee's user through the review
services. A forwarded link without the code, a revoked, expired, locked or
tampered link, and a verified session used with another invitation's link all
fail closed with a message saying why. Responses are private and never indexed.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from articles.models import Audience
from textkit.diff import content_diff

from . import invitations, selectors, services
from .exceptions import InvitationError, ReviewError
from .forms import CommentForm, InvitedDecisionForm
from .models import Invitation, ReviewRound

INVITED_SESSION_KEY = "invited_reviews"


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _refused(request: HttpRequest, message: str, status: int = 403) -> HttpResponse:
    return _private(render(request, "review/invited_refused.html", {"message": message}, status=status))


def _verified(request: HttpRequest, invitation: Invitation) -> bool:
    return request.session.get(INVITED_SESSION_KEY, {}).get(str(invitation.pk)) == invitation.nonce


def with_invitation(*, verified: bool):
    """Resolve the token to a live invitation (and, with `verified`, require the emailed code in this session)."""

    def decorate(view):
        @wraps(view)
        @never_cache
        def wrapper(request: HttpRequest, token: str, *args, **kwargs):
            try:
                invitation = invitations.invitation_from_token(token)
            except InvitationError as exc:
                return _refused(request, str(exc))
            if verified and not _verified(request, invitation):
                return redirect("invited:open", token=token)
            return _private(view(request, invitation, token, *args, **kwargs))

        return wrapper

    return decorate


@with_invitation(verified=False)
def open_invitation(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    """The link from the email: already verified here → the review; otherwise ask for the emailed code."""
    if _verified(request, invitation):
        return redirect("invited:review", token=token)
    return render(request, "review/invited_open.html", {"invitation": invitation, "token": token})


@require_POST
@with_invitation(verified=False)
def send_code(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    try:
        invitations.invitation_code_send(invitation)
    except InvitationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("We emailed a code to the invited address. Enter it below."))
    return redirect("invited:open", token=token)


@require_POST
@with_invitation(verified=False)
def verify_code(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    try:
        invitation = invitations.invitation_code_verify(invitation, request.POST.get("code", ""))
    except InvitationError as exc:
        messages.error(request, str(exc))
        return redirect("invited:open", token=token)
    request.session.cycle_key()  # a fresh session id once the code is proven
    verified = dict(request.session.get(INVITED_SESSION_KEY, {}))
    verified[str(invitation.pk)] = invitation.nonce
    request.session[INVITED_SESSION_KEY] = verified
    return redirect("invited:review", token=token)


@with_invitation(verified=True)
def review(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    """The invited article's review page: what changed, the text per audience with references, the comments."""
    article = invitation.article
    round_ = invitation.round or selectors.review_round_latest(article)
    if round_ is None:
        return _refused(request, gettext("This article has nothing under review."), status=404)
    texts = selectors.review_round_texts(article, round_)
    content, base, old = texts.content, texts.base, texts.old
    names, variant_ids, previews = texts.names, texts.variant_ids, texts.versions
    seat = round_.decisions.filter(reviewer=invitation.member).first()
    is_open = round_.status == ReviewRound.Status.OPEN
    decision_form = InvitedDecisionForm(initial={"content_hash": round_.content_hash}, voting=invitation.voting)
    comment_form = CommentForm()
    comment_form.fields["audience"].queryset = Audience.objects.filter(pk__in=variant_ids)
    return render(
        request,
        "review/invited_review.html",
        {
            "invitation": invitation,
            "token": token,
            "article": article,
            "round": round_,
            "is_open": is_open,
            "seat": seat,
            "diff": content_diff(old, content, audience_names=names),
            "diff_old_label": f"Approved {base.date_created:%Y-%m-%d}" if base else "Nothing approved yet",
            "diff_new_label": f"Submitted {round_.submitted_at:%Y-%m-%d %H:%M}",
            "previews": previews,
            "comments": selectors.review_comment_list(article).filter(round=round_),
            "decision_form": decision_form,
            "comment_form": comment_form,
        },
    )


def _act(request: HttpRequest, call, success: str) -> None:
    try:
        call()
    except ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)


@require_POST
@with_invitation(verified=True)
def comment(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("The comment is empty. Write what the author should change."))
    else:
        data = form.cleaned_data
        _act(
            request,
            lambda: services.review_comment_add(
                invitation.article,
                acting_user=invitation.member.user,
                text=data["text"],
                section=data["section"],
                audience=data["audience"],
            ),
            gettext("Your comment was added."),
        )
    return redirect("invited:review", token=token)


@require_POST
@with_invitation(verified=True)
def decide(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    form = InvitedDecisionForm(request.POST, voting=invitation.voting)
    if not form.is_valid():
        messages.error(request, gettext("Choose approve or request changes, then submit your decision again."))
        return redirect("invited:review", token=token)
    data = form.cleaned_data
    user = invitation.member.user
    if data["decision"] == "approve":
        call = lambda: services.review_approve(  # noqa: E731
            invitation.article, acting_user=user, comment=data["comment"], content_hash=data["content_hash"]
        )
    else:
        call = lambda: services.review_request_changes(  # noqa: E731
            invitation.article, acting_user=user, comment=data["comment"], content_hash=data["content_hash"]
        )
    _act(request, call, gettext("Your decision is recorded. Thank you."))
    return redirect("invited:review", token=token)
