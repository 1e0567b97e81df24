"""The studio's version history: list every saved version, compare two, restore one as a new version."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods
from reversion.models import Revision

from cms.pagination import paginate
from textkit.diff import content_diff

from .. import selectors, services
from ..content import content_from_article, content_from_revision
from ..exceptions import ContentLocked, EditConflict, SlugTaken
from ..forms import RestoreForm
from ..models import Article
from .common import studio_article_view


@studio_article_view
def article_history(request: HttpRequest, article: Article) -> HttpResponse:
    """List every saved version (who, when, comment) with compare and restore controls."""
    versions = paginate(request, selectors.article_version_list(article))
    # Compare defaults to the two newest versions, whichever page is shown.
    newest = list(selectors.article_versions(article).values_list("revision_id", flat=True)[:2])
    context = {
        "article": article,
        "versions": versions,
        "newest_revision_id": newest[0] if newest else None,
        "default_a": newest[1] if len(newest) > 1 else None,
        "default_b": newest[0] if newest else None,
        "approved_revision_id": article.last_approved_revision_id,
    }
    return render(request, "articles/article_history.html", context)


def _revision_of(article: Article, revision_id) -> Revision | None:
    try:
        revision_id = int(revision_id)
    except (TypeError, ValueError):
        return None
    version = selectors.article_versions(article).filter(revision_id=revision_id).first()
    return version.revision if version else None


def _revision_label(revision: Revision) -> str:
    who = revision.user.get_username() if revision.user else "unknown"
    return f"{revision.date_created:%Y-%m-%d %H:%M} UTC by {who}"


@studio_article_view
def article_compare(request: HttpRequest, article: Article) -> HttpResponse:
    """Compare two versions (?a=<older revision>&b=<newer revision>) field by field and section by section."""
    rev_a = _revision_of(article, request.GET.get("a"))
    rev_b = _revision_of(article, request.GET.get("b"))
    if rev_a is None or rev_b is None:
        messages.error(request, gettext("Pick two versions of this article to compare."))
        return render(request, "articles/article_compare.html", {"article": article, "diff": None}, status=400)
    if rev_a.date_created > rev_b.date_created:
        rev_a, rev_b = rev_b, rev_a
    diff = content_diff(
        content_from_revision(rev_a, article_id=article.pk),
        content_from_revision(rev_b, article_id=article.pk),
        audience_names=selectors.audience_names(),
    )
    context = {
        "article": article,
        "diff": diff,
        "rev_a": rev_a,
        "rev_b": rev_b,
        "diff_old_label": _revision_label(rev_a),
        "diff_new_label": _revision_label(rev_b),
    }
    return render(request, "articles/article_compare.html", context)


@studio_article_view
@require_http_methods(["GET", "POST"])
def article_restore(request: HttpRequest, article: Article, revision_id: int) -> HttpResponse:
    """Confirm (GET) and restore (POST) an earlier version as a new version."""
    revision = _revision_of(article, revision_id)
    if revision is None:
        raise Http404("That version does not belong to this article.")
    if request.method == "POST":
        form = RestoreForm(request.POST)
        if form.is_valid():
            try:
                services.article_revert(
                    article,
                    acting_user=request.user,
                    revision=revision,
                    lock_version=form.cleaned_data["lock_version"],
                    comment=form.cleaned_data["comment"],
                )
            except (EditConflict, ContentLocked, SlugTaken) as exc:
                messages.error(request, str(exc))
                return redirect("studio:article_history", slug=article.slug)
            messages.success(
                request,
                gettext("Restored the version of %(revision_label)s as a new version.")
                % {"revision_label": _revision_label(revision)},
            )
            return redirect("studio:article_edit", slug=Article.objects.get(pk=article.pk).slug)
    else:
        form = RestoreForm(initial={"lock_version": article.lock_version})
    diff = content_diff(
        content_from_article(article),
        content_from_revision(revision, article_id=article.pk),
        audience_names=selectors.audience_names(),
    )
    context = {
        "article": article,
        "revision": revision,
        "form": form,
        "diff": diff,
        "diff_old_label": "Current text",
        "diff_new_label": f"Version of {_revision_label(revision)}",
        "locked": services.article_is_locked(article),
    }
    return render(request, "articles/article_restore.html", context)
