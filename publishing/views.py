"""The editors' publishing desk (/publishing/): thin views over the publishing services."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from articles.models import Article
from cms import roles
from cms.pagination import paginate
from evidence import selectors as evidence_selectors

from . import selectors, services, workflow
from .exceptions import PublishingError
from .forms import PublishForm, ScheduleForm, WithdrawForm
from .models import Publication

editors_only = roles.role_required(roles.EDITORS)
State = Publication.State


# The desk shows six lists on one page: smaller pages than a list of its own, like the editors' queue.
DESK_PAGE = 20


@editors_only
def dashboard(request: HttpRequest) -> HttpResponse:
    """Show what awaits publication, what is pending, scheduled, live and failed: a page of each."""
    in_review = (
        Article.objects.filter(status__in=[Article.Status.SUBMITTED, Article.Status.IN_REVIEW])
        .defer("summary", "body")
        .order_by("title", "pk")
        if settings.PROVISIONAL_PUBLISHING
        else Article.objects.none()
    )
    context = {
        "awaiting": paginate(
            request, selectors.article_list_awaiting_publication(), param="awaiting_page", per_page=DESK_PAGE
        ),
        "pending": paginate(
            request, selectors.publication_list_in_state(State.PENDING), param="pending_page", per_page=DESK_PAGE
        ),
        "scheduled": paginate(
            request,
            selectors.publication_list_in_state(State.SCHEDULED).order_by("go_live_at", "pk"),
            param="scheduled_page",
            per_page=DESK_PAGE,
        ),
        "live": paginate(
            request, selectors.publication_desk_live_list(), param="live_page", ids_first=True, per_page=DESK_PAGE
        ),
        "failed": paginate(
            request, selectors.publication_list_in_state(State.FAILED), param="failed_page", per_page=DESK_PAGE
        ),
        "provisional_enabled": settings.PROVISIONAL_PUBLISHING,
        "in_review": paginate(request, in_review, param="in_review_page", per_page=DESK_PAGE),
        "evidence_alerts": evidence_selectors.alert_dashboard_summary(),
        "evidence_limit": evidence_selectors.DASHBOARD_LIMIT,
    }
    # Each row carries what the editor may do to it now (workflow.available_actions): no query per row.
    for name in ("pending", "scheduled", "live", "failed"):
        pager = context[name]
        pager.items = [(p, workflow.available_actions(p, request.user)) for p in pager.object_list]
    for name in ("awaiting", "in_review"):
        pager = context[name]
        pager.items = [
            (
                a,
                workflow.available_article_actions(
                    a, request.user, provisional_enabled=settings.PROVISIONAL_PUBLISHING
                ),
            )
            for a in pager.object_list
        ]
    return render(request, "publishing/dashboard.html", context)


def _data(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _pinned(article: Article) -> dict:
    return {
        "article": article,
        "live": Publication.objects.filter(article=article, state=State.LIVE).select_related("revision").first(),
    }


def _action_page(request, article: Article, form, template: str, do, success: str | None) -> HttpResponse:
    """Confirm an action on GET; on a valid POST run it and report (success=None: report the publication)."""
    if request.method == "POST" and form.is_valid():
        try:
            result = do(form.cleaned_data)
        except PublishingError as exc:
            form.add_error(None, str(exc))
        else:
            if success is None:
                _report_sending(request, result)
            else:
                messages.success(request, success)
            return redirect("publishing:dashboard")
    return render(request, template, {**_pinned(article), "form": form})


def _report_sending(request: HttpRequest, publication: Publication) -> None:
    """Tell the editor what became of a publication sent to the publisher just now."""
    publication.refresh_from_db()
    title = publication.article.title
    if publication.state == State.LIVE:
        messages.success(request, gettext("“%(title)s” is live.") % {"title": title})
    elif publication.state == State.FAILED:
        messages.error(
            request,
            gettext("Publishing “%(title)s” failed: %(last_error)s")
            % {"title": title, "last_error": publication.last_error},
        )
    elif publication.enqueued_at is not None:
        messages.success(
            request, gettext("“%(title)s” is being published; it goes live in a moment.") % {"title": title}
        )
    else:
        messages.warning(
            request,
            gettext(
                "“%(title)s” is saved for publishing, but the job queue could not be reached. "
                "Nothing is lost: it is sent again automatically every minute and goes live once "
                "the queue is back."
            )
            % {"title": title},
        )


@editors_only
def publish(request: HttpRequest, slug: str) -> HttpResponse:
    """Confirm, then publish the article's last approved revision now."""
    article = get_object_or_404(Article.objects.select_related("last_approved_revision"), slug=slug)
    form = PublishForm(_data(request))
    return _action_page(
        request,
        article,
        form,
        "publishing/publish_confirm.html",
        lambda data: services.publication_request(
            article, acting_user=request.user, change_summary=data["change_summary"]
        ),
        None,
    )


@editors_only
def publish_provisional(request: HttpRequest, slug: str) -> HttpResponse:
    """Confirm, then publish the revision under review with the pending-review banner."""
    article = get_object_or_404(Article, slug=slug)
    form = PublishForm(_data(request))
    return _action_page(
        request,
        article,
        form,
        "publishing/provisional_confirm.html",
        lambda data: services.publication_request_provisional(
            article, acting_user=request.user, change_summary=data["change_summary"]
        ),
        None,
    )


@editors_only
def schedule(request: HttpRequest, slug: str) -> HttpResponse:
    """Schedule the last approved revision to go live (and optionally come down) at set times."""
    article = get_object_or_404(Article.objects.select_related("last_approved_revision"), slug=slug)
    form = ScheduleForm(_data(request))
    return _action_page(
        request,
        article,
        form,
        "publishing/schedule_form.html",
        lambda data: services.publication_schedule(
            article,
            acting_user=request.user,
            go_live_at=data["go_live_at"],
            expires_at=data["expires_at"],
            change_summary=data["change_summary"],
        ),
        gettext("“%(title)s” is scheduled.") % {"title": article.title},
    )


@editors_only
def withdraw(request: HttpRequest, slug: str) -> HttpResponse:
    """Confirm, then take the article's live page down (or replace it with a notice)."""
    article = get_object_or_404(Article, slug=slug)
    form = WithdrawForm(_data(request))
    return _action_page(
        request,
        article,
        form,
        "publishing/withdraw_confirm.html",
        lambda data: services.publication_withdraw(
            article, acting_user=request.user, reason=data["reason"], mode=data["mode"]
        ),
        gettext("“%(title)s” was withdrawn.") % {"title": article.title},
    )


@editors_only
@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a failed publication to the publisher again."""
    publication = get_object_or_404(Publication.objects.select_related("article"), pk=pk)
    try:
        publication = services.publication_retry(publication, acting_user=request.user)
    except PublishingError as exc:
        messages.error(request, str(exc))
    else:
        if publication.state == State.SCHEDULED:
            messages.success(request, gettext("“%(title)s” is scheduled again.") % {"title": publication.article.title})
        else:
            _report_sending(request, publication)
    return redirect("publishing:dashboard")


@editors_only
def history(request: HttpRequest, slug: str) -> HttpResponse:
    """Show every publication of one article, newest first."""
    article = get_object_or_404(Article, slug=slug)
    return render(
        request,
        "publishing/history.html",
        {"article": article, "publications": paginate(request, selectors.publication_list_for_article(article))},
    )
