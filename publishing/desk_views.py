"""The editors' inbox of reader messages and the editorial policy editor (Editors only)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from reversion.models import Version

from cms import roles
from cms.pagination import paginate

from . import selectors as rs
from .exceptions import InboxPermissionError, InvalidMessageTransition
from .models import ReaderMessage
from .reader_forms import EditorialPolicyForm, MessageStateForm
from .services import editorial_policy_update, reader_message_set_state


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
            messages.success(request, f"The message about “{message.article.title}” is now {label}.")
    else:
        messages.error(request, "Choose a valid state for the message.")
    if back not in ReaderMessage.State.values and back != "all":
        back = ReaderMessage.State.OPEN
    return redirect(f"{reverse('publishing:inbox')}?state={back}")


@require_http_methods(["GET", "HEAD", "POST"])
@roles.role_required(roles.EDITORS)
def policy_edit(request: HttpRequest) -> HttpResponse:
    """Edit the public editorial policy; every save is a new version."""
    policy = rs.editorial_policy_get()
    if request.method == "POST":
        form = EditorialPolicyForm(request.POST)
        if form.is_valid():
            try:
                editorial_policy_update(
                    acting_user=request.user, title=form.cleaned_data["title"], body=form.cleaned_data["body"]
                )
            except ValueError as exc:
                form.add_error("body", str(exc))
            else:
                messages.success(request, "The editorial policy is saved and live on the site.")
                return redirect("publishing:policy_edit")
    else:
        initial = {"title": policy.title, "body": policy.body} if policy else {"title": "Editorial policy"}
        form = EditorialPolicyForm(initial=initial)
    versions = []
    if policy is not None:
        versions = list(Version.objects.get_for_object(policy).select_related("revision__user")[:20])
    return render(request, "publishing/desk/policy_edit.html", {"form": form, "policy": policy, "versions": versions})


@roles.role_required(roles.EDITORS)
def glossary_stale(request: HttpRequest) -> HttpResponse:
    """Live pages whose glossary definitions are older than the approved glossary (a board member refreshes them)."""
    pages = paginate(request, rs.publication_glossary_stale_list())
    return render(request, "publishing/desk/glossary_stale.html", {"pages": pages})
