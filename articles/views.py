"""The authoring workspace (/studio/): list, edit, live preview, history, compare, restore, import.

Views parse input, call one service and render. Who may see an article is
decided in one place, `article_for_author`, used by every article URL.
"""

from __future__ import annotations

import secrets
from functools import wraps

from csp.constants import NONCE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods
from reversion.models import Revision

from cms import roles
from cms.languages import language_name, reader_languages
from cms.pagination import paginate
from textkit.checks import check_content, has_errors, within_limits
from textkit.content import DEFAULT_LANGUAGE, ArticleContent
from textkit.diff import content_diff
from textkit.readability import readability_checks, readability_reports
from textkit.rendering import render_content

from . import selectors, services
from .content import content_from_article, content_from_revision
from .exceptions import (
    ArticleError,
    ContentLocked,
    DuplicateReference,
    EditConflict,
    IdentifierNotFound,
    MalformedIdentifier,
    ReferenceFileError,
    SlugTaken,
    StaleDraftWrite,
)
from .forms import (
    ArticleForm,
    GlossaryTermForm,
    ReferenceByIdentifierForm,
    ReferenceFormSet,
    ReferenceImportForm,
    ReferenceLookupForm,
    RestoreForm,
    VariantForm,
    content_from_post,
    initial_article,
    initial_references,
)
from .models import Article, Audience, GlossaryTerm
from .translations import translation_panel

PREVIEW_HEADER = "HTTP_X_STUDIO_PREVIEW"

# The pages that can show the two-pane editor allow one more thing than the
# rest of the site: the <style> element CodeMirror writes its theme into,
# carrying this response's nonce (the template puts request.csp_nonce on the
# form for the editor script). A response that never reads the nonce gets the
# site's policy unchanged, since django-csp drops an unused NONCE.
editor_styles = csp_update({"style-src": [NONCE]})


# --- who may see what ---------------------------------------------------------


def can_author(user, article: Article) -> bool:
    """Return True if the user may open this article in the studio (its author, or a superuser)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return roles.is_author(user) and article.authors.filter(pk=user.pk).exists()


def article_for_author(request: HttpRequest, slug: str) -> Article:
    """Return the article for a studio URL, or raise 404 (anonymous, missing) / 403 (not yours)."""
    if not request.user.is_authenticated:
        raise Http404("No such page.")
    article = get_object_or_404(Article, slug=slug)
    if not can_author(request.user, article):
        raise PermissionDenied(gettext("You are not an author of this article. Ask one of its authors to add you."))
    return article


def studio_article_view(view):
    """Guard an article URL: Authors role (anonymous → 404, others → 403), then authorship."""

    @roles.role_required(roles.AUTHORS, anonymous_404=True)
    @wraps(view)
    def wrapped(request: HttpRequest, slug: str, *args, **kwargs):
        return view(request, article_for_author(request, slug), *args, **kwargs)

    return wrapped


# --- helpers -----------------------------------------------------------------


def _audiences() -> list[Audience]:
    return list(selectors.audience_list())


def _audience_names(audiences: list[Audience] | None = None) -> dict[int, str]:
    return {a.pk: a.name for a in (audiences if audiences is not None else selectors.audience_list(active_only=False))}


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


# Extra sections for the studio's preview, added by apps further down the data flow (the evidence
# app adds the dose statements and their label check): each is called as panel(content,
# audience_names) and returns safe HTML ("" for none).
_preview_panels: list = []


def register_preview_panel(panel) -> None:
    """Add a section to the studio preview: `panel(content, audience_names)` returns HTML."""
    if panel not in _preview_panels:
        _preview_panels.append(panel)


def _preview_context(content: ArticleContent, audiences: list[Audience], audience_slug: str | None) -> dict:
    """Render content for one audience and run the checks and readability: the preview pane's context."""
    audience = next((a for a in audiences if a.slug == audience_slug), None)
    # The glossary of the text's own language: a translation's preview explains its terms in that language.
    glossary = selectors.glossary_entries(content.language or DEFAULT_LANGUAGE)
    plain = audience is not None and not audience.is_professional
    # Text over the size limit is refused on save; the preview renders only the part within it.
    limited = within_limits(content)
    rendered = render_content(
        limited, audience_id=audience.pk if audience else None, glossary=glossary if plain else ()
    )
    # Reading grade of the whole text (within the limits); the measure is linear in its length.
    reports = readability_reports(limited, selectors.audience_targets(audiences), glossary=glossary)
    checks = check_content(content, audience_names=_audience_names(audiences)) + readability_checks(reports)
    slug = audience.slug if audience else ""
    return {
        "rendered": rendered,
        "preview_content": content,
        "preview_audience": audience,
        "checks": checks,
        "checks_block": has_errors(checks),
        "check_counts": {level: sum(1 for c in checks if c.level == level) for level in ("error", "warning")},
        "readability": reports,
        "readability_current": next((r for r in reports if r.slug == slug), reports[0]),
        "audiences": audiences,
        "preview_panels": [panel(content, _audience_names(audiences)) for panel in _preview_panels],
    }


