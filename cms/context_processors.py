from __future__ import annotations

from django.conf import settings
from django.contrib.messages import context_processors as message_context
from django.http import HttpRequest

from cms import roles


def site(request: HttpRequest) -> dict:
    """Expose the site name and the signed-in user's roles to every template."""
    user = getattr(request, "user", None)
    return {
        "SITE_NAME": settings.SITE_NAME,
        "user_roles": roles.roles_of(user) if user is not None else frozenset(),
    }


def messages(request: HttpRequest) -> dict:
    """Django's messages, except on a public page made into shared bytes, which shows none and consumes none.

    ``publishing.httpcache.public_response`` marks such a request; the
    session's queued messages stay queued for the next staff page.
    """
    if getattr(request, "shared_bytes", False):
        return {"messages": (), "DEFAULT_MESSAGE_LEVELS": message_context.DEFAULT_LEVELS}
    return message_context.messages(request)
