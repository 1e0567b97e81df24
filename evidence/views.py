"""Evidence pages: the editors' report (/publishing/evidence/) and an article's evidence page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from articles.content import content_from_article
from articles.models import Article
from articles.selectors import audience_names
from cms import roles

from . import doses, selectors, services
from .exceptions import EvidenceError, EvidencePermissionError
from .forms import AlertActionForm, JustificationForm
from .models import DoseCheckAcceptance, EvidenceAlert

PAGE_SIZE = 25
editors_only = roles.role_required(roles.EDITORS)


@editors_only
def report(request: HttpRequest) -> HttpResponse:
    """List evidence alerts by severity and age, filtered by state, with what was done about each."""
    state = request.GET.get("state", "open")
    if state not in {*EvidenceAlert.State.values, "all"}:
        state = "open"
    paginator = Paginator(selectors.alert_report(state=None if state == "all" else state), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = [(alert, services.alert_available_actions(alert, request.user)) for alert in page.object_list]
    context = {
        "page": page,
        "rows": rows,
        "state": state,
        "states": [
            ("open", "Open"),
            *[(value, label) for value, label in EvidenceAlert.State.choices if value != "open"],
            ("all", "All"),
        ],
        "retractions_imported": selectors.last_import("retractions"),
        "labels_imported": selectors.last_import("labels"),
    }
    return render(request, "evidence/report.html", context)


@editors_only
@require_POST
def alert_act(request: HttpRequest, pk: int) -> HttpResponse:
    """Acknowledge an alert, open a re-review, or withdraw/mark the page, in one step."""
    alert = get_object_or_404(EvidenceAlert, pk=pk)
    form = AlertActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose an action for the alert."))
        return redirect("evidence:report")
    action, note = form.cleaned_data["action"], form.cleaned_data["note"]
    try:
        if action == "acknowledge":
            services.alert_acknowledge(alert, acting_user=request.user, note=note)
            messages.success(
                request, gettext("Acknowledged the alert on “%(title)s”.") % {"title": alert.article.title}
            )
        elif action == "re_review":
            services.alert_open_re_review(alert, acting_user=request.user, note=note)
            messages.success(request, gettext("“%(title)s” is due for re-review now.") % {"title": alert.article.title})
        else:
            services.alert_withdraw_page(
                alert, acting_user=request.user, reason=note, mode=form.cleaned_data["mode"] or "notice"
            )
            messages.success(
                request, gettext("The page of “%(title)s” was withdrawn.") % {"title": alert.article.title}
            )
    except EvidenceError as exc:
        messages.error(request, str(exc))
    return redirect("evidence:report")


def _may_see_evidence(user, article: Article) -> bool:
    if roles.is_article_author(article, user):
        return True
    return roles.is_editor(user) or roles.is_board_member(user)


@require_http_methods(["GET", "POST"])
def article_evidence(request: HttpRequest, slug: str) -> HttpResponse:
    """Show an article's references as the last imports see them; its authors record justifications here."""
    if not request.user.is_authenticated:
        raise Http404("No such page.")
    article = get_object_or_404(Article, slug=slug)
    if not _may_see_evidence(request.user, article):
        raise PermissionDenied(gettext("Only the article's authors, the board and editors can see its evidence."))
    is_author = roles.is_article_author(article, request.user)
    if not is_author and not article.review_rounds.exists():
        # Never submitted: a draft is its authors' business only (as on the review page).
        raise Http404("This article has not been submitted for review.")
    form = JustificationForm(request.POST or None)
    if request.method == "POST":
        if not is_author:
            raise PermissionDenied(gettext("Only an author of the article can justify its references."))
        if form.is_valid():
            try:
                services.justification_record(
                    article,
                    acting_user=request.user,
                    reference_key=form.cleaned_data["reference_key"],
                    text=form.cleaned_data["text"],
                )
            except EvidenceError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request,
                    gettext("Recorded why [@%(value)s] is still cited.")
                    % {"value": form.cleaned_data["reference_key"]},
                )
                return redirect("evidence:article", slug=article.slug)
    names = audience_names()
    panel = selectors.evidence_panel(article.pk, content_from_article(article), names)
    context = {
        "article": article,
        "panel": panel,
        "is_author": is_author,
        "alerts": list(selectors.alert_report().filter(article=article)[:50]),
    }
    return render(request, "evidence/article.html", context)


def review_panel(request: HttpRequest, article: Article, content, audience_names: dict[int, str]) -> str:
    """Return the evidence section of the review page for the version under review (a fixed number of queries)."""
    panel = selectors.evidence_panel(article.pk, content, audience_names)
    return render_to_string(
        "evidence/_panel.html", {"panel": panel, "article": article, "is_author": False}, request=request
    )


# --------------------------------------------------------------------------- doses (issue 24)


def studio_dose_panel(content, audience_names: dict[int, str]) -> str:
    """Return the studio preview's dose section: each recognised statement and its label check.

    Registered in cms.hooks.PREVIEW_PANELS; one query (the labels).
    """
    return render_to_string("evidence/_doses.html", {"report": doses.dose_report(content, audience_names)})


def dose_review_panel(request: HttpRequest, article: Article, content, audience_names: dict[int, str]) -> str:
    """Return the review page's dose section: the result per statement and, on a mismatch, the reason form."""
    from review.models import ReviewDecision, ReviewRound

    report = doses.dose_report(content, audience_names)
    round_ = ReviewRound.objects.filter(article=article, closed_at__isnull=True).only("pk", "content_hash").first()
    acceptance = None
    may_accept = False
    if round_ is not None:
        acceptance = (
            DoseCheckAcceptance.objects.filter(round=round_, content_hash=round_.content_hash)
            .select_related("recorded_by")
            .first()
        )
        may_accept = (
            not roles.is_article_author(article, request.user)
            and ReviewDecision.objects.filter(round=round_, reviewer__user=request.user).exists()
        )
    review = {"article": article, "acceptance": acceptance, "may_accept": may_accept}
    return render_to_string("evidence/_doses.html", {"report": report, "review": review}, request=request)


@roles.role_required(roles.BOARD)
@require_POST
def dose_accept(request: HttpRequest, slug: str) -> HttpResponse:
    """Record a reviewer's reason for approving doses that differ from the label; back to the review page."""
    article = get_object_or_404(Article, slug=slug)
    try:
        services.dose_mismatch_accept(article, acting_user=request.user, reason=request.POST.get("reason", ""))
    except EvidencePermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except EvidenceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("Recorded why the doses are right. The board can approve now."))
    return redirect("review:detail", slug=article.slug)