# The editor page sets this cookie as it closes when a write of its unsaved
# text is still on its way ("<scope>:<page>:<sequence>", scope the article's id
# or "new"); the next editor page of that scope waits for the write.
DRAFT_FLUSH_COOKIE = "vetted_draft_flush"


def _draft_scope(article: Article | None) -> str:
    return str(article.pk) if article is not None else "new"


def _kept_draft(request: HttpRequest, article: Article | None):
    """Return the user's unsaved text for the editor, first waiting for the closing page's flush if it announced one."""
    awaiting = None
    scope, _, rest = request.COOKIES.get(DRAFT_FLUSH_COOKIE, "").partition(":")
    page, _, sequence = rest.partition(":")
    if scope == _draft_scope(article) and page and sequence.isdigit():
        awaiting = (page, int(sequence))
    return selectors.draft_buffer_get(article, request.user, awaiting=awaiting, wait=settings.DRAFT_FLUSH_WAIT_SECONDS)


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
        context.update(_preview_context(content, audiences, context["preview_for"]))
    if article is not None:
        context["languages"] = translation_panel(article, audience_names=_audience_names(audiences))
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
    audiences = _audiences()
    # Text typed here before a reload or a crash, kept by autosave (article_create_draft).
    draft = _kept_draft(request, None) if request.method == "GET" else None
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
                variants=[f.variant_input() for f in variant_forms],
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
    """Edit an article's fields, audience versions and references; saving makes one revision."""
    audiences = _audiences()
    content = content_from_article(article)
    locked = services.article_is_locked(article)
    lock = article.lock_version
    draft = _kept_draft(request, article) if request.method == "GET" and not locked else None
    if draft is not None:
        kept = content_from_post(draft.data, audiences=audiences, slug=article.slug, language=article.language)
        if kept.content_hash() == content.content_hash():
            draft = None  # the saved version already holds it (an autosave that arrived just after a save)
        else:
            # Put back what the author was typing; its lock version makes a save after someone else's a conflict page.
            content, lock = kept, draft.lock_version
    form, variant_forms, formset = _editor_forms(request, audiences, content=content, lock=lock)
    context = {
        "article": article,
        "form": form,
        "variant_forms": variant_forms,
        "formset": formset,
        "audiences": audiences,
        "locked": locked,
        "draft_restored": draft,
        "draft_stale": draft is not None and draft.lock_version != article.lock_version,
        "restored_content": content if draft is not None else None,
    }
    if draft is not None and draft.data.get("preview_for"):
        context["preview_for"] = draft.data["preview_for"]
    if request.method != "POST":
        return _render_editor(request, context)
    if not _all_valid(form, variant_forms, formset):
        return _render_editor(request, context)
    lock_version = form.cleaned_data["lock_version"]
    if lock_version is None:
        form.add_error(None, gettext("The form is missing its version token. Reload the page; copy your text first."))
        return _render_editor(request, context, status=400)
    try:
        article = services.article_update(
            article,
            acting_user=request.user,
            lock_version=lock_version,
            fields=form.article_fields(),
            variants=[f.variant_input() for f in variant_forms],
            references=formset.references(),
            comment=form.cleaned_data["comment"],
        )
    except EditConflict as exc:
        return _conflict_response(request, exc, form=form, audiences=audiences)
    except ContentLocked as exc:
        form.add_error(None, str(exc))
        context["locked"] = True
        return _render_editor(request, context, status=409)
    except SlugTaken as exc:
        form.add_error("slug", str(exc))
        return _render_editor(request, context)
    except ValidationError as exc:
        _apply_validation_error(form, formset, exc)
        return _render_editor(request, context)
    messages.success(request, gettext("Saved “%(title)s” as a new version.") % {"title": article.title})
    return redirect("studio:article_edit", slug=article.slug)


