"""Public reader pages: only published, board-approved content is ever read here.

Every public page is the same bytes for everyone (see ``publishing.httpcache``).
An article has one address per audience: ``/articles/<slug>/`` is the default
text and ``/articles/<slug>/for/<audience>/`` each audience's version. Those
pages are rendered once and stored (``publishing.pages``); a request reads one
``StoredPage`` row, or is answered from the page cache before it reaches this
module. ``?for=`` and the personalise form redirect to the audience's address
and remember the choice in the ``vetted_audience`` cookie; with that cookie,
the plain address redirects (privately) to the reader's version.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.core.cache import cache
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_safe

from articles.models import Audience
from cms import languages
from cms.pagination import paginate
from textkit.rendering import render_markdown
from textkit.text import folded

from . import presenters
from . import selectors as rs
from .cache import site_cache_key
from .httpcache import (
    AUDIENCE_COOKIE,
    cache_control,
    cache_set,
    private_redirect,
    public_response,
    request_cache_key,
    respond,
)
from .models import PublishedPage
from .pages import article_path, render_and_store, stored_entry
from .presenters import absolute_url
from .selectors import (
    publication_live_get,
    publication_withdrawn_notice_get,
    published_page_list,
    stored_page_furniture,
)
from .services import search_miss_record

logger = logging.getLogger(__name__)

AUDIENCE_COOKIE_MAX_AGE = 365 * 24 * 3600


# --- helpers -----------------------------------------------------------------


def audience_for_request(request: HttpRequest) -> Audience | None:
    """Return the audience the reader asked for: ?for= first, then the cookie; None is the default text."""
    slug = request.GET.get("for")
    if slug is None:
        slug = request.COOKIES.get(AUDIENCE_COOKIE)
    return rs.reader_audience_get(slug)


# --- the article page --------------------------------------------------------


def _remember_audience(response: HttpResponse, request: HttpRequest, audience: Audience | None) -> None:
    """Set (or, for the default text, delete) the cookie that remembers the reader's audience."""
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


def _withdrawn_or_404(request: HttpRequest, slug: str) -> HttpResponse:
    notice = publication_withdrawn_notice_get(slug)
    if notice is None:
        raise Http404("No published article at this address.")
    default_page = PublishedPage.objects.filter(publication=notice, audience__isnull=True).first()
    context = {
        "SITE_NAME": settings.SITE_NAME,
        "publication": notice,
        "title": default_page.title if default_page else "Withdrawn article",
    }
    # Rendered without the request, like every public page: no visitor's state in it.
    response = HttpResponse(render_to_string("publishing/reader/withdrawn.html", context), status=410)
    response["Cache-Control"] = cache_control(request.path_info)
    return response


def _article_response(request: HttpRequest, slug: str, audience: Audience | None) -> HttpResponse:
    publication = publication_live_get(slug)
    if publication is not None and languages.base(publication.article.language) != request.LANGUAGE_CODE:
        # An article is published in its own language's address only (/es/articles/… for Spanish).
        with languages.reading(publication.article.language):
            return HttpResponsePermanentRedirect(article_path(slug, audience.slug if audience else None))
    entry = render_and_store(slug, audience, publication=publication)
    if entry is None:
        return _withdrawn_or_404(request, slug)
    return _shared(request, entry)


def _shared(request: HttpRequest, entry) -> HttpResponse:
    key = request_cache_key(request)
    if key is not None:
        cache_set(key, entry)
    return respond(request, entry)


@require_safe
def article(request: HttpRequest, slug: str) -> HttpResponse:
    """Show the default text of a live article; send ?for= links and remembered readers to their version."""
    if "for" in request.GET:  # old ?for= links, and the personalise choice made without the form
        audience = rs.reader_audience_get(request.GET.get("for"))
        response = private_redirect(article_path(slug, audience.slug if audience else None))
        _remember_audience(response, request, audience)
        return response
    if request.COOKIES.get(AUDIENCE_COOKIE):
        remembered = rs.reader_audience_get(request.COOKIES[AUDIENCE_COOKIE])
        if remembered is not None:
            return private_redirect(article_path(slug, remembered.slug))
    entry = stored_entry(request.path_info)  # the one query of a reader request
    if entry is not None:
        return _shared(request, entry)
    return _article_response(request, slug, None)


@require_safe
def article_for(request: HttpRequest, slug: str, audience_slug: str) -> HttpResponse:
    """Show one audience's version of a live article."""
    entry = stored_entry(request.path_info)  # the one query of a reader request
    if entry is not None:
        return _shared(request, entry)
    audience = rs.reader_audience_get(audience_slug)
    if audience is None:
        raise Http404("No such audience.")
    return _article_response(request, slug, audience)


_ARTICLE_NEXT = re.compile(r"^/articles/([a-z0-9_-]+)/(?:for/[a-z0-9_-]+/)?$")  # matched without a language prefix


