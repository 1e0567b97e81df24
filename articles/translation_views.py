"""Studio actions on translations (/studio/<slug>/translations/…): start one, bring one up to date.

The rules are in articles.translations; these views only translate HTTP.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from . import translations
from .exceptions import ContentLocked, SlugTaken
from .models import Article
from .views.common import studio_article_view


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@studio_article_view
@require_POST
def translation_start(request: HttpRequest, article: Article) -> HttpResponse:
    """Start a translation of this article's approved revision into the language chosen."""
    try:
        translation = translations.translation_create(
            article,
            acting_user=request.user,
            language=request.POST.get("language", ""),
            slug=request.POST.get("slug", ""),
        )
    except (ValidationError, SlugTaken) as exc:
        messages.error(request, _errors(exc) if isinstance(exc, ValidationError) else str(exc))
        return redirect("studio:article_edit", slug=article.slug)
    messages.success(
        request,
        gettext("Started the translation. Its text is a copy of the approved source: translate it here, then submit."),
    )
    return redirect("studio:article_edit", slug=translation.slug)


@studio_article_view
@require_POST
def translation_rebase(request: HttpRequest, article: Article) -> HttpResponse:
    """Record that this translation now follows the source's latest approved revision."""
    try:
        translations.translation_rebase(article, acting_user=request.user)
    except (ValidationError, ContentLocked) as exc:
        messages.error(request, _errors(exc) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, gettext("The translation is now made from the source's latest approved revision."))
    return redirect("studio:article_edit", slug=article.slug)
