"""The studio editor: list, create, edit, the live preview and the autosaved unsaved text.

Views parse input, call one service and render. The preview's checks and
readability come from articles/previews.py, shared with the board's review page.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from cms import roles
from cms.pagination import paginate
from textkit.content import DEFAULT_LANGUAGE, ArticleContent
from textkit.diff import content_diff

from .. import previews, selectors, services
from ..content import content_from_article
from ..exceptions import ContentLocked, EditConflict, SlugTaken, StaleDraftWrite
from ..forms import (
    ArticleForm,
    ReferenceFormSet,
    VariantForm,
    content_from_post,
    initial_article,
    initial_references,
    variant_inputs,
)
from ..models import Article, Audience
from ..previews import studio_preview
from ..translations import translation_panel
from .common import DRAFT_FLUSH_COOKIE, PREVIEW_HEADER, editor_styles, studio_article_view
from .common import audiences as studio_audiences

# --- helpers -----------------------------------------------------------------


def _editor_forms(request: HttpRequest, audiences: list[Audience], *, content: ArticleContent | None, lock: int):
    """Return (article form, variant forms, reference formset), bound on POST, else from saved content."""
    if request.method == "POST":
        form = ArticleForm(request.POST)
        variant_forms = [VariantForm(request.POST, audience=a) for a in audiences]
        formset = ReferenceFormSet(request.POST, prefix="references")
        return form, variant_forms, formset
    if content is None:
        return ArticleForm(), [VariantForm(audience=a) for a in audiences], ReferenceFormSet(prefix="references")
    form = ArticleForm(initial=initial_article(content, lock_version=lock))
    variant_forms = []
    for audience in audiences:
        variant = content.variant_for(audience.pk)
        initial = {"summary": variant.summary, "body": variant.body} if variant else {}
        variant_forms.append(VariantForm(initial=initial, audience=audience))
    formset = ReferenceFormSet(initial=initial_references(content), prefix="references")
    return form, variant_forms, formset


def _draft_scope(article: Article | None) -> str:
    return str(article.pk) if article is not None else "new"


def _awaited_write(request: HttpRequest, article: Article | None) -> tuple[str, int] | None:
    """Return (page, sequence) of the write the closing editor page announced in its cookie, if any."""
    scope, _, rest = request.COOKIES.get(DRAFT_FLUSH_COOKIE, "").partition(":")
    page, _, sequence = rest.partition(":")
    if scope == _draft_scope(article) and page and sequence.isdigit():
        return page, int(sequence)
    return None


def _kept_new_draft(request: HttpRequest):
    """Return the user's unsaved text for the new-article page, first waiting for the closing page's flush."""
    awaiting = _awaited_write(request, None)
    return selectors.draft_buffer_get(None, request.user, awaiting=awaiting, wait=settings.DRAFT_FLUSH_WAIT_SECONDS)


def _render_editor(request: HttpRequest, context: dict, *, status: int = 200) -> HttpResponse:
    audiences = context["audiences"]
    article = context.get("article")
    context.setdefault("preview_for", request.GET.get("for") or request.POST.get("preview_for") or "")
    if "rendered" not in context:
        if request.method == "POST":
            content = content_from_post(
                request.POST,
                audiences=audiences,
                slug=article.slug if article else "",
                language=article.language if article else DEFAULT_LANGUAGE,
            )
        elif context.get("restored_content") is not None:
            content = context["restored_content"]
        elif article is not None:
            content = content_from_article(article)
        else:
            content = ArticleContent(slug="", title="")
        context.update(studio_preview(content, audiences, context["preview_for"]))
    if article is not None:
        context["languages"] = translation_panel(article, audience_names=selectors.audience_names(audiences))
    context["variant_forms_with_errors"] = any(f.errors for f in context["variant_forms"])
    context["lookup_online"] = bool(settings.IDENTIFIER_LOOKUP_NETWORK)
    # Each page load's autosaves are numbered under a token of its own (see draft_buffer_save).
    context["draft_page"] = secrets.token_urlsafe(12)
    context["draft_scope"] = _draft_scope(article)
    response = render(request, "articles/article_form.html", context, status=status)
    if DRAFT_FLUSH_COOKIE in request.COOKIES:
        response.delete_cookie(DRAFT_FLUSH_COOKIE, path="/studio/", samesite="Strict")
    return response


def _apply_validation_error(form: ArticleForm, formset, exc: ValidationError) -> None:
    """Show a service's ValidationError beside the fields it names, or at the top of the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            if name in form.fields:
                form.add_error(name, errors)
            elif name == "references":
                formset.add_service_errors(errors)
            else:
                form.add_error(None, [f"{name}: {error}" for error in errors])
    else:
        form.add_error(None, exc.messages)


