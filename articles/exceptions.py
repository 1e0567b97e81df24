"""Errors raised by the authoring services."""

from __future__ import annotations


class ArticleError(Exception):
    """Base class for authoring errors shown to the user."""


class EditConflict(ArticleError):
    """Somebody saved the article after this editor loaded it; nothing was overwritten."""

    def __init__(self, article, submitted: dict, message: str = "") -> None:
        self.article = article
        self.submitted = submitted
        super().__init__(
            message
            or f"“{article.title}” was changed by someone else after you opened it. "
            "Your text was not saved; compare it with the current version below and save again."
        )


class ContentLocked(ArticleError):
    """The article is with the board (submitted or in review) and cannot be edited."""


class StaleDraftWrite(ArticleError):
    """An autosave older than the text already kept from the same editor page; it was ignored."""


class CitationError(ArticleError):
    """A citation names a reference key the article does not have."""


class ReferenceFileError(ArticleError):
    """A reference file could not be read; says which entry and line."""

    def __init__(self, message: str, *, line: int | None = None, entry: str | None = None) -> None:
        self.line = line
        self.entry = entry
        where = []
        if entry:
            where.append(f"entry {entry}")
        if line is not None:
            where.append(f"line {line}")
        super().__init__(f"{message} ({', '.join(where)})" if where else message)


class SlugTaken(ArticleError):
    """Another article already uses this slug."""


class IdentifierNotFound(ArticleError):
    """A PMID or DOI could not be resolved from the cache or the online services; the message says what to do."""

    #: The form field the error belongs beside (the views show it there without reading the message).
    field = "identifier"


class DuplicateReference(IdentifierNotFound):
    """The paper, or the chosen key, is already a reference of the article; the message names it."""

    def __init__(self, message: str, *, field: str = "identifier") -> None:
        super().__init__(message)
        self.field = field


class MalformedIdentifier(IdentifierNotFound):
    """What was typed is neither a PMID nor a DOI; the message gives an example of each."""


class InvalidArticleTransition(ArticleError):
    """The article's status does not allow this workflow action (articles/workflow.py)."""


class ArticleTransitionForbidden(ArticleError):
    """The acting user may not take this workflow action on this article."""
