"""What every studio page shares: who may open an article, the editor's style allowance, the audiences.

Who may see an article is decided in one place, `article_for_author` (the rule
itself is `cms.roles.can_author`), used by every article URL.
"""

from __future__ import annotations

from functools import wraps

from csp.constants import NONCE
from csp.decorators import csp_update
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext

from cms import roles

from .. import selectors
from ..models import Article, Audience

PREVIEW_HEADER = "HTTP_X_STUDIO_PREVIEW"

# The pages that can show the two-pane editor allow one more thing than the
# rest of the site: the <style> element CodeMirror writes its theme into,
# carrying this response's nonce (the template puts request.csp_nonce on the
# form for the editor script). A response that never reads the nonce gets the
# site's policy unchanged, since django-csp drops an unused NONCE.
editor_styles = csp_update({"style-src": [NONCE]})

# The editor page sets this cookie as it closes when a write of its unsaved
# text is still on its way ("<scope>:<page>:<sequence>", scope the article's id
# or "new"); the next editor page of that scope waits for the write.
DRAFT_FLUSH_COOKIE = "vetted_draft_flush"


def article_for_author(request: HttpRequest, slug: str) -> Article:
    """Return the article for a studio URL, or raise 404 (anonymous, missing) / 403 (not yours)."""
    if not request.user.is_authenticated:
        raise Http404("No such page.")
    article = get_object_or_404(Article, slug=slug)
    if not roles.can_author(request.user, article):
        raise PermissionDenied(gettext("You are not an author of this article. Ask one of its authors to add you."))
    return article


def studio_article_view(view):
    """Guard an article URL: Authors role (anonymous → 404, others → 403), then authorship."""

    @roles.role_required(roles.AUTHORS, anonymous_404=True)
    @wraps(view)
    def wrapped(request: HttpRequest, slug: str, *args, **kwargs):
        return view(request, article_for_author(request, slug), *args, **kwargs)

    return wrapped


def audiences() -> list[Audience]:
    """Return the active audiences in display order (the editor's fieldsets, the preview's choices)."""
    return list(selectors.audience_list())
