"""The board's review workspace (/review/): queues, the review page and the board's and editors' actions.

The authors' review actions in /studio/ are in studio_views.py, the glossary's
pages in glossary_views.py.

Views parse input, call one service and redirect; the services enforce the
rules. A refused actor gets 403 with the reason; any other workflow error
comes back to the page as a message saying what to do.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from articles.models import Article, Audience
from articles.previews import content_assessment
from cms import hooks, roles
from cms.pagination import paginate
from textkit.content import glossary_from_json
from textkit.diff import content_diff, split_sections

from . import actions as review_actions
from . import selectors, services, workflow
from .exceptions import ReviewError, ReviewPermissionError
from .forms import AssignForm, CommentForm, DecisionForm, DeclineForm, DueDateForm, InvitationForm, ReviewPolicyForm
from .models import Invitation, ReviewDecision, ReviewRound


def studio_url(article: Article) -> str:
    """Return the article's studio page (the article list if it has none)."""
    try:
        return article.get_absolute_url()
    except NoReverseMatch:
        return reverse("studio:article_list")


def run_service(request: HttpRequest, action, success: str) -> bool:
    """Call a service; turn a refused actor into 403 and other workflow errors into a message."""
    try:
        action()
    except ReviewPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ReviewError as exc:
        messages.error(request, str(exc))
        return False
    messages.success(request, success)
    return True


# --- board and editor queues ---------------------------------------------------------


# The board's queue shows two lists on one page: 25 rows each.
BOARD_PAGE = 25


@roles.role_required(roles.BOARD)
def queue(request: HttpRequest) -> HttpResponse:
    """The board member's queue: their open seats, then what awaits review, a page of each."""
    member = selectors.board_member_for(request.user)
    now = timezone.now()
    overdue_only = request.GET.get("due") == "overdue"
    mine = paginate(
        request,
        selectors.review_rounds_mine(member, overdue_only=overdue_only),
        param="mine_page",
        per_page=BOARD_PAGE,
        ids_first=True,
    )
    awaiting = paginate(request, selectors.review_rounds_awaiting(member), per_page=BOARD_PAGE, ids_first=True)
    # Eligibility is worked out for the rounds shown, in bulk; the order within
    # a page puts what the member may claim first (pages run longest waiting first).
    mine.items = selectors.queue_items(mine.object_list, member=member, now=now)
    awaiting.items = selectors.sort_awaiting(selectors.queue_items(awaiting.object_list, member=member, now=now))
    review_actions.available_actions_for_items(awaiting.items, request.user, member=member)
    selectors.attach_viewers([*mine.items, *awaiting.items], member=member)
    return render(
        request,
        "review/queue.html",
        {"member": member, "mine": mine, "awaiting": awaiting, "overdue_only": overdue_only},
    )


# The editors' queue shows four lists on one page, each with the board's checkboxes: smaller pages.
EDITOR_PAGE = 20


@roles.role_required(roles.EDITORS)
def editor_queue(request: HttpRequest) -> HttpResponse:
    """What editors watch: stale rounds, overdue re-reviews and every in-flight article by status, paged."""
    stale = paginate(request, selectors.review_rounds_stale(), param="stale_page", per_page=EDITOR_PAGE)
    stale.items = selectors.queue_items(stale.object_list)
    overdue = paginate(request, selectors.articles_due_for_review(), param="overdue_page", per_page=EDITOR_PAGE)
    overdue.items = selectors.articles_with_due_reasons(overdue.object_list)
    by_status = []
    for status in selectors.IN_FLIGHT:
        pager = paginate(request, selectors.in_flight_articles(status), param=f"{status}_page", per_page=EDITOR_PAGE)
        pager.items = selectors.attach_viewers(selectors.queue_items_for_articles(pager.object_list, with_choices=True))
        by_status.append((Article.Status(status).label, status, pager))
    late = paginate(request, selectors.review_seats_overdue(), param="late_page", per_page=EDITOR_PAGE)
    load = paginate(request, selectors.reviewer_load(), param="load_page", per_page=EDITOR_PAGE)
    turnaround = selectors.median_turnaround_days(load.object_list)
    load.items = [(m, turnaround.get(m.pk)) for m in load.object_list]
    return render(
        request,
        "review/editor_queue.html",
        {
            "stale": stale,
            "overdue": overdue,
            "by_status": by_status,
            "late": late,
            "load": load,
            "turnaround_sample": selectors.TURNAROUND_SAMPLE,
            "today": timezone.localdate(),
        },
    )


# --- the review page ---------------------------------------------------------------------


