"""The studio's references and glossary: import a reference file, add or look up a PMID/DOI, the glossary."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from cms import roles
from cms.languages import language_name, reader_languages

from .. import selectors, services
from ..exceptions import (
    ArticleError,
    ContentLocked,
    DuplicateReference,
    EditConflict,
    IdentifierNotFound,
    MalformedIdentifier,
    ReferenceFileError,
)
from ..forms import GlossaryTermForm, ReferenceByIdentifierForm, ReferenceImportForm, ReferenceLookupForm
from ..models import Article, GlossaryTerm
from .common import studio_article_view

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
            form.add_error(exc.field if exc.field in form.fields else "identifier", str(exc))
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
        return JsonResponse({"error": str(exc), "field": exc.field}, status=409)
    except MalformedIdentifier as exc:
        return JsonResponse({"error": str(exc), "field": "identifier"}, status=400)
    except IdentifierNotFound as exc:
        return JsonResponse({"error": str(exc), "field": "identifier"}, status=422)
    reference = {"key": key, **fields.reference_fields(), "url": ""}
    reference["year"] = "" if fields.year is None else str(fields.year)
    return JsonResponse({"reference": reference, "origin": fields.origin})
