"""The languages readers read in, and how a language shows in a public address.

A public page's language comes from its address only: the source language
(``settings.LANGUAGE_CODE``, English) has no prefix (``/articles/<slug>/``, the
addresses published before languages existed), every other language is the
first path segment (``/es/articles/<slug>/for/patient/``). There is no
negotiation on ``Accept-Language`` and no cookie, so the same bytes can be
stored and cached for everyone at each address. ``PathLanguageMiddleware``
activates the address's language for the request, so ``reverse()`` and the
catalogues follow it (the reader URLs are ``i18n_patterns`` in cms/urls.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

# Scripts written right to left (the base subtag); `dir="rtl"` on <html>.
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "yi", "ps", "dv"})


def base(code: str | None) -> str:
    """Return the primary subtag of a language code ("en-us" → "en")."""
    return (code or settings.LANGUAGE_CODE).split("-")[0].lower()


def default_language() -> str:
    """Return the source language's primary subtag (no prefix in addresses)."""
    return base(settings.LANGUAGE_CODE)


def reader_languages() -> list[str]:
    """Return the primary subtags of every language the site publishes in, the default first."""
    codes = [base(code) for code, _name in settings.LANGUAGES]
    default = default_language()
    return [default, *[code for code in dict.fromkeys(codes) if code != default]]


def language_name(code: str) -> str:
    """Return a language's own name ("Español"), as LANGUAGES gives it; the code when it is unknown."""
    for known, name in settings.LANGUAGES:
        if base(known) == base(code):
            return str(name)
    return code


# Languages that write language names in lower case inside a sentence ("en inglés").
_LOWER_CASE_NAMES = frozenset({"es", "fr", "it", "pt", "ca"})


def language_in_text(code: str) -> str:
    """Return a language's name as a sentence in the active language says it ("Spanish"; "inglés" in Spanish).

    ``language_name`` is the language's own name, for choosers and lists.
    """
    try:
        name = str(translation.get_language_info(base(code))["name_translated"])
    except KeyError:
        return language_name(code)
    return name.lower() if base(translation.get_language()) in _LOWER_CASE_NAMES else name


def is_known(code: str) -> bool:
    return base(code) in reader_languages()


def text_direction(code: str) -> str:
    return "rtl" if base(code) in RTL_LANGUAGES else "ltr"


def activation_code(code: str) -> str:
    """Return the code to activate for a language: the default's full LANGUAGE_CODE keeps its address unprefixed."""
    return settings.LANGUAGE_CODE if base(code) == default_language() else base(code)


def address_prefix(code: str) -> str:
    """Return "" for the default language, "/es" for Spanish."""
    return "" if base(code) == default_language() else f"/{base(code)}"


def language_of_path(path: str) -> str:
    """Return the language an address is in, from its first segment (the default when it names none)."""
    first = path.lstrip("/").split("/", 1)[0].lower()
    if first and first != default_language() and first in reader_languages():
        return first
    return default_language()


def without_prefix(path: str) -> str:
    """Return an address as its source-language twin: "/es/board/" → "/board/" (an unprefixed one unchanged).

    The caches and the edge tags recognise an address by its shape, which is
    the same in every language once the prefix is off.
    """
    code = language_of_path(path)
    if code == default_language():
        return path
    rest = path[len(code) + 1 :]
    return rest if rest.startswith("/") else "/" + rest


@contextmanager
def reading(code: str) -> Iterator[None]:
    """Render (templates, reverse, catalogues) as a reader of this language."""
    with translation.override(activation_code(code)):
        yield


class PathLanguageMiddleware:
    """Activate the language named by the address's first segment; nothing else chooses it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        code = language_of_path(request.path_info)
        request.LANGUAGE_CODE = code  # what the address says, for the reader views
        if code == default_language():
            # Unprefixed: the site's default, already active (staff pages included); nothing to change.
            return self.get_response(request)
        with translation.override(activation_code(code)):
            return self.get_response(request)
