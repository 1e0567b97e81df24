"""Roles are Django groups; this module names them and guards views by them.

Superusers pass every role check. Anonymous users are sent to the login page,
or get a 404 where even the existence of a draft must not leak; signed-in
users without the role get 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext

AUTHORS = "Authors"
BOARD = "Medical Advisory Board"
EDITORS = "Editors"
ALL_GROUPS = (AUTHORS, BOARD, EDITORS)


def roles_of(user) -> frozenset[str]:
    """Return the role group names the user holds (every role for a superuser)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return frozenset(ALL_GROUPS)
    cached = getattr(user, "_vetted_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ALL_GROUPS).values_list("name", flat=True))
        user._vetted_roles = cached
    return cached


def has_role(user, *groups: str) -> bool:
    """Return True if the user holds any of the given roles."""
    return bool(roles_of(user) & set(groups))


def is_author(user) -> bool:
    return has_role(user, AUTHORS)


def is_board_member(user) -> bool:
    return has_role(user, BOARD)


def is_editor(user) -> bool:
    return has_role(user, EDITORS)


def is_invited_reviewer(user) -> bool:
    """Return True for the user behind an invited outside reviewer (review.Invitation; no group, no password).

    Such a user never signs in: the invited pages act as them. The review
    services check that their invitation covers the article before they act.
    """
    member = getattr(user, "board_member", None) if user is not None and user.is_authenticated else None
    return bool(member is not None and member.external and user.is_active)


def is_article_author(article, user, *, author_ids: frozenset[int] | None = None) -> bool:
    """Return True if the user is one of the article's authors: the one answer to "is this user an author?".

    From `author_ids` when the caller read them in bulk (no query), else one
    query. Holding the Authors role is not needed: a former author stays one.
    """
    if user is None or not user.is_authenticated:
        return False
    if author_ids is not None:
        return user.pk in author_ids
    return article.authors.filter(pk=user.pk).exists()


def can_author(user, article) -> bool:
    """Return True if the user may open and edit this article in the studio (its author, or a superuser).

    An author must also hold the Authors role and an active account, so
    taking the role away closes the studio to them at once.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return is_author(user) and is_article_author(article, user)


def role_required(*groups: str, anonymous_404: bool = False) -> Callable:
    """Guard a view: anonymous → login (or 404), signed in without a role → 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if not request.user.is_authenticated:
                if anonymous_404:
                    raise Http404("No such page.")
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *groups):
                # The group names are translated in cms/template_roles.py (ROLE_LABELS).
                needed = gettext(" or ").join(gettext(group) for group in groups)
                raise PermissionDenied(
                    gettext("This page is for %(needed)s; your account does not have the role needed for it.")
                    % {"needed": needed}
                )
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