@roles.role_required(roles.BOARD, roles.EDITORS, anonymous_404=True)
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article, slug=slug)
    round_ = selectors.review_round_latest(article)
    if round_ is None:
        # Never submitted: a draft is the authors' business only.
        raise Http404("This article has not been submitted for review.")
    texts = selectors.review_round_texts(article, round_)
    content, base, old, audiences = texts.content, texts.base, texts.old, texts.audiences
    names, variant_ids, previews = texts.names, texts.variant_ids, texts.versions
    assessment = content_assessment(content, audiences, names=names)
    member = selectors.board_member_for(request.user)
    if member is not None and round_.status == ReviewRound.Status.OPEN:
        services.review_round_viewing_record(round_, acting_user=request.user)
    viewers = selectors.review_rounds_viewers([round_.pk], exclude_member_id=member.pk if member else None)
    decisions = list(selectors.review_round_decisions(round_))
    seat = next((d for d in decisions if member and d.reviewer_id == member.pk), None)
    is_open = round_.status == ReviewRound.Status.OPEN
    reason = workflow.ineligibility_reason(member, article, user=request.user) if member else ""
    actions = review_actions.available_actions(
        article, request.user, round_=round_, decisions=decisions, member=member, reason=reason
    )
    previous_approved = (
        ReviewRound.objects.filter(article=article, status=ReviewRound.Status.APPROVED, closed_at__isnull=False)
        .exclude(pk=round_.pk)
        .filter(submitted_at__lt=round_.submitted_at)
        .only("glossary")
        .order_by("-closed_at", "-pk")
        .first()
    )
    glossary_rows = selectors.glossary_changes(
        glossary_from_json(previous_approved.glossary if previous_approved else []), glossary_from_json(round_.glossary)
    )
    decision_form = DecisionForm(initial={"content_hash": round_.content_hash})
    decision_form.fields["audience"].queryset = Audience.objects.filter(pk__in=variant_ids)
    comment_form = CommentForm()
    comment_form.fields["audience"].queryset = Audience.objects.filter(pk__in=variant_ids)
    return render(
        request,
        "review/detail.html",
        {
            "article": article,
            "round": round_,
            "is_open": is_open,
            "diff": content_diff(old, content, audience_names=names),
            "diff_old_label": f"Approved {base.date_created:%Y-%m-%d}" if base else "Nothing approved yet",
            "diff_new_label": f"Submitted {round_.submitted_at:%Y-%m-%d %H:%M}",
            "previews": previews,
            "glossary_rows": [row for row in glossary_rows if row["new"] is not None],
            "glossary_changed": any(row["changed"] for row in glossary_rows),
            "checks": assessment.checks,
            "readability": assessment.readability,
            "sections": [title for title, _text in split_sections(content.body) if title],
            "member": member,
            "seat": seat,
            "decisions": decisions,
            "approvals": selectors.review_round_approvals(round_),
            "reason": reason,
            "actions": actions,
            "is_editor": roles.is_editor(request.user),  # the link to the editors' queue, the due-date forms
            "today": timezone.localdate(),
            "viewers": viewers.get(round_.pk, []),
            "invitations": list(article.invitations.order_by("-created_at", "-pk")[:20])
            if roles.is_editor(request.user)
            else [],
            "invitation_form": InvitationForm(),
            "decision_form": decision_form,
            "comment_form": comment_form,
            "comments": selectors.review_comment_list(article),
            "events": paginate(
                request, selectors.workflow_event_list(article, newest_first=True), param="events_page", per_page=20
            ),
            "assign_choices": selectors.board_member_choices(article) if is_open else [],
            "policy_form": ReviewPolicyForm(
                initial={
                    "required_approvals": article.required_approvals,
                    "review_interval_months": article.review_interval_months,
                }
            ),
            "default_approvals": settings.REVIEW_REQUIRED_APPROVALS,
            "default_interval": settings.REVIEW_INTERVAL_MONTHS,
            "extra_panels": [panel(request, article, content, names) for panel in hooks.REVIEW_PANELS],
        },
    )


def _back(slug: str) -> HttpResponseRedirect:
    return redirect("review:detail", slug=slug)


@roles.role_required(roles.BOARD, anonymous_404=True)
@require_POST
def claim(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article, slug=slug)
    run_service(
        request,
        lambda: services.review_claim(article, acting_user=request.user),
        gettext("You are now reviewing this article."),
    )
    return _back(slug)


@roles.role_required(roles.BOARD, anonymous_404=True)
@require_POST
def decide(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article, slug=slug)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose approve, request changes or reject, then submit your decision again."))
        return _back(slug)
    data = form.cleaned_data
    decision, comment, content_hash = data["decision"], data["comment"], data["content_hash"]
    if decision == "approve":
        call = lambda: services.review_approve(  # noqa: E731
            article, acting_user=request.user, comment=comment, content_hash=content_hash
        )
    elif decision == "request_changes":
        notes = []
        if data["section_comment"].strip():
            notes.append(
                services.CommentInput(
                    text=data["section_comment"],
                    section=data["section"],
                    audience_id=data["audience"].pk if data["audience"] else None,
                )
            )
        call = lambda: services.review_request_changes(  # noqa: E731
            article, acting_user=request.user, comment=comment, section_comments=notes, content_hash=content_hash
        )
    else:
        call = lambda: services.review_reject(  # noqa: E731
            article, acting_user=request.user, comment=comment, content_hash=content_hash
        )
    label = dict(ReviewDecision.Decision.choices)[decision]
    run_service(request, call, gettext("Your decision is recorded: %(decision)s.") % {"decision": label.lower()})
    return _back(slug)


