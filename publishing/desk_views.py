"""The editors' inbox of reader messages, the editorial policy editor, the page furniture desk, the verifier."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST
from reversion.models import Version

from articles.selectors import translations_out_of_date
from cms import languages, roles
from cms.pagination import paginate

from . import selectors as rs
from .exceptions import (
    FurnitureChangeInvalid,
    FurniturePermissionError,
    InboxPermissionError,
    InvalidMessageTransition,
    PublishingPermissionError,
    SearchSynonymInvalid,
)
from .forms import SearchSynonymForm
from .furniture import approval_refusal
from .models import FurnitureChange, ReaderMessage, RenderRun, SearchSynonym, VerifyRun
from .reader_forms import BoardEntryChangeForm, DisclaimerChangeForm, EditorialPolicyForm, MessageStateForm
from .services import (
    SynonymInput,
    furniture_change_approve,
    furniture_change_propose,
    furniture_change_reject,
    reader_message_set_state,
    search_synonym_create,
    search_synonym_update,
    verify_run_start,
)
from .services import search_synonym_delete as search_synonym_delete_service
from .verify import CHECKS


@roles.role_required(roles.EDITORS)
def inbox(request: HttpRequest) -> HttpResponse:
    """List reader questions and problem reports by state, open ones first by default."""
    state = request.GET.get("state", ReaderMessage.State.OPEN)
    if state not in ReaderMessage.State.values and state != "all":
        state = ReaderMessage.State.OPEN
    context = {
        "state": state,
        "states": ReaderMessage.State.choices,
        "counts": rs.reader_message_counts(),
        "reader_messages": paginate(request, rs.reader_message_list(state=None if state == "all" else state)),
    }
    return render(request, "publishing/desk/inbox.html", context)


@require_POST
@roles.role_required(roles.EDITORS)
def inbox_set_state(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a reader message answered, dismissed or open again."""
    message = get_object_or_404(ReaderMessage, pk=pk)
    form = MessageStateForm(request.POST)
    back = request.POST.get("back_state") or message.state
    if form.is_valid():
        try:
            reader_message_set_state(
                message, acting_user=request.user, state=form.cleaned_data["state"], note=form.cleaned_data["note"]
            )
        except (InvalidMessageTransition, InboxPermissionError) as exc:
            messages.error(request, str(exc))
        else:
            label = dict(ReaderMessage.State.choices)[form.cleaned_data["state"]].lower()
            messages.success(
                request,
                gettext("The message about “%(title)s” is now %(label)s.")
                % {"title": message.article.title, "label": label},
            )
    else:
        messages.error(request, gettext("Choose a valid state for the message."))
    if back not in ReaderMessage.State.values and back != "all":
        back = ReaderMessage.State.OPEN
    return redirect(f"{reverse('publishing:inbox')}?state={back}")


@require_http_methods(["GET", "HEAD", "POST"])
@roles.role_required(roles.EDITORS)
def policy_edit(request: HttpRequest) -> HttpResponse:
    """Propose a new version of the editorial policy in one language; it goes live once someone else approves it.

    ``?language=es`` edits the Spanish policy; a language without one starts
    from the source language's text, to be translated.
    """
    language = request.POST.get("language") or request.GET.get("language") or languages.default_language()
    if language not in languages.reader_languages():
        language = languages.default_language()
    policy = rs.editorial_policy_get(language)
    own = policy if policy is not None and policy.language == language else None
    if request.method == "POST":
        form = EditorialPolicyForm(request.POST)
        if form.is_valid():
            try:
                furniture_change_propose(
                    acting_user=request.user,
                    kind=FurnitureChange.Kind.POLICY,
                    language=language,
                    values={"title": form.cleaned_data["title"], "body": form.cleaned_data["body"]},
                )
            except FurnitureChangeInvalid as exc:
                form.add_error("body", str(exc))
            else:
                messages.success(
                    request, gettext("Your change is proposed; it goes live once another editor approves it.")
                )
                return redirect("publishing:furniture")
    else:
        initial = {"title": policy.title, "body": policy.body} if policy else {"title": gettext("Editorial policy")}
        form = EditorialPolicyForm(initial=initial)
    versions = []
    if own is not None:
        versions = list(Version.objects.get_for_object(own).select_related("revision__user")[:20])
    context = {
        "form": form,
        "policy": own,
        "versions": versions,
        "language": language,
        "language_name": languages.language_in_text(language),
        "starting_from": policy if own is None else None,
        "other_languages": [
            {"code": code, "name": languages.language_name(code)}
            for code in languages.reader_languages()
            if code != language
        ],
    }
    return render(request, "publishing/desk/policy_edit.html", context)


