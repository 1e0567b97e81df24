"""The shared preview of a draft (/preview/<token>/) and the authors' actions that make and revoke links.

The preview page is public to whoever holds the link, read only, marked
"Draft — not approved — not medical advice" on every page, never cached by
shared caches (`Cache-Control: private, no-store`) and never indexed
(`X-Robots-Tag` and a robots meta tag). It is in no sitemap, search or export:
those read publications only.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from articles.models import Article, Audience
from cms import roles

from . import previews, selectors
from .exceptions import InvitationError, ReviewError, ReviewPermissionError
from .forms import PreviewCommentForm, PreviewLinkForm
from .models import PreviewLink


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def preview(request: HttpRequest, token: str) -> HttpResponse:
    """Show the pinned revision; a POST leaves an outside comment for the authors."""
    form = PreviewCommentForm(request.POST if request.method == "POST" else None)
    status = 200
    try:
        if request.method == "POST" and form.is_valid():
            try:
                previews.preview_comment_add(token, name=form.cleaned_data["name"], text=form.cleaned_data["text"])
            except ReviewError as exc:
                form.add_error("text", str(exc))
                status = 400
            else:
                messages.success(request, gettext("Thank you: your comment went to the authors."))
                return _private(redirect("preview:show", token=token))
        elif request.method == "POST":
            status = 400
        link, content = previews.preview_content(token)
    except InvitationError as exc:
        return _private(render(request, "review/invited_refused.html", {"message": str(exc)}, status=403))
    versions = selectors.rendered_versions(content, list(Audience.objects.all()))
    return _private(
        render(
            request,
            "review/preview.html",
            {"link": link, "article": link.article, "content": content, "versions": versions, "form": form},
            status=status,
        )
    )


def _studio(article: Article):
    return redirect("studio:article_edit", slug=article.slug)


@roles.role_required(roles.AUTHORS, roles.EDITORS, anonymous_404=True)
@require_POST
def preview_create(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article, slug=slug)
    form = PreviewLinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Enter the preview link's expiry as a date, e.g. 2026-12-31."))
        return _studio(article)
    try:
        previews.preview_link_create(article, acting_user=request.user, expires_on=form.cleaned_data["expires_on"])
    except ReviewPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("Preview link made: copy it from the list below the review panel."))
    return _studio(article)


@roles.role_required(roles.AUTHORS, roles.EDITORS, anonymous_404=True)
@require_POST
def preview_revoke(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    link = get_object_or_404(PreviewLink.objects.select_related("article"), pk=pk, article__slug=slug)
    try:
        previews.preview_link_revoke(link, acting_user=request.user)
    except ReviewPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("Preview link revoked: it no longer shows anything."))
    return _studio(link.article)
