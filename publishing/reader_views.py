"""Public reader pages: only published, board-approved content is ever read here.

The article page reads one ``PublishedPage`` row (or the cache) and never
renders Markdown. Its audience comes from ``?for=<slug>`` or the
``vetted_audience`` cookie set by the personalise form. The parts of the page
that are the same for every reader of one audience are cached under
``reader_cache_key``; the parts that belong to one visitor (the CSRF token of
the question form, messages, the staff navigation) are rendered per request
around them, so a cached page never carries anyone's token or name.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_cookie

from articles.models import Audience

from . import selectors as rs
from .cache import reader_cache_key
from .exceptions import ReaderMessageInvalid, ReaderMessageRateLimited
from .models import Publication, PublishedPage
from .reader_forms import FollowUpForm
from .selectors import (
    publication_history,
    publication_live_get,
    publication_withdrawn_notice_get,
    published_page_get,
    published_page_list,
)
from .services import reader_message_create

logger = logging.getLogger(__name__)

AUDIENCE_COOKIE = "vetted_audience"
AUDIENCE_COOKIE_MAX_AGE = 365 * 24 * 3600
STAGES = (
    ("submitted", "Submitted", "submitted_at"),
    ("in_review", "Under Review", "review_started_at"),
    ("approved", "Approved", "approved_at"),
)

_JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


# --- helpers -----------------------------------------------------------------


def json_for_script(data: Any) -> SafeString:
    """Serialise data as JSON that cannot close or break out of a <script> element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False, default=str).translate(_JSON_SCRIPT_ESCAPES)
    # Safe: every <, > and & is escaped above, so the text cannot end the script element.
    # bandit waiver (reviewed): every <, > and & is escaped above.
    return mark_safe(text)  # noqa: S308  # nosec B308 B703


def absolute_url(path: str) -> str:
    """Return the public absolute URL of a site path."""
    return f"{settings.SITE_URL}{path}"


def _when(value: str | None) -> dt.datetime | dt.date | None:
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is not None:
        return parsed
    return parse_date(value[:10])


def _date_iso(value: str | None) -> str | None:
    parsed = _when(value)
    if parsed is None:
        return None
    return (parsed.date() if isinstance(parsed, dt.datetime) else parsed).isoformat()


def audience_for_request(request: HttpRequest) -> Audience | None:
    """Return the audience the reader asked for: ?for= first, then the cookie; None is the default text."""
    slug = request.GET.get("for")
    if slug is None:
        slug = request.COOKIES.get(AUDIENCE_COOKIE)
    return rs.reader_audience_get(slug)


def review_stepper(snapshot: dict) -> list[dict]:
    """Return the review stages with done/current flags and dates from a review snapshot."""
    stage = snapshot.get("stage") or "submitted"
    order = [key for key, _, _ in STAGES]
    current = order.index(stage) if stage in order else 0
    return [
        {
            "key": key,
            "label": label,
            "date": _when(snapshot.get(date_field)),
            "done": index < current or (index == current and key == "approved"),
            "current": index == current,
        }
        for index, (key, label, date_field) in enumerate(STAGES)
    ]


def _schema_audience(audience: Audience | None) -> dict:
    if audience is None:
        return {"@type": "MedicalAudience", "audienceType": "General public"}
    if audience.is_professional:
        return {"@type": "MedicalAudience", "audienceType": "Clinician", "name": audience.name}
    if audience.slug == "patient":
        return {"@type": "Patient", "name": audience.name}
    return {"@type": "MedicalAudience", "audienceType": audience.name, "name": audience.name}


