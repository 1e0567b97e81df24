"""The reader's follow-up form: a question or a problem report about a live article, sent to the editors.

The article pages are shared bytes, so the form carries no CSRF token; the
endpoint checks where the POST comes from instead (`origin_is_this_site`).
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from cms.security import client_ip

from . import selectors as rs
from .exceptions import ReaderMessageInvalid, ReaderMessageRateLimited
from .httpcache import AUDIENCE_COOKIE, public_response
from .models import PublishedPage
from .pages import article_path
from .reader_forms import FollowUpForm
from .selectors import publication_live_get
from .services import reader_message_create


def origin_is_this_site(request: HttpRequest) -> bool:
    """Return False for a browser POST that another site made; True for this site's own pages.

    Public pages are shared bytes, so their follow-up form carries no CSRF
    token (a token would be one visitor's, and would make the page
    uncacheable). Instead the question endpoint checks where the POST comes
    from: browsers send ``Sec-Fetch-Site`` (all current ones) and ``Origin``
    (on every cross-site POST) and a page cannot forge either. A request with
    neither is not a cross-site browser form (curl, a bot), which a CSRF check
    could not stop anyway; the honeypot field and the per-address rate limit
    deal with those. The action itself only sends a message to the editors.
    """
    fetch_site = request.META.get("HTTP_SEC_FETCH_SITE")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = request.META.get("HTTP_ORIGIN")
    if origin is None:
        return True
    allowed = {f"{request.scheme}://{request.get_host()}", settings.SITE_URL, *settings.CSRF_TRUSTED_ORIGINS}
    return origin in allowed


@csrf_exempt  # protected by origin_is_this_site, the honeypot and the rate limit instead
@require_POST
def question(request: HttpRequest, slug: str) -> HttpResponse:
    """Take a follow-up question or problem report about a live article."""
    if not origin_is_this_site(request):
        return HttpResponse(
            gettext("This form can only be sent from our own article pages. Open the article and send it from there."),
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    publication = publication_live_get(slug)
    if publication is None:
        raise Http404("No published article at this address.")
    audience = rs.reader_audience_get(request.POST.get("audience")) or rs.reader_audience_get(
        request.COOKIES.get(AUDIENCE_COOKIE)
    )
    form = FollowUpForm(request.POST)
    sent_url = reverse("reader:question_sent", args=[slug])
    if form.is_bot():
        return HttpResponseRedirect(sent_url, status=303)
    status = 400
    if form.is_valid():
        try:
            reader_message_create(
                publication.article,
                kind=form.cleaned_data["kind"],
                message=form.cleaned_data["message"],
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                audience=audience,
                ip=client_ip(request) or "unknown",
            )
        except ReaderMessageRateLimited as exc:
            form.add_error(None, str(exc))
            status = 429
        except ReaderMessageInvalid as exc:
            form.add_error("message", str(exc))
        else:
            return HttpResponseRedirect(sent_url, status=303)
    default_page = PublishedPage.objects.filter(publication=publication, audience__isnull=True).first()
    context = {
        "title": default_page.title if default_page else publication.article.title,
        "form": form,
        "question_url": reverse("reader:question", args=[slug]),
        "article_path": article_path(slug, audience.slug if audience else None),
        "audience": audience,
    }
    return render(request, "publishing/reader/question.html", context, status=status)


@public_response
@require_safe
def question_sent(request: HttpRequest, slug: str) -> HttpResponse:
    """Thank the reader after a follow-up question was taken (the same page for everyone)."""
    return render(request, "publishing/reader/question_sent.html", {"article_path": article_path(slug)})
