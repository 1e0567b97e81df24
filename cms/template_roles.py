"""Role names and the page language for templates, taken from cms.roles and cms.languages.

Registered as a template builtin (settings.TEMPLATES), so it also works where a
template is rendered without a request: pre-rendered reader pages and emails.

    {% role_name "BOARD" %}                      → Medical Advisory Board
    {% if user_roles|has_role:"EDITORS" %}…{% endif %}
    <html lang="{% html_lang %}" dir="{% html_dir %}">
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from cms import languages, roles

register = template.Library()

ROLE_KEYS = ("AUTHORS", "BOARD", "EDITORS")
# The group names are data (auth.Group rows) and stay English; what a page shows
# is their translation. Marked here so makemessages puts them in the catalogue.
ROLE_LABELS = (gettext_noop("Authors"), gettext_noop("Medical Advisory Board"), gettext_noop("Editors"))


def _group(key: str) -> str:
    if key not in ROLE_KEYS:
        raise template.TemplateSyntaxError(f"Unknown role “{key}”: use one of {', '.join(ROLE_KEYS)} (cms/roles.py).")
    return getattr(roles, key)


@register.simple_tag
def role_name(key: str) -> str:
    """Return the display name of the role `key` (AUTHORS, BOARD or EDITORS) in the active language."""
    return gettext(_group(key))


@register.filter
def has_role(user_roles: Iterable[str], key: str) -> bool:
    """Return True if `user_roles` (the context's user_roles) holds the role `key`."""
    return _group(key) in (user_roles or ())


@register.simple_tag
def html_lang() -> str:
    """Return the active language's primary subtag for <html lang> ("en", "es"), as cms.languages reads it."""
    return languages.base(translation.get_language())


@register.simple_tag
def html_dir() -> str:
    """Return "rtl" for a right-to-left active language, else "ltr" (<html dir>)."""
    return languages.text_direction(translation.get_language() or "")


@register.filter
def in_reader_language(audience) -> str:
    """Return an audience's name in the active language (its stored English name when none is recorded)."""
    return audience.in_language(translation.get_language() or "")[0]


@register.filter
def article_address(entry) -> str:
    """Return the public address of a listed article in its own language (/es/articles/<slug>/ for Spanish)."""
    with languages.reading(getattr(entry, "language", "") or languages.default_language()):
        return reverse("reader:article", args=[entry.slug])


@register.filter
def translation_language(code: str) -> str:
    """Return a language's name when it is not the source language ("Español"), "" for the source language."""
    if not code or languages.base(code) == languages.default_language():
        return ""
    return languages.language_name(code)


@register.filter
def language_label(code: str) -> str:
    """Return a language's own name ("Español", "English") for a code."""
    return languages.language_name(code) if code else ""