@roles.role_required(roles.EDITORS)
def glossary_stale(request: HttpRequest) -> HttpResponse:
    """Live pages whose glossary definitions are older than the approved glossary (a board member refreshes them)."""
    pages = paginate(request, rs.publication_glossary_stale_list())
    return render(request, "publishing/desk/glossary_stale.html", {"pages": pages})


@roles.role_required(roles.EDITORS)
def translations_stale(request: HttpRequest) -> HttpResponse:
    """Translations whose source the board approved again since they were made (the editor decides what to do)."""
    translations = paginate(request, translations_out_of_date())
    return render(request, "publishing/desk/translations_stale.html", {"translations": translations})


@require_http_methods(["GET", "HEAD", "POST"])
@roles.role_required(roles.EDITORS, roles.BOARD)
def furniture(request: HttpRequest) -> HttpResponse:
    """List proposed furniture changes with what the user may do, the re-render runs; propose a disclaimer."""
    which = request.POST.get("form")
    form = DisclaimerChangeForm(request.POST if which != "board" else None)
    board_form = BoardEntryChangeForm(request.POST if which == "board" else None, prefix="board")
    if which == "board" and board_form.is_valid():
        try:
            furniture_change_propose(
                acting_user=request.user,
                kind=FurnitureChange.Kind.BOARD_MEMBER,
                board_member=board_form.cleaned_data["board_member"],
                language=board_form.cleaned_data["language"] or "",
                values={"bio": board_form.cleaned_data["bio"], "disclosures": board_form.cleaned_data["disclosures"]},
                note=board_form.cleaned_data["note"],
            )
        except (FurnitureChangeInvalid, FurniturePermissionError) as exc:
            board_form.add_error(None, str(exc))
        else:
            messages.success(
                request, gettext("Your change is proposed; it reaches no page until someone else approves it.")
            )
            return redirect("publishing:furniture")
    if request.method == "POST" and which != "board" and form.is_valid():
        disclaimer = form.cleaned_data["disclaimer"]
        try:
            furniture_change_propose(
                acting_user=request.user,
                kind=FurnitureChange.Kind.DISCLAIMER,
                disclaimer=disclaimer,
                audience=None if disclaimer else form.cleaned_data["audience"],
                language=form.cleaned_data["language"] or "",
                values={"name": form.cleaned_data["name"], "text": form.cleaned_data["text"]},
                note=form.cleaned_data["note"],
            )
        except (FurnitureChangeInvalid, FurniturePermissionError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, gettext("Your change is proposed; it reaches no page until someone else approves it.")
            )
            return redirect("publishing:furniture")
    pending = paginate(request, rs.furniture_change_pending(), param="page")
    for change in pending.object_list:
        change.refusal = approval_refusal(change, request.user)
    runs = paginate(request, RenderRun.objects.order_by("-created_at", "-pk"), param="runs", per_page=10)
    context = {"form": form, "board_form": board_form, "pending": pending, "runs": runs}
    return render(request, "publishing/desk/furniture.html", context)