# --- list and create --------------------------------------------------------


@roles.role_required(roles.AUTHORS)
def article_list(request: HttpRequest) -> HttpResponse:
    """List the signed-in author's articles, with status and last edit, optionally searched."""
    query = request.GET.get("q", "").strip()
    articles = paginate(request, selectors.article_list_for_author(request.user, search=query))
    return render(request, "articles/article_list.html", {"articles": articles, "query": query})


@editor_styles
@roles.role_required(roles.AUTHORS)
@require_http_methods(["GET", "POST"])
def article_create(request: HttpRequest) -> HttpResponse:
    """Create a draft article (the author becomes its first author)."""
    audiences = studio_audiences()
    # Text typed here before a reload or a crash, kept by autosave (article_create_draft).
    draft = _kept_new_draft(request) if request.method == "GET" else None
    kept = content_from_post(draft.data, audiences=audiences) if draft is not None else None
    form, variant_forms, formset = _editor_forms(request, audiences, content=kept, lock=0)
    context = {
        "article": None,
        "form": form,
        "variant_forms": variant_forms,
        "formset": formset,
        "audiences": audiences,
        "draft_restored": draft,
        "restored_content": kept,
    }
    if draft is not None and draft.data.get("preview_for"):
        context["preview_for"] = draft.data["preview_for"]
    if request.method == "POST" and _all_valid(form, variant_forms, formset):
        try:
            article = services.article_create(
                acting_user=request.user,
                **form.article_fields(),
                variants=variant_inputs(variant_forms),
                references=formset.references(),
                comment=form.cleaned_data["comment"] or "Created the article.",
            )
        except SlugTaken as exc:
            form.add_error("slug", str(exc))
        except ValidationError as exc:
            _apply_validation_error(form, formset, exc)
        else:
            messages.success(
                request,
                gettext("Created “%(title)s”. It is a draft until you submit it for review.")
                % {"title": article.title},
            )
            return redirect("studio:article_edit", slug=article.slug)
    return _render_editor(request, context)


def _all_valid(form, variant_forms, formset) -> bool:
    results = [form.is_valid(), formset.is_valid()] + [f.is_valid() for f in variant_forms]
    return all(results)


# --- edit ---------------------------------------------------------------------


