"""Read-only JSON API over published content (/api/articles/).

Only live publications are listed or returned. Responses carry an ETag (the
content hash and the audience for an article; a digest of the body for the
list) and answer a matching If-None-Match with 304.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Q, Window
from django.db.models.functions import Mod, RowNumber
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from cms import languages
from textkit.rendering import render_markdown

from . import selectors as rs
from .cache import reader_cache_key, site_cache_key
from .furniture import furniture_state
from .httpcache import public_response
from .models import FurnitureChange
from .presenters import language_links
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


def cursor_token(title: str, pk: int) -> str:
    """Return the list cursor that starts after the row (title, pk): URL- and file-name-safe base64."""
    raw = json.dumps([title, pk], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def list_cursors() -> list[str]:
    """Return the cursor of every page of the list after the first, in order.

    One query that returns only each page's last row (a window function
    numbers the rows in the database), so neither the queries nor the rows
    fetched grow with the rows of a page.
    """
    order = [F("title").asc(), F("id").asc()]
    rows = (
        rs.catalogue_live()
        .annotate(row=Window(RowNumber(), order_by=order), total=Window(Count("id")))
        .annotate(place=Mod(F("row"), PAGE_SIZE))
        # Page k ends at row k * PAGE_SIZE; it links a next page only when rows follow it.
        .filter(place=0, row__lt=F("total"))
        .order_by("title", "id")
        .values_list("title", "pk")
    )
    return [cursor_token(title, pk) for title, pk in rows]


def _cursor_decode(token: str) -> tuple[str, int]:
    """Return (title, id) from a cursor token; ValueError if it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        title, pk = json.loads(raw)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise ValueError(token) from exc
    if not isinstance(title, str) or not isinstance(pk, int):
        raise ValueError(token)
    return title, pk


def _list_item(entry) -> dict:
    slug = entry.slug
    with languages.reading(entry.language):  # each article's addresses are in its own language
        url, api_url = reverse("reader:article", args=[slug]), reverse("reader:api_article", args=[slug])
    return {
        "slug": slug,
        "title": entry.title,
        "language": entry.language,
        "condition": entry.condition,
        "url": _absolute(url),
        "api_url": _absolute(api_url),
        "review_status": entry.kind,
        "last_updated": entry.live_at.isoformat() if entry.live_at else None,
    }


@public_response
@require_safe
def article_list(request: HttpRequest) -> HttpResponse:
    """Return live articles by title, PAGE_SIZE at a time: slug, title, condition, URLs, review status, last update.

    Keyset pagination: ``next`` carries a cursor (the last title and id seen),
    so every page is one index range scan, the last as cheap as the first.
    ``?language=es`` lists one language's articles (each item says its
    language either way); an unknown language is a 400 naming the known ones.
    """
    token = request.GET.get("cursor", "")
    language = request.GET.get("language", "")
    if language and language not in languages.reader_languages():
        known = ", ".join(languages.reader_languages())
        return _error(400, f"The language {language!r} is not one of this site's: use one of {known}, or leave it out.")
    key = site_cache_key(f"api:list:{language}:{hashlib.sha256(token.encode()).hexdigest()[:32]}")
    body = cache.get(key)
    if body is None:
        list_url = reverse("reader:api_article_list")
        if language:
            list_url += f"?language={language}"
        entries = rs.catalogue_live().order_by("title", "id")
        counted = rs.catalogue_counted()
        if language:  # one language's articles only (keyset over catalogue_language_title)
            entries, counted = entries.filter(language=language), counted.filter(language=language)
        if token:
            try:
                title, pk = _cursor_decode(token)
            except ValueError:
                return _error(
                    400, f"The cursor {token!r} is not valid; follow the 'next' links from {list_url} instead."
                )
            # title >= t bounds the index scan; the OR settles ties on the id.
            entries = entries.filter(title__gte=title).filter(Q(title__gt=title) | Q(pk__gt=pk))
        rows = list(entries[: PAGE_SIZE + 1])
        page, more = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
        body = json.dumps(
            {
                "count": counted.count(),
                "language": language or None,
                "next": _absolute(
                    f"{list_url}{'&' if language else '?'}cursor={cursor_token(page[-1].title, page[-1].pk)}"
                )
                if more
                else None,
                "first": _absolute(list_url),
                "results": [_list_item(entry) for entry in page],
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
        furniture = furniture_state()
        language = publication.article.language
        disclaimer = furniture.disclaimer_for(audience.pk if audience else None, language)
        disclaimer_version = furniture.version(FurnitureChange.Kind.DISCLAIMER, disclaimer.pk) if disclaimer else 0
        with languages.reading(language):  # the page's address is in the article's own language
            url = reverse("reader:article", args=[slug])
            links = language_links(publication, audience)
        body = {
            "slug": slug,
            "title": page.title,
            "language": language,
            "url": _absolute(url),
            "audience": audience.slug if audience else None,
            "audience_name": audience.name if audience else None,
            "condition": data.get("condition", ""),
            "drugs": data.get("drugs", []),
            "condition_code": data.get("condition_code"),
            "drug_codes": data.get("drug_codes", {}),
            "dose_schedules": data.get("dose_schedules", []),
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
            # The approved disclaimer in force, as on the stored page (publishing/furniture.py).
            "disclaimer": {
                "name": disclaimer.name if disclaimer else "",
                "html": render_markdown(disclaimer.text) if disclaimer else "",
                "id": disclaimer.pk if disclaimer else None,
                "version": disclaimer_version,
            },
            "content_hash": page.content_hash,
            # Every live language of the article, and for a translation whose source has a newer approved
            # revision the source's address (the page's out-of-date notice), as the stored page shows them.
            "languages": [{"language": link["code"], "url": link["url"]} for link in links["alternates"]],
            "newer_source": (
                {"language": links["newer_source"]["code"], "url": links["newer_source"]["url"]}
                if links["newer_source"]
                else None
            ),
        }
        # The languages are not in the content hash: a new translation or an out-of-date mark changes the ETag too.
        languages_tag = hashlib.sha256(json.dumps([body["languages"], body["newer_source"]]).encode()).hexdigest()[:8]
        audience_tag = audience.slug if audience else "default"
        etag = f'"{page.content_hash}-{audience_tag}-d{disclaimer_version}-l{languages_tag}"'
        cached = {"body": json.dumps(body, ensure_ascii=False), "etag": etag}
        cache.set(key, cached, timeout=settings.READER_CACHE_SECONDS)
    return _json_response(request, cached["body"], cached["etag"])
