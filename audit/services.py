"""Writing to the audit log: the one function every app calls."""

from __future__ import annotations

from .models import WorkflowEvent


def event_record(
    article,
    *,
    acting_user,
    action: str,
    from_status: str = "",
    to_status: str = "",
    round_=None,
    revision_id: int | None = None,
    content_hash: str = "",
    comment: str = "",
) -> WorkflowEvent:
    """Append one event to the article's history, in the caller's transaction.

    With `round_` the event carries the round's pinned revision and hash unless
    they are given. The statuses default to the article's current one (an
    event that changes nothing, such as a comment).
    """
    if round_ is not None:
        revision_id = revision_id if revision_id is not None else round_.revision_id
        content_hash = content_hash or round_.content_hash
    return WorkflowEvent.objects.create(
        article=article,
        round=round_,
        actor=acting_user,
        action=action,
        from_status=from_status or article.status,
        to_status=to_status or article.status,
        revision_id=revision_id,
        content_hash=content_hash,
        comment=comment,
    )
