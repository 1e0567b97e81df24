"""Services for readers' messages (the editors' inbox); the editorial policy changes in ``furniture``.

The error types live here rather than in ``publishing/exceptions.py`` because
that module belongs to the publishing pipeline; they are re-exported by name.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from articles.models import Article, Audience
from cms import roles

from ..exceptions import (
    InboxPermissionError,
    InvalidMessageTransition,
    ReaderMessageInvalid,
    ReaderMessageRateLimited,
)
from ..models import MESSAGE_MAX_LENGTH, NAME_MAX_LENGTH, ReaderMessage
from .notifications import notify_reader_message_on_commit

logger = logging.getLogger(__name__)

RATE_WINDOW_SECONDS = 3600

# Which states an editor may move a message to from each state.
MESSAGE_TRANSITIONS: dict[str, frozenset[str]] = {
    ReaderMessage.State.OPEN: frozenset({ReaderMessage.State.ANSWERED, ReaderMessage.State.DISMISSED}),
    ReaderMessage.State.ANSWERED: frozenset({ReaderMessage.State.OPEN}),
    ReaderMessage.State.DISMISSED: frozenset({ReaderMessage.State.OPEN}),
}


def ip_hash(ip: str) -> str:
    """Return a keyed SHA-256 of an IP address, so raw addresses are never stored."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:{ip or 'unknown'}".encode()).hexdigest()


def _rate_limit_consume(hashed_ip: str) -> None:
    """Count one message for this address in the current hour; raise once over the limit."""
    limit = settings.QUESTION_RATE_LIMIT
    if limit <= 0:
        return
    window = int(timezone.now().timestamp()) // RATE_WINDOW_SECONDS
    key = f"vetted:ratelimit:question:{hashed_ip}:{window}"
    try:
        cache.add(key, 0, timeout=RATE_WINDOW_SECONDS + 60)
        count = cache.incr(key)
    except Exception as exc:  # a cache outage must not stop readers writing in
        logger.warning("Rate-limit cache unavailable: %s", exc)
        return
    if count > limit:
        raise ReaderMessageRateLimited(
            gettext(
                "You have sent %(limit)s messages in the last hour, the most we accept from one "
                "connection. Please try again in an hour."
            )
            % {"limit": limit}
        )


@transaction.atomic
def reader_message_create(
    article: Article,
    *,
    kind: str,
    message: str,
    name: str = "",
    email: str = "",
    audience: Audience | None = None,
    ip: str,
) -> ReaderMessage:
    """Store a reader's follow-up question or problem report and email the editors after commit.

    Raises ReaderMessageInvalid for an empty or over-long message or an unknown
    kind, and ReaderMessageRateLimited when this address has already sent
    ``settings.QUESTION_RATE_LIMIT`` messages within the hour.
    """
    text = (message or "").strip()
    if kind not in ReaderMessage.Kind.values:
        raise ReaderMessageInvalid(
            gettext("Unknown message kind %(kind)s; choose a question or a problem report.") % {"kind": repr(kind)}
        )
    if not text:
        raise ReaderMessageInvalid(gettext("The message is empty; write your question or describe the problem."))
    if len(text) > MESSAGE_MAX_LENGTH:
        raise ReaderMessageInvalid(
            gettext("The message is %(count)s characters long; keep it under %(MESSAGE_MAX_LENGTH)s.")
            % {"count": len(text), "MESSAGE_MAX_LENGTH": MESSAGE_MAX_LENGTH}
        )
    hashed = ip_hash(ip)
    _rate_limit_consume(hashed)
    created = ReaderMessage.objects.create(
        article=article,
        kind=kind,
        message=text,
        name=(name or "").strip()[:NAME_MAX_LENGTH],
        email=(email or "").strip(),
        audience=audience,
        ip_hash=hashed,
    )
    notify_reader_message_on_commit(created)
    return created


@transaction.atomic
def reader_message_set_state(message: ReaderMessage, *, acting_user, state: str, note: str = "") -> ReaderMessage:
    """Move a reader message to answered, dismissed or back to open, recording the editor and note."""
    message = ReaderMessage.objects.select_for_update().get(pk=message.pk)
    if not roles.is_editor(acting_user):
        raise InboxPermissionError(gettext("Only editors can handle reader messages."))
    if state not in MESSAGE_TRANSITIONS.get(message.state, frozenset()):
        raise InvalidMessageTransition(
            gettext("This message is %(status)s; it cannot be marked %(state)s from there.")
            % {"status": message.get_state_display().lower(), "state": repr(state)}
        )
    message.state = state
    message.handled_by = acting_user
    message.handled_at = timezone.now()
    fields = ["state", "handled_by", "handled_at"]
    if note.strip():
        message.editor_note = note.strip()
        fields.append("editor_note")
    message.save(update_fields=fields)
    logger.info("Reader message %s marked %s by %s", message.pk, state, acting_user.get_username())
    return message
