"""Response headers every page gets, and those that keep staff pages out of caches and search engines.

`SecurityHeadersMiddleware` is the outermost middleware (first in MIDDLEWARE),
so it also sees responses that an inner middleware answers on its own (stored
reader pages, static files):

- ``Permissions-Policy`` turns off browser features no page here uses;
- on staff areas (`STAFF_PATH_PREFIXES`: the studio with drafts and previews,
  the review pages, the editors' desk and readers' inbox, the admin, sign-in
  and two-factor pages) ``Cache-Control: no-store`` keeps a shared or browser
  cache from holding unapproved text or readers' names, and
  ``X-Robots-Tag: noindex`` keeps them out of search results even if a link leaks.

The Content-Security-Policy itself comes from django-csp
(``CONTENT_SECURITY_POLICY`` in settings, its middleware second in the list).
The policy uses no nonces, so a stored public page is valid for every request.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), fullscreen=(), "
    "geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), "
    "picture-in-picture=(), publickey-credentials-get=(), screen-wake-lock=(), sync-xhr=(), usb=(), "
    "xr-spatial-tracking=()"
)
STAFF_PATH_PREFIXES = ("/studio/", "/review/", "/publishing/", "/admin/", "/accounts/")


def is_staff_path(path: str) -> bool:
    """Return True for addresses of the staff side (never cached, never indexed)."""
    prefixes = getattr(settings, "STAFF_PATH_PREFIXES", STAFF_PATH_PREFIXES)
    return path.startswith(tuple(prefixes))


class SecurityHeadersMiddleware:
    """Add Permissions-Policy everywhere; no-store and noindex on staff pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if is_staff_path(request.path_info):
            response["Cache-Control"] = "no-store"
            response["X-Robots-Tag"] = "noindex, nofollow"
            if "Expires" in response:
                del response["Expires"]
        return response


def client_ip(request: HttpRequest) -> str:
    """Return the client's address: from CLIENT_IP_HEADER behind a proxy, else REMOTE_ADDR.

    With a header such as X-Forwarded-For, each proxy appends the address it
    saw; the entry TRUSTED_PROXY_COUNT from the right is the one the nearest
    trusted proxy recorded, and anything left of it may be forged by the client.
    """
    header = getattr(settings, "CLIENT_IP_HEADER", "")
    if header:
        values = [v.strip() for v in request.META.get(header, "").split(",") if v.strip()]
        count = max(1, getattr(settings, "TRUSTED_PROXY_COUNT", 1))
        if len(values) >= count:
            return values[-count]
    return request.META.get("REMOTE_ADDR", "")