def _schema_citation(ref: dict) -> dict:
    citation: dict[str, Any] = {"@type": "CreativeWork", "name": ref.get("title", "")}
    if ref.get("authors"):
        citation["author"] = ref["authors"]
    if ref.get("source"):
        citation["publisher"] = ref["source"]
    if ref.get("year"):
        citation["datePublished"] = str(ref["year"])
    identifiers = []
    if ref.get("pmid"):
        identifiers.append({"@type": "PropertyValue", "propertyID": "PMID", "value": ref["pmid"]})
        citation["sameAs"] = f"https://pubmed.ncbi.nlm.nih.gov/{ref['pmid']}/"
    if ref.get("doi"):
        identifiers.append({"@type": "PropertyValue", "propertyID": "DOI", "value": ref["doi"]})
        citation.setdefault("sameAs", f"https://doi.org/{ref['doi']}")
    if identifiers:
        citation["identifier"] = identifiers
    if ref.get("url"):
        citation["url"] = ref["url"]
    return citation


def article_structured_data(
    page: PublishedPage, *, audience: Audience | None, first_published: dt.datetime | None
) -> dict:
    """Return the schema.org MedicalWebPage description of one published page."""
    snapshot = page.review_snapshot or {}
    data = page.data or {}
    publication = page.publication
    url = absolute_url(reverse("reader:article", args=[publication.slug]))
    condition: dict[str, Any] = {"@type": "MedicalCondition", "name": data.get("condition", "")}
    if data.get("drugs"):
        condition["drug"] = [{"@type": "Drug", "name": name} for name in data["drugs"]]
    structured: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "@id": url,
        "url": url,
        "name": page.title,
        "headline": page.title,
        "about": condition,
        "aspect": "treatment",
        "audience": _schema_audience(audience),
        "datePublished": (first_published or publication.live_at or page.rendered_at).isoformat(),
        "dateModified": (_when(snapshot.get("last_updated")) or publication.live_at or page.rendered_at).isoformat(),
        "reviewedBy": [
            {
                "@type": "Person",
                "name": reviewer.get("name", ""),
                "jobTitle": reviewer.get("credentials", ""),
                "hasCredential": {
                    "@type": "EducationalOccupationalCredential",
                    "name": reviewer.get("credentials", ""),
                },
            }
            for reviewer in snapshot.get("reviewers", [])
        ],
        "citation": [_schema_citation(ref) for ref in data.get("references", [])],
        "publishingPrinciples": absolute_url(reverse("reader:editorial_policy")),
        "inLanguage": "en",
    }
    if snapshot.get("last_reviewed"):
        structured["lastReviewed"] = snapshot["last_reviewed"]
    if data.get("authors"):
        structured["author"] = [{"@type": "Person", "name": name} for name in data["authors"]]
    if snapshot.get("kind") == Publication.Kind.PROVISIONAL:
        structured["creativeWorkStatus"] = "Pending medical review"
    return structured


# --- the article page --------------------------------------------------------


def _cache_seconds(publication: Publication) -> int:
    seconds = settings.READER_CACHE_SECONDS
    if publication.expires_at is not None:
        # An entry must not outlive the page it holds.
        seconds = min(seconds, int((publication.expires_at - timezone.now()).total_seconds()))
    return max(seconds, 0)


def _article_parts(slug: str, audience: Audience | None) -> dict | None:
    """Return the shared, cacheable parts of an article page (None if nothing is live)."""
    key = reader_cache_key(slug, audience.slug if audience else None)
    try:
        parts = cache.get(key)
    except Exception as exc:  # a cache outage only costs speed
        logger.warning("Reader cache unavailable: %s", exc)
        parts = None
    if parts is not None:
        return parts
    publication = publication_live_get(slug)
    if publication is None:
        return None
    page = published_page_get(publication, audience)
    snapshot = page.review_snapshot or {}
    first_published = rs.article_first_published(publication.article)
    shown_as = audience if audience is not None else None
    context = {
        "SITE_NAME": settings.SITE_NAME,
        "page": page,
        "publication": publication,
        "article_slug": slug,
        "article_path": reverse("reader:article", args=[slug]),
        "snapshot": snapshot,
        "provisional": snapshot.get("kind") == Publication.Kind.PROVISIONAL
        or publication.kind == Publication.Kind.PROVISIONAL,
        "stepper": review_stepper(snapshot),
        "last_updated": _when(snapshot.get("last_updated")) or publication.live_at,
        "last_reviewed": _when(snapshot.get("last_reviewed")),
        "next_review_due": _when(snapshot.get("next_review_due")),
        "reviewers": snapshot.get("reviewers", []),
        "sections": (page.data or {}).get("sections", []),
        "audiences": list(rs.reader_audience_list()),
        "audience": shown_as,
        "history": list(publication_history(publication.article)),
        "structured_data": json_for_script(
            article_structured_data(page, audience=audience, first_published=first_published)
        ),
        "canonical_url": absolute_url(reverse("reader:article", args=[slug])),
    }
    parts = {
        "title": page.title,
        "provisional": context["provisional"],
        "audience_slug": audience.slug if audience else "",
        "head": render_to_string("publishing/reader/_article_head.html", context),
        "top": render_to_string("publishing/reader/_article_top.html", context),
        "bottom": render_to_string("publishing/reader/_article_bottom.html", context),
    }
    try:
        cache.set(key, parts, timeout=_cache_seconds(publication))
    except Exception as exc:
        logger.warning("Reader cache unavailable: %s", exc)
    return parts