@editor_styles
@studio_article_view
@require_http_methods(["GET", "POST"])
def article_edit(request: HttpRequest, article: Article) -> HttpResponse:
    """Edit an article's fields, audience versions and references; saving makes one revision.

    A save reads: the forms parse the post, one service call saves, the
    answer redirects (or shows the editor again with the errors beside their fields).
    """
    audiences = list(selectors.audience_list())
    if request.method != "POST":
        return _edit_page(request, article, audiences)
    form = ArticleForm(request.POST)
    variant_forms = [VariantForm(request.POST, audience=a) for a in audiences]
    formset = ReferenceFormSet(request.POST, prefix="references")
    if not all([form.is_valid(), formset.is_valid(), *[f.is_valid() for f in variant_forms]]):
        return _edit_page(request, article, audiences, forms=(form, variant_forms, formset))
    lock_version = form.cleaned_data["lock_version"]
    if lock_version is None:
        form.add_error(None, gettext("The form is missing its version token. Reload the page; copy your text first."))
        return _edit_page(request, article, audiences, forms=(form, variant_forms, formset), status=400)
    try:
        article = services.article_update(
            article,
            acting_user=request.user,
            lock_version=lock_version,
            fields=form.article_fields(),
            variants=variant_inputs(variant_forms),
            references=formset.references(),
            comment=form.cleaned_data["comment"],
        )
    except EditConflict as exc:
        return _conflict_response(request, exc, form=form, audiences=audiences)
    except ContentLocked as exc:
        form.add_error(None, str(exc))
        return _edit_page(request, article, audiences, forms=(form, variant_forms, formset), status=409, locked=True)
    except SlugTaken as exc:
        form.add_error("slug", str(exc))
        return _edit_page(request, article, audiences, forms=(form, variant_forms, formset))
    except ValidationError as exc:
        _apply_validation_error(form, formset, exc)
        return _edit_page(request, article, audiences, forms=(form, variant_forms, formset))
    messages.success(request, gettext("Saved “%(title)s” as a new version.") % {"title": article.title})
    return redirect("studio:article_edit", slug=article.slug)


def _edit_page(
    request: HttpRequest, article: Article, audiences, *, forms=None, status: int = 200, locked: bool | None = None
) -> HttpResponse:
    """Show the editor: the saved text (or the author's unsaved text) on GET, the posted forms after a refusal.

    ``locked=True`` when the save was refused because the article was locked meanwhile (the article as
    loaded with the request may not say so yet).
    """
    locked = services.article_is_locked(article) if locked is None else locked
    text = None
    if forms is None:
        awaiting = _awaited_write(request, article) if not locked else None
        if locked:
            text = previews.EditorText(content_from_article(article), article.lock_version, None, False)
        else:
            text = previews.editor_text(
                article, request.user, audiences=audiences, awaiting=awaiting, wait=settings.DRAFT_FLUSH_WAIT_SECONDS
            )
        forms = _editor_forms(request, audiences, content=text.content, lock=text.lock_version)
    form, variant_forms, formset = forms
    draft = text.draft if text is not None else None
    context = {
        "article": article,
        "form": form,
        "variant_forms": variant_forms,
        "formset": formset,
        "audiences": audiences,
        "locked": locked,
        "draft_restored": draft,
        "draft_stale": bool(text and text.stale),
        "restored_content": text.content if draft is not None else None,
    }
    if draft is not None and draft.data.get("preview_for"):
        context["preview_for"] = draft.data["preview_for"]
    return _render_editor(request, context, status=status)


def _conflict_response(request: HttpRequest, exc: EditConflict, *, form: ArticleForm, audiences) -> HttpResponse:
    """Show the author's unsaved text beside the version saved in the meantime (HTTP 409)."""
    current = Article.objects.get(pk=exc.article.pk)
    saved = content_from_article(current)
    mine = content_from_post(request.POST, audiences=audiences, slug=current.slug, language=current.language)
    diff = content_diff(saved, mine, audience_names=selectors.audience_names(audiences))
    latest = selectors.article_latest_revision(current)
    context = {
        "article": current,
        "message": str(exc),
        "mine": mine,
        "saved": saved,
        "diff": diff,
        "latest": latest,
        "audiences": audiences,
        "my_variants": [(a, mine.variant_for(a.pk)) for a in audiences if mine.variant_for(a.pk)],
    }
    return render(request, "articles/article_conflict.html", context, status=409)


# --- preview -----------------------------------------------------------------


