"""The glossary's review pages: the board's queue of proposed wording, its decisions, and the refresh of a page."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_POST

from articles import selectors as article_selectors
from articles.models import Article, GlossaryDefinition
from cms import roles
from cms.pagination import paginate

from . import actions as review_actions
from . import selectors, services
from .views import BOARD_PAGE, run_service


@roles.role_required(roles.BOARD, roles.EDITORS)
def glossary_queue(request: HttpRequest) -> HttpResponse:
    """Glossary wording waiting for the board: the approved and the proposed wording side by side."""
    member = selectors.board_member_for(request.user)
    pager = paginate(request, article_selectors.glossary_proposals_waiting(), per_page=BOARD_PAGE)
    definitions = list(pager.object_list)
    decided = review_actions.glossary_decided_ids(member, definitions)
    pager.items = [
        (d, review_actions.glossary_definition_actions(d, request.user, member=member, decided=decided))
        for d in definitions
    ]
    return render(request, "review/glossary_queue.html", {"member": member, "proposals": pager})


@roles.role_required(roles.BOARD)
@require_POST
def glossary_decide(request: HttpRequest, pk: int) -> HttpResponse:
    definition = get_object_or_404(GlossaryDefinition, pk=pk)
    decision = request.POST.get("decision")
    comment = request.POST.get("comment", "")
    if decision == "approve":
        service, done = (
            services.glossary_definition_approve,
            gettext_noop("You approved version %(version)s of “%(term)s”."),
        )
    elif decision == "reject":
        service, done = (
            services.glossary_definition_reject,
            gettext_noop("You rejected version %(version)s of “%(term)s”."),
        )
    else:
        messages.error(request, gettext("Choose approve or reject."))
        return redirect("review:glossary_queue")
    run_service(
        request,
        lambda: service(definition, acting_user=request.user, comment=comment),
        gettext(done) % {"version": definition.version, "term": definition.term},
    )
    return redirect("review:glossary_queue")


@roles.role_required(roles.BOARD, roles.EDITORS, anonymous_404=True)
def glossary_refresh(request: HttpRequest, slug: str) -> HttpResponse:
    """Show the glossary definitions an approved page pins against today's approved ones; a board member signs."""
    article = get_object_or_404(Article, slug=slug)
    member = selectors.board_member_for(request.user)
    if request.method == "POST":
        ok = run_service(
            request,
            lambda: services.article_glossary_refresh(
                article,
                acting_user=request.user,
                content_hash=request.POST.get("content_hash", ""),
                comment=request.POST.get("comment", ""),
            ),
            gettext("You approved the newer glossary definitions for “%(title)s”; its page is being published again.")
            % {"title": article.title},
        )
        return redirect("review:glossary_refresh", slug=article.slug) if not ok else redirect("review:queue")
    round_, pinned, fresh = services.glossary_refresh_preview(article)
    if round_ is None:
        raise Http404("This article has no approved text.")
    rows = selectors.glossary_changes(pinned.glossary, fresh.glossary)
    changed = fresh.content_hash() != round_.content_hash
    return render(
        request,
        "review/glossary_refresh.html",
        {
            "article": article,
            "rows": rows,
            "content_hash": fresh.content_hash(),
            "action": review_actions.glossary_refresh_action(article, request.user, member=member, changed=changed),
        },
    )
