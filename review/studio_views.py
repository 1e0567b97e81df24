"""The authors' review actions, under /studio/: submit (with the resubmission check), withdraw, resolve a comment."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from articles.models import Article
from cms import roles

from . import selectors, services
from .exceptions import CommentRequired, ResubmitNeedsConfirmation, ReviewError, ReviewPermissionError
from .models import ReviewComment
from .views import run_service, studio_url


@roles.role_required(roles.AUTHORS, anonymous_404=True)
@require_POST
def studio_submit(request: HttpRequest, slug: str) -> HttpResponse:
    """Submit for review; a resubmission that may waste the board's time asks for confirmation and a reply first."""
    article = get_object_or_404(Article, slug=slug)
    comment = request.POST.get("comment", "")
    confirmed = request.POST.get("confirmed") == "1"
    try:
        services.article_submit(article, acting_user=request.user, comment=comment, confirmed=confirmed)
    except ReviewPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ResubmitNeedsConfirmation as exc:
        return _resubmit_confirm(request, article, reasons=exc.reasons, comment=comment)
    except CommentRequired as exc:
        if confirmed:
            reasons = selectors.resubmit_concerns(article, content_hash=selectors.submission_hash(article))
            return _resubmit_confirm(request, article, reasons=reasons, comment=comment, error=str(exc))
        messages.error(request, str(exc))
    except ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            gettext(
                "Submitted to the Medical Advisory Board. The content is locked until the review "
                "ends or you withdraw it."
            ),
        )
    return redirect(studio_url(article))


def _resubmit_confirm(request, article: Article, *, reasons: list[str], comment: str, error: str = "") -> HttpResponse:
    context = {
        "article": article,
        "reasons": reasons,
        "comment": comment,
        "error": error,
        "open_comments": list(selectors.review_comment_list(article, open_only=True)),
    }
    return render(request, "review/resubmit_confirm.html", context, status=409 if error else 200)


@roles.role_required(roles.AUTHORS, anonymous_404=True)
@require_POST
def studio_withdraw(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article, slug=slug)
    run_service(
        request,
        lambda: services.article_withdraw(article, acting_user=request.user, comment=request.POST.get("comment", "")),
        gettext("Withdrawn from review. It is a draft again and you can edit it."),
    )
    return redirect(studio_url(article))


@roles.role_required(roles.AUTHORS, anonymous_404=True)
@require_POST
def studio_comment_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(ReviewComment.objects.select_related("round__article"), pk=pk)
    run_service(
        request,
        lambda: services.review_comment_resolve(comment, acting_user=request.user),
        gettext("Comment marked resolved."),
    )
    return redirect(studio_url(comment.round.article))