def _withdrawn_or_404(request: HttpRequest, slug: str) -> HttpResponse:
    notice = publication_withdrawn_notice_get(slug)
    if notice is None:
        raise Http404("No published article at this address.")
    default_page = PublishedPage.objects.filter(publication=notice, audience__isnull=True).first()
    context = {"publication": notice, "title": default_page.title if default_page else "Withdrawn article"}
    return render(request, "publishing/reader/withdrawn.html", context, status=410)


def _render_article(
    request: HttpRequest, slug: str, parts: dict, form: FollowUpForm, *, status: int = 200
) -> HttpResponse:
    # The parts were produced by our own autoescaping templates from sanitised
    # renderer output; they are marked safe again after the trip through the cache.
    context = {
        "title": parts["title"],
        "provisional": parts["provisional"],
        # bandit waiver (reviewed): parts are our own autoescaped template output, back from the cache.
        "head_html": mark_safe(parts["head"]),  # noqa: S308  # nosec B308 B703
        "top_html": mark_safe(parts["top"]),  # noqa: S308  # nosec B308 B703
        "bottom_html": mark_safe(parts["bottom"]),  # noqa: S308  # nosec B308 B703
        "form": form,
        "question_url": reverse("reader:question", args=[slug]),
        "audience_slug": parts.get("audience_slug", ""),
    }
    return render(request, "publishing/reader/article.html", context, status=status)


@require_safe
@vary_on_cookie
def article(request: HttpRequest, slug: str) -> HttpResponse:
    """Show the live page of an article for the reader's audience."""
    audience = audience_for_request(request)
    parts = _article_parts(slug, audience)
    if parts is None:
        return _withdrawn_or_404(request, slug)
    return _render_article(request, slug, parts, FollowUpForm())


@require_POST
@vary_on_cookie
def question(request: HttpRequest, slug: str) -> HttpResponse:
    """Take a follow-up question or problem report about a live article."""
    publication = publication_live_get(slug)
    if publication is None:
        raise Http404("No published article at this address.")
    audience = rs.reader_audience_get(request.POST.get("audience")) or audience_for_request(request)
    form = FollowUpForm(request.POST)
    thanks = (
        "Thank you — your message has reached our editors. They read every one; "
        "if you left an email address, they may reply."
    )
    article_url = reverse("reader:article", args=[slug])
    if form.is_bot():
        messages.success(request, thanks)
        return HttpResponseRedirect(f"{article_url}#follow-up")
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
                ip=client_ip(request),
            )
        except ReaderMessageRateLimited as exc:
            form.add_error(None, str(exc))
            status = 429
        except ReaderMessageInvalid as exc:
            form.add_error("message", str(exc))
        else:
            messages.success(request, thanks)
            return HttpResponseRedirect(f"{article_url}#follow-up")
    parts = _article_parts(slug, audience)
    if parts is None:
        raise Http404("No published article at this address.")
    return _render_article(request, slug, parts, form, status=status)


