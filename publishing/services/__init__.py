"""Publishing services: every write the publishing app makes.

By concern, each readable in one sitting:

- `transitions`: the one place a publication changes state (checked against
  publishing/workflow.py, saved, audited) and the on-commit side effects;
- `requests`: editors' actions (request, schedule, provisional, withdraw,
  retry) and the hooks review and evidence call;
- `golive`: the publisher (render, go live, supersede) and failure counting;
- `sweep`: scheduled work (release, expire, outbox re-send, auto-publish net);
- `notifications`: email to the editors;
- `inbox`: readers' questions;
- `furniture`: changes of disclaimers, the policy and board entries, and background re-renders;
- `verification`: the auditor's verifier runs (the checks are in publishing/verify.py);
- `search`: the search vocabulary (synonyms, their import) and the count of searches that found nothing.

Callers import from here (`from publishing import services`).
"""

from ..workflow import OPEN_STATES
from .furniture import (
    furniture_change_approve,
    furniture_change_propose,
    furniture_change_reject,
    render_run_batch,
    render_run_create,
    render_run_pages,
    render_run_resend,
    render_run_start_deploy,
)
from .golive import publication_go_live, publication_mark_retry_due, publication_record_failure
from .inbox import (
    MESSAGE_MAX_LENGTH,
    NAME_MAX_LENGTH,
    ip_hash,
    reader_message_create,
    reader_message_set_state,
)
from .notifications import editor_emails, publication_failure_notify, reader_message_notify
from .publication_requests import (
    ARCHIVE_WITHDRAWAL_REASON,
    publication_on_approval_hook,
    publication_on_archive_hook,
    publication_on_glossary_refresh_hook,
    publication_request,
    publication_request_on_approval,
    publication_request_provisional,
    publication_retry,
    publication_schedule,
    publication_withdraw,
    publication_withdraw_for_evidence,
)
from .search import (
    SynonymInput,
    parse_synonym_csv,
    search_miss_prune,
    search_miss_record,
    search_synonym_create,
    search_synonym_delete,
    search_synonym_update,
    search_synonyms_import,
)
from .sweep import (
    OUTBOX_STALE_AFTER,
    publication_expire_due,
    publication_outbox_resend,
    publication_release_due,
    request_unpublished_approvals,
)
from .transitions import page_refresh_retry_pending, page_refresh_run, publication_transition
from .verification import verify_run_batch, verify_run_record, verify_run_resend, verify_run_start

__all__ = [
    "SynonymInput",
    "parse_synonym_csv",
    "search_miss_prune",
    "search_miss_record",
    "search_synonym_create",
    "search_synonym_delete",
    "search_synonym_update",
    "search_synonyms_import",
    "ARCHIVE_WITHDRAWAL_REASON",
    "MESSAGE_MAX_LENGTH",
    "NAME_MAX_LENGTH",
    "OPEN_STATES",
    "OUTBOX_STALE_AFTER",
    "editor_emails",
    "furniture_change_approve",
    "furniture_change_propose",
    "furniture_change_reject",
    "ip_hash",
    "page_refresh_retry_pending",
    "page_refresh_run",
    "publication_expire_due",
    "publication_failure_notify",
    "publication_go_live",
    "publication_mark_retry_due",
    "publication_on_approval_hook",
    "publication_on_glossary_refresh_hook",
    "publication_on_archive_hook",
    "publication_outbox_resend",
    "publication_record_failure",
    "publication_release_due",
    "publication_request",
    "publication_request_on_approval",
    "publication_request_provisional",
    "publication_retry",
    "publication_schedule",
    "publication_transition",
    "publication_withdraw",
    "publication_withdraw_for_evidence",
    "reader_message_create",
    "reader_message_notify",
    "reader_message_set_state",
    "render_run_batch",
    "render_run_create",
    "render_run_pages",
    "render_run_resend",
    "verify_run_batch",
    "verify_run_record",
    "verify_run_resend",
    "verify_run_start",
    "render_run_start_deploy",
    "request_unpublished_approvals",
]
