"""Project-level views: the post-login landing page and error pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_safe

from cms import roles


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send a signed-in user to the workspace of their main role."""
    user_roles = roles.roles_of(request.user)
    if roles.EDITORS in user_roles:
        return redirect("publishing:dashboard")
    if roles.BOARD in user_roles:
        return redirect("review:queue")
    if roles.AUTHORS in user_roles:
        return redirect("studio:article_list")
    return redirect("/")


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Send /favicon.ico (asked for by browsers when a page names no icon) to the site's icon, cacheably."""
    response = HttpResponsePermanentRedirect(static("vetted/favicon.svg"))
    response["Cache-Control"] = "public, max-age=86400"
    return response