@require_safe
def personalise(request: HttpRequest) -> HttpResponse:
    """Remember the reader's audience in a cookie and send them to that version of the page they came from."""
    next_url = request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=False):
        next_url = "/"
    audience = rs.reader_audience_get(request.GET.get("for"))
    match = _ARTICLE_NEXT.match(languages.without_prefix(next_url))
    if match:
        # Back to the page's own language: /es/articles/<slug>/… stays Spanish, whichever form sent the choice.
        with languages.reading(languages.language_of_path(next_url)):
            next_url = article_path(match.group(1), audience.slug if audience else None)
    response = private_redirect(next_url)
    _remember_audience(response, request, audience)
    return response


@public_response
@require_safe
def provenance(request: HttpRequest, slug: str) -> JsonResponse:
    """Return who wrote and reviewed the live page, when, and from which revision, as JSON."""
    publication = publication_live_get(slug)
    if publication is None:
        raise Http404("No published article at this address.")
    if languages.base(publication.article.language) != request.LANGUAGE_CODE:
        # Like the page: an article's provenance is at its own language's address only.
        with languages.reading(publication.article.language):
            return HttpResponsePermanentRedirect(reverse("reader:provenance", args=[slug]))
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
        # The board-approved glossary definitions this page explains terms with (pinned at approval).
        "glossary": [
            {"term": item.get("term"), "version": item.get("version"), "explanation": item.get("explanation")}
            for item in publication.glossary or ()
        ],
        "disclaimers": [
            {
                "audience": page.audience.slug if page.audience else None,
                "name": page.disclaimer.name if page.disclaimer else "",
                "html": page.disclaimer_html,
            }
            for page in pages
        ],
        # The approved furniture versions each stored address was rendered with (publishing/furniture.py).
        "furniture": [
            {"path": path, "audience": audience, **furniture}
            for path, audience, furniture in stored_page_furniture(publication)
        ],
        "editorial_policy": absolute_url(reverse("reader:editorial_policy")),
    }
    return JsonResponse(body, json_dumps_params={"indent": 2})


# --- other pages -------------------------------------------------------------


def _by_condition(entries) -> list[tuple[str, list]]:
    """Group a page of catalogue rows (ordered by condition) under their condition headings."""
    groups: list[tuple[str, list]] = []
    for entry in entries:
        if not groups or groups[-1][0].casefold() != entry.condition.casefold():
            groups.append((entry.condition, []))
        groups[-1][1].append(entry)
    return groups


@public_response
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """List the reader's language's live articles by condition, A–Z, a page at a time; ?letter= narrows it.

    Each language has its own index (/ and /es/); the page names the other
    languages that have articles, with their counts and their index's address.
    A search (?q=) has its own page: old links to /?q= are sent there.
    """
    query = (request.GET.get("q") or "").strip()
    if query:
        return HttpResponseRedirect(f"{reverse('reader:search')}?{urlencode({'q': query[: rs.SEARCH_MAX_LENGTH]})}")
    letter = (request.GET.get("letter") or "").upper()
    if letter not in rs.LETTERS and letter != rs.OTHER_LETTER:
        letter = ""
    reading = _reading_language(request)
    pager = paginate(request, rs.catalogue_index(letter or None, language=reading), per_page=presenters.INDEX_PAGE_SIZE)
    # Which letters and languages have articles changes only when something goes live or comes down.
    # A new key name: the old "index:letters" held a bare set, which a cache surviving a deploy would still hand out.
    summary_key = site_cache_key("index:summary")  # per language (site_cache_key)
    summary = cache.get(summary_key)
    if summary is None:
        summary = (rs.catalogue_letters(reading), rs.catalogue_languages())
        cache.set(summary_key, summary, timeout=settings.READER_CACHE_SECONDS)
    present, counts = summary
    letters = [(value, value in present) for value in (*rs.LETTERS, rs.OTHER_LETTER)]
    context = {
        "pager": pager,
        "by_condition": _by_condition(pager.object_list),
        "letter": letter,
        "letters": letters,
        "other_languages": _other_indexes(reading, counts),
    }
    return render(request, "publishing/reader/index.html", context)


def _other_indexes(reading: str, counts: dict[str, int]) -> list[dict]:
    """The other reader languages with live articles: code, name in the page's language, count, index address."""
    others = []
    for code in languages.reader_languages():
        if code == reading or not counts.get(code):
            continue
        with languages.reading(code):
            address = reverse("reader:index")
        others.append({"code": code, "name": languages.language_in_text(code), "count": counts[code], "url": address})
    return others


SEARCH_FILTER_LENGTH = 200


def _marked_facets(facets: dict, filters: rs.Filters) -> dict:
    """Return the facets as (name, count, chosen) rows; a name is chosen when the filter is its folded form."""
    return {
        "condition": [(name, n, folded(name) == filters.condition) for name, n in facets.get("condition", [])],
        "drug": [(name, n, name == filters.drug) for name, n in facets.get("drug", [])],
    }


