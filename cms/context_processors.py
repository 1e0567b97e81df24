from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from cms import roles


def site(request: HttpRequest) -> dict:
    """Expose the site name and the signed-in user's roles to every template."""
    user = getattr(request, "user", None)
    return {
        "SITE_NAME": settings.SITE_NAME,
        "user_roles": roles.roles_of(user) if user is not None else frozenset(),
    }