@require_POST
@roles.role_required(roles.EDITORS, roles.BOARD)
def furniture_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or reject a proposed furniture change (the service checks who may)."""
    change = get_object_or_404(FurnitureChange.objects.select_related("board_member"), pk=pk)
    decide = furniture_change_approve if request.POST.get("decision") == "approve" else furniture_change_reject
    try:
        decide(change, acting_user=request.user)
    except FurniturePermissionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            gettext("The change is %(value)s.")
            % {"value": "approved" if decide is furniture_change_approve else "rejected"},
        )
    return redirect("publishing:furniture")


@require_http_methods(["GET", "HEAD", "POST"])
@roles.role_required(roles.EDITORS)
def verify(request: HttpRequest) -> HttpResponse:
    """The verifier's runs and one run's findings (the latest by default); POST starts a run in the background."""
    if request.method == "POST":
        try:
            run = verify_run_start(acting_user=request.user)
        except PublishingPermissionError as exc:
            messages.error(request, str(exc))
            return redirect("publishing:verify")
        messages.success(
            request,
            gettext("Verification %(pk)s is running; this page shows its findings as it goes.") % {"pk": run.pk},
        )
        return redirect(f"{reverse('publishing:verify')}?run={run.pk}")
    runs = paginate(request, rs.verify_run_list(), param="runs", per_page=10)
    chosen = request.GET.get("run", "")
    run = get_object_or_404(VerifyRun, pk=int(chosen)) if chosen.isdigit() else rs.verify_run_list().first()
    findings = paginate(request, rs.verify_finding_list(run), param="page") if run else None
    context = {"runs": runs, "run": run, "findings": findings, "checks": CHECKS}
    return render(request, "publishing/desk/verify.html", context)


# --- search vocabulary and searches that found nothing (issue 21) ---------------------------------


@roles.role_required(roles.EDITORS)
def search_synonyms(request: HttpRequest) -> HttpResponse:
    """List the search synonyms A–Z (optionally those containing a phrase), a page at a time."""
    query = (request.GET.get("q") or "").strip()[:120]
    context = {"query": query, "synonyms": paginate(request, rs.search_synonym_list(query))}
    return render(request, "publishing/desk/search_synonyms.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@roles.role_required(roles.EDITORS)
def search_synonym_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Add a synonym pair, or change one; ?term= fills in the term (from the report of searches that found nothing)."""
    synonym = get_object_or_404(SearchSynonym, pk=pk) if pk is not None else None
    if request.method == "POST":
        form = SearchSynonymForm(request.POST)
        if form.is_valid():
            values = SynonymInput(**form.cleaned_data)
            try:
                if synonym is None:
                    synonym = search_synonym_create(values, acting_user=request.user)
                else:
                    synonym = search_synonym_update(synonym, values, acting_user=request.user)
            except SearchSynonymInvalid as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request, gettext("Saved: “%(pair)s”. Searches use it from now on.") % {"pair": synonym}
                )
                return redirect("publishing:search_synonyms")
    elif synonym is not None:
        form = SearchSynonymForm(
            initial={"term": synonym.term, "synonym": synonym.synonym, "kind": synonym.kind, "source": synonym.source}
        )
    else:
        form = SearchSynonymForm(initial={"term": (request.GET.get("term") or "")[:120]})
    events = rs.search_synonym_events(synonym) if synonym is not None else []
    return render(
        request, "publishing/desk/search_synonym_edit.html", {"form": form, "synonym": synonym, "events": events}
    )


@require_POST
@roles.role_required(roles.EDITORS)
def search_synonym_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a synonym pair (its versions and events are kept)."""
    synonym = get_object_or_404(SearchSynonym, pk=pk)
    label = str(synonym)
    search_synonym_delete_service(synonym, acting_user=request.user)
    messages.success(request, gettext("Deleted: “%(pair)s”.") % {"pair": label})
    return redirect("publishing:search_synonyms")


@roles.role_required(roles.EDITORS)
def search_misses(request: HttpRequest) -> HttpResponse:
    """Searches with no results in the last 30 days, commonest first (counts only: nobody's identity is kept)."""
    context = {"misses": paginate(request, rs.search_miss_list()), "days": rs.SEARCH_MISS_REPORT_DAYS}
    return render(request, "publishing/desk/search_misses.html", context)