def client_ip(request: HttpRequest) -> str:
    """Return the client's address as Django sees it (a proxy must set REMOTE_ADDR correctly)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


@require_safe
def personalise(request: HttpRequest) -> HttpResponse:
    """Remember the reader's audience in a cookie and send them back to the page they came from."""
    next_url = request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=False):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    audience = rs.reader_audience_get(request.GET.get("for"))
    if audience is None:
        response.delete_cookie(AUDIENCE_COOKIE, samesite="Lax")
    else:
        response.set_cookie(
            AUDIENCE_COOKIE,
            audience.slug,
            max_age=AUDIENCE_COOKIE_MAX_AGE,
            samesite="Lax",
            httponly=True,
            secure=request.is_secure(),
        )
    return response


@require_safe
def provenance(request: HttpRequest, slug: str) -> JsonResponse:
    """Return who wrote and reviewed the live page, when, and from which revision, as JSON."""
    publication = publication_live_get(slug)
    if publication is None:
        raise Http404("No published article at this address.")
    pages = list(published_page_list(publication))
    default = next((page for page in pages if page.audience_id is None), pages[0] if pages else None)
    if default is None:
        raise Http404("No published article at this address.")
    snapshot = default.review_snapshot or {}
    data = default.data or {}
    body = {
        "article": slug,
        "title": default.title,
        "url": absolute_url(reverse("reader:article", args=[slug])),
        "kind": publication.kind,
        "authors": data.get("authors", []),
        "reviewers": [
            {"name": r.get("name", ""), "credentials": r.get("credentials", "")} for r in snapshot.get("reviewers", [])
        ],
        "review": {
            "stage": snapshot.get("stage"),
            "submitted_at": snapshot.get("submitted_at"),
            "review_started_at": snapshot.get("review_started_at"),
            "approved_at": snapshot.get("approved_at"),
            "last_reviewed": snapshot.get("last_reviewed"),
            "next_review_due": snapshot.get("next_review_due"),
        },
        "first_published": rs.article_first_published(publication.article),
        "live_since": publication.live_at,
        "last_updated": snapshot.get("last_updated"),
        "revision_id": snapshot.get("revision_id", publication.revision_id),
        "content_hash": publication.content_hash,
        "disclaimers": [
            {
                "audience": page.audience.slug if page.audience else None,
                "name": page.disclaimer.name if page.disclaimer else "",
                "html": page.disclaimer_html,
            }
            for page in pages
        ],
        "editorial_policy": absolute_url(reverse("reader:editorial_policy")),
    }
    return JsonResponse(body, json_dumps_params={"indent": 2})


# --- other pages -------------------------------------------------------------


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """List live articles, with search by title, condition and drug, and an index by condition."""
    query = (request.GET.get("q") or "").strip()
    results = list(rs.live_page_search(query)) if query else None
    pages = list(rs.live_page_list())
    context = {
        "query": query,
        "results": results,
        "pages": pages,
        "by_condition": rs.live_pages_by_condition(pages),
    }
    return render(request, "publishing/reader/index.html", context)


@require_safe
def editorial_policy(request: HttpRequest) -> HttpResponse:
    """Show the editorial policy and when it last changed."""
    from articles.rendering import render_markdown

    policy = rs.editorial_policy_get()
    context = {
        "policy": policy,
        # render_markdown sanitises its output with the allow-list.
        "policy_html": render_markdown(policy.body) if policy else "",
    }
    return render(request, "publishing/reader/editorial_policy.html", context)


@require_safe
def board(request: HttpRequest) -> HttpResponse:
    """List the active Medical Advisory Board with credentials and disclosures."""
    return render(request, "publishing/reader/board.html", {"members": rs.board_member_public_list()})


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Tell crawlers to keep out of the staff areas and where the sitemap is."""
    lines = [
        "User-agent: *",
        "Disallow: /studio/",
        "Disallow: /review/",
        "Disallow: /publishing/",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "",
        f"Sitemap: {absolute_url(reverse('reader:sitemap'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