def _conflict_response(request: HttpRequest, exc: EditConflict, *, form: ArticleForm, audiences) -> HttpResponse:
    """Show the author's unsaved text beside the version saved in the meantime (HTTP 409)."""
    current = Article.objects.get(pk=exc.article.pk)
    saved = content_from_article(current)
    mine = content_from_post(request.POST, audiences=audiences, slug=current.slug, language=current.language)
    diff = content_diff(saved, mine, audience_names=_audience_names(audiences))
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
    audiences = _audiences()
    if request.method == "POST":
        content = content_from_post(request.POST, audiences=audiences, slug=article.slug, language=article.language)
        context = _preview_context(content, audiences, request.POST.get("preview_for"))
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
    context = _preview_context(content_from_article(article), audiences, request.GET.get("for"))
    context["article"] = article
    return render(request, "articles/article_preview.html", context)


@editor_styles
@roles.role_required(roles.AUTHORS)
@require_http_methods(["POST"])
def article_create_preview(request: HttpRequest) -> HttpResponse:
    """Render the unsaved text of a new article for the live preview (fragment) or, without JS, the editor."""
    audiences = _audiences()
    content = content_from_post(request.POST, audiences=audiences)
    context = _preview_context(content, audiences, request.POST.get("preview_for"))
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
        return JsonResponse({"error": "The editor's version token is missing. Reload the page."}, status=400)
    page = request.POST.get("draft_page", "")
    sequence = request.POST.get("draft_sequence", "0")
    if not sequence.isdigit():
        return JsonResponse({"error": "The editor's autosave number is not valid. Reload the page."}, status=400)
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


# --- history, compare, restore ---------------------------------------------------


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
        audience_names=_audience_names(),
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
        audience_names=_audience_names(),
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


# --- reference import --------------------------------------------------------


@studio_article_view
@require_http_methods(["GET", "POST"])
def reference_import(request: HttpRequest, article: Article) -> HttpResponse:
    """Import references from an uploaded RIS, BibTeX or PubMed file; report what was added or skipped."""
    result = None
    status = 200
    if request.method == "POST":
        form = ReferenceImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = services.reference_import(
                    article,
                    acting_user=request.user,
                    filename=upload.name,
                    data=upload.read(),
                    lock_version=form.cleaned_data["lock_version"],
                )
            except ReferenceFileError as exc:
                form.add_error("file", str(exc))
            except (EditConflict, ContentLocked) as exc:
                form.add_error(None, str(exc))
                status = 409
            except (ArticleError, ValidationError) as exc:
                form.add_error(None, getattr(exc, "messages", [str(exc)]))
            else:
                article.refresh_from_db()
                form = ReferenceImportForm(initial={"lock_version": article.lock_version})
    else:
        form = ReferenceImportForm(initial={"lock_version": article.lock_version})
    context = {
        "article": article,
        "form": form,
        "result": result,
        "added": list(getattr(result, "added", []) or []),
        "skipped": list(getattr(result, "skipped", []) or []),
        "locked": services.article_is_locked(article),
        "edit_url": reverse("studio:article_edit", kwargs={"slug": article.slug}),
    }
    return render(request, "articles/reference_import.html", context, status=status)


# --- the medical glossary ------------------------------------------------------