def _search_filters(request: HttpRequest, audiences) -> rs.Filters:
    """Read the search filters from the query string; unknown or malformed values are ignored."""
    audience = (request.GET.get("audience") or "").strip()
    if audience not in {a.slug for a in audiences}:
        audience = ""
    condition = folded(" ".join((request.GET.get("condition") or "").split()))[:SEARCH_FILTER_LENGTH]
    drug = " ".join((request.GET.get("drug") or "").split()).casefold()[:SEARCH_FILTER_LENGTH]
    return rs.Filters(audience=audience, condition=condition, drug=drug)


@public_response
@require_safe
def search(request: HttpRequest) -> HttpResponse:
    """Search live articles by question, condition, drug or text: every match ranked, the best first.

    Filters narrow by audience, condition or drug. When every word together
    finds nothing, articles with some of the words are shown (and said so);
    when nothing at all is found, articles spelled alike and the closest
    conditions are suggested, and the query is counted (no reader identity)
    for the editors' report of searches that found nothing.
    """
    query = " ".join((request.GET.get("q") or "").split())[: rs.SEARCH_MAX_LENGTH]
    audiences = list(rs.reader_audience_list())
    filters = _search_filters(request, audiences)
    answer = rs.catalogue_search_answer(query, filters) if query else None
    results = answer.results if answer is not None else None
    if answer is not None and answer.found_nothing and not filters:
        search_miss_record(query, language=_reading_language(request))
    pager = paginate(request, results, per_page=rs.SEARCH_PAGE_SIZE) if results is not None else None
    best = None
    if pager:
        snippets = rs.catalogue_snippets(pager.object_list, results.parsed)
        for entry in pager.object_list:
            entry.snippet, entry.bottom_line = snippets.get(entry.pk, ("", ""))
        if pager.page.number == 1:
            best = pager.object_list[0]
    context = {
        "query": query,
        "pager": pager,
        "best": best,
        "some_words": answer is not None and answer.some_words,
        "suggestion": answer.suggestion if answer is not None else "",
        "expansions": results.parsed.expansions if results is not None else [],
        "facets": _marked_facets(results.facets(), filters) if pager else {},
        "filters": filters,
        "audiences": audiences,
        "close_matches": answer.close_matches if answer is not None else [],
        "close_conditions": answer.close_conditions if answer is not None else [],
        "capped": pager is not None and results.capped,
        "at_least": pager is not None and results.at_least,
        "cap": number_format(results.cap if results is not None else rs.SEARCH_COUNT_CAP, force_grouping=True),
    }
    return render(request, "publishing/reader/search.html", context)


@public_response
@require_safe
def editorial_policy(request: HttpRequest) -> HttpResponse:
    """Show the editorial policy in the reader's language (else the source language's, saying so)."""
    reading = _reading_language(request)
    policy = rs.editorial_policy_get(reading)
    context = {
        "policy": policy,
        # render_markdown sanitises its output with the allow-list.
        "policy_html": render_markdown(policy.body) if policy else "",
        "untranslated": _shown_in(policy.language) if policy and languages.base(policy.language) != reading else None,
    }
    return render(request, "publishing/reader/editorial_policy.html", context)


def _reading_language(request: HttpRequest) -> str:
    return languages.base(getattr(request, "LANGUAGE_CODE", None) or languages.default_language())


def _shown_in(code: str) -> dict:
    """The notice's context for text shown in another language than the page's: {code, name}."""
    return {"code": languages.base(code), "name": languages.language_in_text(code)}


@public_response
@require_safe
def board(request: HttpRequest) -> HttpResponse:
    """List the active board with credentials and disclosures, in the reader's language where translated."""
    reading = _reading_language(request)
    members = list(rs.board_member_public_list())
    for member in members:
        member.shown_bio, member.shown_disclosures, shown = member.entry_in(reading, languages.default_language())
        member.shown_language = shown if shown != reading else ""
    untranslated = next((_shown_in(m.shown_language) for m in members if m.shown_language), None)
    return render(request, "publishing/reader/board.html", {"members": members, "untranslated": untranslated})


@public_response
@require_safe
def changes(request: HttpRequest) -> HttpResponse:
    """List the approved changes of disclaimers, the editorial policy and board entries, newest first."""
    pager = paginate(request, rs.furniture_change_log())
    for change in pager:
        change.line = presenters.furniture_change_summary(change)
    return render(request, "publishing/reader/changes.html", {"pager": pager})


@public_response
@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Tell crawlers to keep out of the staff areas and where the sitemap is (at the root only, like the sitemap).

    Crawlers read /robots.txt alone; a copy under a language's prefix would
    name a sitemap that does not exist (/es/sitemap.xml), so there is none.
    """
    if _reading_language(request) != languages.default_language():
        raise Http404("robots.txt is at /robots.txt for every language.")
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
