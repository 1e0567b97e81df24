"""Publishing services: every write the publishing app makes.

`publications` puts approved revisions live, on schedule, and takes them
down; `inbox` handles readers' questions and the editorial policy. Callers
import from here (`from publishing import services`).
"""

from .inbox import (
    MESSAGE_MAX_LENGTH,
    NAME_MAX_LENGTH,
    editorial_policy_update,
    ip_hash,
    reader_message_create,
    reader_message_set_state,
)
from .publications import (
    ARCHIVE_WITHDRAWAL_REASON,
    OPEN_STATES,
    OUTBOX_STALE_AFTER,
    editor_emails,
    publication_expire_due,
    publication_go_live,
    publication_mark_retry_due,
    publication_on_approval_hook,
    publication_on_archive_hook,
    publication_outbox_resend,
    publication_record_failure,
    publication_release_due,
    publication_request,
    publication_request_on_approval,
    publication_request_provisional,
    publication_retry,
    publication_schedule,
    publication_withdraw,
)

__all__ = [
    "ARCHIVE_WITHDRAWAL_REASON",
    "MESSAGE_MAX_LENGTH",
    "NAME_MAX_LENGTH",
    "OPEN_STATES",
    "OUTBOX_STALE_AFTER",
    "editor_emails",
    "editorial_policy_update",
    "ip_hash",
    "publication_expire_due",
    "publication_go_live",
    "publication_mark_retry_due",
    "publication_on_approval_hook",
    "publication_on_archive_hook",
    "publication_outbox_resend",
    "publication_record_failure",
    "publication_release_due",
    "publication_request",
    "publication_request_on_approval",
    "publication_request_provisional",
    "publication_retry",
    "publication_schedule",
    "publication_withdraw",
    "reader_message_create",
    "reader_message_set_state",
]
