"""Read-only JSON API over published content (/api/articles/).

Only live publications are listed or returned. Responses carry an ETag (the
content hash and the audience for an article; a digest of the body for the
list) and answer a matching If-None-Match with 304.
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from . import selectors as rs
from .cache import reader_cache_key, site_cache_key
from .httpcache import public_response
from .selectors import publication_live_get, published_page_get

PAGE_SIZE = 50
API_MAX_AGE = 60


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _etag_matches(request: HttpRequest, etag: str) -> bool:
    header = request.headers.get("If-None-Match", "")
    candidates = {value.strip().removeprefix("W/") for value in header.split(",")}
    return etag in candidates or "*" in candidates


def _json_response(request: HttpRequest, body: str, etag: str) -> HttpResponse:
    if _etag_matches(request, etag):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=API_MAX_AGE)
    return response


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


@public_response
@require_safe
def article_list(request: HttpRequest) -> HttpResponse:
    """Return a page of live articles: slug, title, condition, URL and last update."""
    page_number = request.GET.get("page", "1")
    key = site_cache_key(f"api:list:{page_number}")
    body = cache.get(key)
    if body is None:
        paginator = Paginator(rs.live_page_list(), PAGE_SIZE)
        try:
            page = paginator.page(page_number)
        except (EmptyPage, PageNotAnInteger):
            return _error(404, f"There is no page {page_number!r}; pages run from 1 to {paginator.num_pages}.")
        list_url = reverse("reader:api_article_list")
        results = []
        for item in page.object_list:
            publication = item.publication
            snapshot = item.review_snapshot or {}
            slug = publication.slug
            results.append(
                {
                    "slug": slug,
                    "title": item.title,
                    "condition": (item.data or {}).get("condition", ""),
                    "url": _absolute(reverse("reader:article", args=[slug])),
                    "api_url": _absolute(reverse("reader:api_article", args=[slug])),
                    "review_status": snapshot.get("kind", publication.kind),
                    "last_updated": snapshot.get("last_updated")
                    or (publication.live_at.isoformat() if publication.live_at else None),
                }
            )
        body = json.dumps(
            {
                "count": paginator.count,
                "page": page.number,
                "pages": paginator.num_pages,
                "next": _absolute(f"{list_url}?page={page.next_page_number()}") if page.has_next() else None,
                "previous": _absolute(f"{list_url}?page={page.previous_page_number()}")
                if page.has_previous()
                else None,
                "results": results,
            },
            ensure_ascii=False,
        )
        cache.set(key, body, timeout=settings.READER_CACHE_SECONDS)
    etag = f'"{hashlib.sha256(body.encode()).hexdigest()[:32]}"'
    return _json_response(request, body, etag)


@public_response
@require_safe
def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Return one live article for an audience (?for=<slug>): HTML parts, references as data, review status."""
    audience_slug = request.GET.get("for") or None
    audience = rs.reader_audience_get(audience_slug)
    if audience_slug and audience is None:
        choices = ", ".join(a.slug for a in rs.reader_audience_list())
        return _error(400, f"Unknown audience {audience_slug!r}; use one of: {choices}, or leave ?for= out.")
    key = reader_cache_key(slug, audience.slug if audience else None, variant="api")
    cached = cache.get(key)
    if cached is None:
        publication = publication_live_get(slug)
        if publication is None:
            return _error(404, f"No published article has the address {slug!r}.")
        page = published_page_get(publication, audience)
        snapshot = page.review_snapshot or {}
        data = page.data or {}
        body = {
            "slug": slug,
            "title": page.title,
            "url": _absolute(reverse("reader:article", args=[slug])),
            "audience": audience.slug if audience else None,
            "audience_name": audience.name if audience else None,
            "condition": data.get("condition", ""),
            "drugs": data.get("drugs", []),
            "summary_html": page.summary_html,
            "sections": data.get("sections", []),
            "body_html": page.body_html,
            "references": data.get("references", []),
            "recommendations": data.get("recommendations", []),
            "review_status": {
                "kind": snapshot.get("kind", publication.kind),
                "stage": snapshot.get("stage"),
                "submitted_at": snapshot.get("submitted_at"),
                "review_started_at": snapshot.get("review_started_at"),
                "approved_at": snapshot.get("approved_at"),
                "reviewers": snapshot.get("reviewers", []),
                "last_reviewed": snapshot.get("last_reviewed"),
                "next_review_due": snapshot.get("next_review_due"),
            },
            "last_updated": snapshot.get("last_updated"),
            "published_at": publication.live_at.isoformat() if publication.live_at else None,
            "disclaimer": {
                "name": page.disclaimer.name if page.disclaimer else "",
                "html": page.disclaimer_html,
            },
            "content_hash": page.content_hash,
        }
        etag = f'"{page.content_hash}-{audience.slug if audience else "default"}"'
        cached = {"body": json.dumps(body, ensure_ascii=False), "etag": etag}
        cache.set(key, cached, timeout=settings.READER_CACHE_SECONDS)
    return _json_response(request, cached["body"], cached["etag"])