@editor_styles
@studio_article_view
@require_http_methods(["GET", "POST"])
def article_preview(request: HttpRequest, article: Article) -> HttpResponse:
    """Render unsaved editor text (POST) or the saved version (GET, ?for=<audience>) with its checks."""
    audiences = studio_audiences()
    if request.method == "POST":
        content = content_from_post(request.POST, audiences=audiences, slug=article.slug, language=article.language)
        context = studio_preview(content, audiences, request.POST.get("preview_for"))
        context["article"] = article
        if request.META.get(PREVIEW_HEADER):
            return render(request, "articles/_preview.html", context)
        # Without JavaScript the Preview button lands here: show the editor again with the text kept.
        form, variant_forms, formset = _editor_forms(request, audiences, content=None, lock=article.lock_version)
        context.update(
            form=form,
            variant_forms=variant_forms,
            formset=formset,
            locked=services.article_is_locked(article),
            preview_requested=True,
        )
        return _render_editor(request, context)
    context = studio_preview(content_from_article(article), audiences, request.GET.get("for"))
    context["article"] = article
    return render(request, "articles/article_preview.html", context)


@editor_styles
@roles.role_required(roles.AUTHORS)
@require_http_methods(["POST"])
def article_create_preview(request: HttpRequest) -> HttpResponse:
    """Render the unsaved text of a new article for the live preview (fragment) or, without JS, the editor."""
    audiences = studio_audiences()
    content = content_from_post(request.POST, audiences=audiences)
    context = studio_preview(content, audiences, request.POST.get("preview_for"))
    if request.META.get(PREVIEW_HEADER):
        return render(request, "articles/_preview.html", context)
    form, variant_forms, formset = _editor_forms(request, audiences, content=None, lock=0)
    context.update(article=None, form=form, variant_forms=variant_forms, formset=formset, preview_requested=True)
    return _render_editor(request, context)


# --- unsaved text (autosave) ---------------------------------------------------


@studio_article_view
@require_http_methods(["POST"])
def article_draft(request: HttpRequest, article: Article) -> HttpResponse:
    """Keep the editor's unsaved text (JSON answer for the editor), or discard it (``discard=1``).

    The body is the editor form itself, form-encoded, with its CSRF token as
    a field or in the X-CSRFToken header (so navigator.sendBeacon can post it
    while the tab closes).
    """
    return _keep_or_discard_draft(request, article)


@roles.role_required(roles.AUTHORS)
@require_http_methods(["POST"])
def article_create_draft(request: HttpRequest) -> HttpResponse:
    """The same as article_draft for the new-article page: one buffer per author, restored by article_create."""
    return _keep_or_discard_draft(request, None)


def _keep_or_discard_draft(request: HttpRequest, article: Article | None) -> HttpResponse:
    editor_url = (
        reverse("studio:article_edit", kwargs={"slug": article.slug}) if article else reverse("studio:article_create")
    )
    if request.POST.get("discard"):
        services.draft_buffer_discard(article, acting_user=request.user)
        if request.headers.get("Accept", "").startswith("application/json"):
            return JsonResponse({"discarded": True})
        messages.success(request, gettext("Discarded your unsaved text. The editor shows the saved version."))
        return redirect(editor_url)
    try:
        # A new article has no version yet: its buffer always starts from nothing.
        lock_version = int(request.POST.get("lock_version", "")) if article is not None else 0
    except ValueError:
        return JsonResponse({"error": gettext("The editor's version token is missing. Reload the page.")}, status=400)
    page = request.POST.get("draft_page", "")
    sequence = request.POST.get("draft_sequence", "0")
    if not sequence.isdigit():
        return JsonResponse(
            {"error": gettext("The editor's autosave number is not valid. Reload the page.")}, status=400
        )
    data = {key: request.POST.get(key, "") for key in request.POST if key not in ("draft_page", "draft_sequence")}
    try:
        buffer = services.draft_buffer_save(
            article,
            acting_user=request.user,
            data=data,
            lock_version=lock_version,
            page=page,
            sequence=int(sequence),
        )
    except StaleDraftWrite:
        # A newer write from the same page is already kept: nothing to do, and nothing lost.
        return JsonResponse({"saved": False, "stale": True})
    except ContentLocked as exc:
        return JsonResponse({"error": str(exc)}, status=409)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    return JsonResponse({"saved": True, "saved_at": buffer.updated_at.isoformat(), "sequence": buffer.sequence})