@roles.role_required(roles.AUTHORS, roles.EDITORS)
@require_http_methods(["GET", "POST"])
def glossary(request: HttpRequest) -> HttpResponse:
    """List the glossary (authors and editors); editors propose new terms and wording here for the board."""
    may_edit = roles.is_editor(request.user)
    editing = None
    term_id = request.POST.get("pk") or request.GET.get("edit")
    if term_id and may_edit:
        editing = get_object_or_404(GlossaryTerm, pk=term_id) if str(term_id).isdigit() else None
    if request.method == "POST":
        form = GlossaryTermForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = services.glossary_term_save(
                    editing,
                    acting_user=request.user,
                    word=data["term"],
                    explanation=data["explanation"],
                    synonyms=data["synonyms"],
                    active=data["active"],
                    language=data["language"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(
                    request,
                    gettext(
                        "Proposed version %(version)s of “%(term)s”. Pages keep the approved wording "
                        "until the Medical Advisory Board approves it."
                    )
                    % {"version": saved.version, "term": saved.term},
                )
                return redirect("studio:glossary")
    elif editing is not None:
        # Start from the wording waiting for the board, if any, else the approved one.
        source = selectors.glossary_proposal_waiting(editing) or editing
        form = GlossaryTermForm(
            initial={
                "term": source.term,
                "explanation": source.explanation,
                "synonyms": source.synonyms,
                "active": source.active,
                "language": editing.language,
            }
        )
    else:
        form = GlossaryTermForm()
    query = request.GET.get("q", "").strip()
    language = request.GET.get("language", "") if request.GET.get("language", "") in reader_languages() else ""
    terms = selectors.glossary_term_list(search=query, language=language)
    page = Paginator(terms, 50).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "query": query, "may_edit": may_edit, "editing": editing}
    context["language"], context["languages"] = language, [(c, language_name(c)) for c in reader_languages()]
    return render(request, "articles/glossary.html", context)


@studio_article_view
@require_http_methods(["GET", "POST"])
def reference_add_by_identifier(request: HttpRequest, article: Article) -> HttpResponse:
    """Add a reference by PMID or DOI, looked up in the local cache or online where allowed."""
    status = 200
    form = ReferenceByIdentifierForm(request.POST or None, initial={"lock_version": article.lock_version})
    if request.method == "POST" and form.is_valid():
        try:
            reference = services.reference_add_by_identifier(
                article,
                acting_user=request.user,
                identifier=form.cleaned_data["identifier"],
                key=form.cleaned_data["key"],
                lock_version=form.cleaned_data["lock_version"],
            )
        except IdentifierNotFound as exc:
            form.add_error("identifier", str(exc))
            status = 422
        except (EditConflict, ContentLocked) as exc:
            form.add_error(None, str(exc))
            status = 409
        except ValidationError as exc:
            form.add_error(None, exc.messages)
            status = 422
        else:
            messages.success(
                request,
                gettext("Added [@%(key)s] “%(title)s”. Cite it as [@%(key)s].")
                % {"key": reference.key, "title": reference.title},
            )
            return redirect("studio:reference_add_by_identifier", slug=article.slug)
    context = {
        "article": article,
        "form": form,
        "locked": services.article_is_locked(article),
        "edit_url": reverse("studio:article_edit", kwargs={"slug": article.slug}),
    }
    return render(request, "articles/reference_add_by_identifier.html", context, status=status)


@studio_article_view
@require_http_methods(["POST"])
def reference_lookup(request: HttpRequest, article: Article) -> JsonResponse:
    """Look a PMID or DOI up for the editor's "add reference" dialog (JSON); nothing is saved.

    Posted: ``identifier``, optional ``key``, and the editor's unsaved reference
    rows as parallel lists ``row_key``, ``row_pmid``, ``row_doi`` (so the
    suggested key and the duplicate check see them too). Answers 200 with the
    reference's fields, or ``{"error": ..., "field": ...}`` with 400 (malformed),
    409 (already in the article, or the article is with the board) or 422
    (unknown, or the lookup could not be reached).
    """
    form = ReferenceLookupForm(request.POST)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        label = form.fields[field].label if field in form.fields else ""
        message = f"{label}: {' '.join(errors)}" if label else " ".join(errors)
        return JsonResponse({"error": message, "field": field}, status=400)
    rows = zip(
        request.POST.getlist("row_key"), request.POST.getlist("row_pmid"), request.POST.getlist("row_doi"), strict=False
    )
    unsaved = [(key.strip(), pmid, doi) for key, pmid, doi in list(rows)[:1000]]
    try:
        key, fields = services.reference_lookup(
            article, identifier=form.cleaned_data["identifier"], key=form.cleaned_data["key"], unsaved=unsaved
        )
    except ContentLocked as exc:
        return JsonResponse({"error": str(exc), "field": "identifier"}, status=409)
    except DuplicateReference as exc:
        field = "key" if form.cleaned_data["key"] and "key" in str(exc) else "identifier"
        return JsonResponse({"error": str(exc), "field": field}, status=409)
    except MalformedIdentifier as exc:
        return JsonResponse({"error": str(exc), "field": "identifier"}, status=400)
    except IdentifierNotFound as exc:
        return JsonResponse({"error": str(exc), "field": "identifier"}, status=422)
    reference = {"key": key, **fields.reference_fields(), "url": ""}
    reference["year"] = "" if fields.year is None else str(fields.year)
    return JsonResponse({"reference": reference, "origin": fields.origin})
