"""The first middleware of a public request: answer shared bytes before sessions, auth, messages and CSRF.

Its own module because it joins the page cache (``publishing.httpcache``) and
the stored article pages (``publishing.pages``), which imports the former.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from cms.languages import without_prefix

from .httpcache import cache_get, cache_set, encoding_for, request_cache_key, respond
from .pages import stored_entry

# The article addresses whose bytes are stored (``publishing.pages``), without a query string
# and without a language prefix (a Spanish page is stored at /es/articles/…).
_STORED = re.compile(r"^/articles/[a-z0-9_-]+/(?:for/[a-z0-9_-]+/)?$")


class FastPathMiddleware:
    """Answer a public address from the page cache, or a stored article page from its row, before any other middleware.

    Placed before the session, auth, messages and CSRF middleware: a hit costs
    one cache read and building the response from bytes. On a page-cache miss
    for a stored article address (``/articles/<slug>/`` or
    ``/articles/<slug>/for/<audience>/``, in any language: ``/es/articles/…``; no query string) the ``StoredPage``
    row is read here (one indexed query), answered and put in the page cache,
    exactly as the view would. ``request_cache_key`` already refuses the plain
    address when the audience cookie is set, so that private redirect, the
    ``?for=`` redirect, withdrawn pages, pages never stored and everything else
    (staff pages, forms) go down the normal stack unchanged.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request_cache_key(request)
        if key is not None:
            entry = cache_get(key, encoding_for(request))
            if (
                entry is None
                and not request.META.get("QUERY_STRING")
                and _STORED.match(without_prefix(request.path_info))
            ):
                entry = stored_entry(request.path_info)
                if entry is not None:
                    cache_set(key, entry)
            if entry is not None:
                response = respond(request, entry)
                response["X-Frame-Options"] = getattr(settings, "X_FRAME_OPTIONS", "DENY")
                return response
        return self.get_response(request)