@roles.role_required(roles.BOARD, anonymous_404=True)
@require_POST
def comment_add(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article, slug=slug)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("The comment is empty. Write what the author should change."))
        return _back(slug)
    data = form.cleaned_data
    run_service(
        request,
        lambda: services.review_comment_add(
            article, acting_user=request.user, text=data["text"], section=data["section"], audience=data["audience"]
        ),
        gettext("Your comment was added."),
    )
    return _back(slug)


@roles.role_required(roles.EDITORS, anonymous_404=True)
@require_POST
def assign(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article, slug=slug)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose at least one board member to assign."))
    else:
        reviewers = list(form.cleaned_data["reviewers"])
        run_service(
            request,
            lambda: services.review_assign(article, acting_user=request.user, reviewers=reviewers),
            gettext("Assigned %(reviewers)s.") % {"reviewers": ", ".join(m.display_name for m in reviewers)},
        )
    if request.POST.get("next") == "editor":
        return redirect("review:editor_queue")
    return _back(slug)


@roles.role_required(roles.BOARD, anonymous_404=True)
@require_POST
def decline(request: HttpRequest, slug: str) -> HttpResponse:
    """A reviewer gives their seat back to the editors, with a reason."""
    article = get_object_or_404(Article, slug=slug)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Say why you decline, so the editors can find the right reviewer."))
        return _back(slug)
    ok = run_service(
        request,
        lambda: services.review_decline(article, acting_user=request.user, reason=form.cleaned_data["reason"]),
        gettext("You declined the review; the editors were told."),
    )
    return redirect("review:queue") if ok else _back(slug)


@roles.role_required(roles.EDITORS, anonymous_404=True)
@require_POST
def due_set(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """An editor moves one reviewer's due date on the article's open round."""
    article = get_object_or_404(Article, slug=slug)
    seat = get_object_or_404(ReviewDecision, pk=pk, round__article=article)
    form = DueDateForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Enter the due date as a date, e.g. 2026-12-31."))
    else:
        run_service(
            request,
            lambda: services.review_seat_due_set(seat, acting_user=request.user, due_on=form.cleaned_data["due_on"]),
            gettext("Due date saved."),
        )
    if request.POST.get("next") == "editor":
        return redirect("review:editor_queue")
    return _back(slug)


def _form_errors_as_messages(request: HttpRequest, form) -> None:
    """Flash each invalid field's label and errors (the review page's small forms post and come back)."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))


@roles.role_required(roles.EDITORS, anonymous_404=True)
@require_POST
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    """An editor invites an outside reviewer to the article's open round; the link goes by email."""
    from . import invitations

    article = get_object_or_404(Article, slug=slug)
    form = InvitationForm(request.POST)
    if not form.is_valid():
        _form_errors_as_messages(request, form)
        return _back(slug)
    run_service(
        request,
        lambda: invitations.invitation_create(article, acting_user=request.user, **form.cleaned_data),
        gettext("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]},
    )
    return _back(slug)


@roles.role_required(roles.EDITORS, anonymous_404=True)
@require_POST
def invitation_revoke(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    from . import invitations

    invitation = get_object_or_404(Invitation, pk=pk, article__slug=slug)
    run_service(
        request,
        lambda: invitations.invitation_revoke(invitation, acting_user=request.user),
        gettext("Invitation withdrawn: its link no longer opens anything."),
    )
    return _back(slug)


@roles.role_required(roles.EDITORS, anonymous_404=True)
@require_POST
def policy(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article, slug=slug)
    form = ReviewPolicyForm(request.POST)
    if not form.is_valid():
        _form_errors_as_messages(request, form)
        return _back(slug)
    run_service(
        request,
        lambda: services.article_review_policy_set(article, acting_user=request.user, **form.cleaned_data),
        gettext("Review settings saved."),
    )
    return _back(slug)


@roles.role_required(roles.EDITORS, anonymous_404=True)
@require_POST
def archive(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article, slug=slug)
    run_service(
        request,
        lambda: services.article_archive(article, acting_user=request.user, comment=request.POST.get("comment", "")),
        gettext("“%(title)s” is archived.") % {"title": article.title},
    )
    return redirect("review:editor_queue")
