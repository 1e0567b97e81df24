"""Every URL pattern answers with the security headers its kind of page needs, and no inline code.

The walk covers every pattern of cms/urls.py (admin included), filled with the
ids and slugs of a published article, as an anonymous reader and as a
superuser in every group. Whatever the status (200, 302, 403, 404, 405), the
response must carry the Content-Security-Policy and Permissions-Policy; staff
areas must also say no-store and noindex; HTML must hold no inline script,
style or event handler, which the policy would block anyway.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from cms import languages
from cms.security import is_staff_path
from tests import factories
from tests.publishing.reader_fixtures import *  # noqa: F403 (fixtures)

INLINE_SCRIPT_RE = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*application/ld\+json)[^>]*>", re.I)
INLINE_HANDLER_RE = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
STYLE_ATTR_RE = re.compile(r"<[^>]+\sstyle\s*=", re.I)
STYLE_TAG_RE = re.compile(r"<style\b", re.I)
HEALTH_PATHS = ("/healthz", "/readyz")


def _walk(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route


def _concrete(route: str, *, slug: str, pk: int) -> str | None:
    route = route.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\/", "/")
    route = re.sub(r"<slug:[^>]+>", slug, route)
    route = re.sub(r"<int:[^>]+>", str(pk), route)
    route = re.sub(r"<(?:str|path):[^>]+>", "x", route)
    route = re.sub(r"<[^>]+>", "x", route)
    if re.search(r"[()\[\]?*+|]", route):  # admin's regular expressions: covered by their plain siblings
        return None
    return "/" + route


def _paths(slug: str, pk: int) -> list[str]:
    paths = {_concrete(route, slug=slug, pk=pk) for route in _walk(get_resolver().url_patterns)}
    return sorted(p for p in paths if p)


def _check(response, path):
    policy = response.get("Content-Security-Policy", "")
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "script-src 'self'"):
        assert directive in policy, f"{path}: {directive} missing from {policy!r}"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "camera=()" in response.get("Permissions-Policy", ""), path
    if is_staff_path(path):
        assert response["Cache-Control"] == "no-store", path
        assert "noindex" in response["X-Robots-Tag"], path
    elif path in HEALTH_PATHS:  # load balancers' probes must never see a cached answer
        assert "no-store" in response.get("Cache-Control", ""), path
    elif response.status_code == 200:  # public pages stay cacheable (redirects may be per visitor)
        assert "no-store" not in response.get("Cache-Control", ""), path
    if response.get("Content-Type", "").startswith("text/html") and not response.streaming:
        html = response.content.decode()
        for name, regex in (
            ("inline script", INLINE_SCRIPT_RE),
            ("inline handler", INLINE_HANDLER_RE),
            ("style attribute", STYLE_ATTR_RE),
            ("style element", STYLE_TAG_RE),
        ):
            found = regex.search(html)
            assert not found, f"{path}: {name} {found.group(0)[:80]!r}"


@pytest.mark.parametrize("who", ["reader", "staff"])
def test_every_url_pattern_sends_the_headers_of_its_kind(client, live_site, who):
    if who == "staff":
        user = factories.UserFactory(
            username="everyone", is_staff=True, is_superuser=True, groups=["Authors", "Editors"]
        )
        client.force_login(user)
    with languages.reading(live_site.language):  # the reader patterns under the language's prefix (/es/…)
        paths = _paths(live_site.slug, live_site.publication.article_id)
    assert len(paths) > 30
    assert live_site.article_url in paths
    client.raise_request_exception = False  # an error page must carry the headers too
    for path in paths:
        response = client.get(path)
        _check(response, path)
        if not path.startswith("/admin/otp_"):  # django-otp's own admin views fail on ids that do not exist
            assert response.status_code < 500, path


def test_staff_pages_are_recognised_and_public_ones_are_not():
    assert is_staff_path("/studio/x/preview/") and is_staff_path("/publishing/inbox/")
    assert is_staff_path("/review/") and is_staff_path("/admin/") and is_staff_path("/accounts/login/")
    assert not is_staff_path("/articles/x/") and not is_staff_path("/feed/") and not is_staff_path("/")


def test_static_files_get_the_policy_too(client, db):
    response = client.get("/static/vetted/site.css")
    assert "Content-Security-Policy" in response or response.status_code == 404
    assert "Permissions-Policy" in response


def _style_src(response) -> list[str]:
    policy = response["Content-Security-Policy"]
    return next(d for d in policy.split(";") if d.strip().startswith("style-src ")).split()[1:]


def test_only_the_editor_pages_allow_a_style_nonce_and_each_response_has_its_own(client, published, author):
    client.force_login(author)
    slug = published.slug
    nonces = []
    for path in (f"/studio/{slug}/", f"/studio/{slug}/", "/studio/new/"):
        response = client.get(path)
        assert response.status_code == 200, path
        style_src = _style_src(response)
        assert style_src[0] == "'self'" and len(style_src) == 2 and style_src[1].startswith("'nonce-"), path
        nonce = style_src[1][len("'nonce-") : -1]
        # The editor script reads it from the form and hands it to CodeMirror.
        assert f'data-csp-nonce="{nonce}"' in response.content.decode(), path
        nonces.append(nonce)
    assert len(set(nonces)) == 3
    # The no-script Preview shows the editor again, so it carries the nonce too.
    response = client.post(f"/studio/{slug}/preview/", {"title": "T", "body": "B", "lock_version": "1"})
    assert _style_src(response)[1].startswith("'nonce-")

    # Every other page keeps style-src 'self' and nothing more: studio pages without the editor, review, the reader.
    client.force_login(published.article.authors.first())
    for path in (
        "/studio/",
        f"/studio/{slug}/history/",
        f"/studio/{slug}/preview/",
        "/review/",
        f"/articles/{slug}/",
        "/",
    ):
        response = client.get(path, follow=True)
        assert _style_src(response) == ["'self'"], path
    client.logout()
    for path in (f"/articles/{slug}/", "/", "/editorial-policy/"):
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        assert _style_src(response) == ["'self'"], path
