"""Every runtime hook of the project, in one place: who runs it, who registers what, and why.

Data flows one way, articles → review → evidence → publishing (tests/test_structure.py
enforces it): an app never imports one after it. Where an earlier app's action
must make a later app act, a direct call is impossible, so the earlier app runs
a hook listed here and the later app registers its function in its
``AppConfig.ready()``. Nothing else in the code registers callables at run time.

==================  =========================================  ==========================================
hook                run by (the earlier app)                    registered by (the later app)
==================  =========================================  ==========================================
ON_APPROVAL         review.services.review_approve, inside the  publishing: publication_on_approval_hook
                    approving transaction, when a round         (AUTO_PUBLISH_ON_APPROVAL: approve →
                    reaches its quorum                          publish; a refusal rolls the approval back)
ON_ARCHIVE          review.services.article_archive, inside     publishing: publication_on_archive_hook
                    the transaction, after the status is saved  (the page comes down with the article)
ON_GLOSSARY_REFRESH review.services.article_glossary_refresh    publishing: publication_on_glossary_refresh_hook
                                                                (the live page is republished with them)
APPROVAL_GUARDS     review.services.review_approve, before the  evidence: dose_approval_guard (a dose that
                    approval is recorded; raises ApprovalBlocked differs from the drug label needs a reason)
SUBMISSION_CHECKS   review.services.article_submit, with the    evidence: submission_evidence_check
                    content checks; errors block submission     (retracted or flagged references)
DUE_REASONS         review.selectors.articles_with_due_reasons  evidence: alert_due_reasons (open alerts)
REVIEW_PANELS       review.views.detail (the review page)       evidence: review_panel, dose_review_panel
PREVIEW_PANELS      articles.previews.studio_preview (the       evidence: studio_dose_panel
                    studio preview and the review page)
PAGE_WITHDRAWERS    evidence.services (an alert's "withdraw"    publishing: publication_withdraw_for_evidence
                    decision)
==================  =========================================  ==========================================

(The audit labels, audit.registry.register_actions, are data rather than hooks:
each app names how its own events read.) tests/test_hooks.py checks that what
is registered after start-up is exactly this table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator


class Hook:
    """An ordered list of callables a later app adds at start-up; the earlier app runs them in order."""

    def __init__(self, name: str, signature: str) -> None:
        self.name = name
        self.signature = signature  # how each callable is called, for the reader
        self._callables: list[Callable] = []

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {self.signature}>"

    def register(self, fn: Callable) -> Callable:
        """Add `fn` (once; registering it again changes nothing) and return it, so it can decorate."""
        if fn not in self._callables:
            self._callables.append(fn)
        return fn

    def unregister(self, fn: Callable) -> None:
        """Remove `fn` if it is registered (tests use this)."""
        if fn in self._callables:
            self._callables.remove(fn)

    def __iter__(self) -> Iterator[Callable]:
        # A copy: a callable that registers or unregisters while the hook runs does not disturb the loop.
        return iter(list(self._callables))

    def __len__(self) -> int:
        return len(self._callables)


ON_APPROVAL = Hook("ON_APPROVAL", "fn(article, round_, acting_user)")
ON_ARCHIVE = Hook("ON_ARCHIVE", "fn(article, acting_user)")
ON_GLOSSARY_REFRESH = Hook("ON_GLOSSARY_REFRESH", "fn(article, round_, acting_user)")
APPROVAL_GUARDS = Hook("APPROVAL_GUARDS", "fn(article, round_, acting_user), raises ApprovalBlocked to refuse")
SUBMISSION_CHECKS = Hook("SUBMISSION_CHECKS", "fn(article, content) -> list of check results")
DUE_REASONS = Hook("DUE_REASONS", "fn(articles) -> {article pk: [reason, …]} in one query")
REVIEW_PANELS = Hook("REVIEW_PANELS", "fn(request, article, content, audience_names) -> safe HTML or ''")
PREVIEW_PANELS = Hook("PREVIEW_PANELS", "fn(content, audience_names) -> safe HTML or ''")
PAGE_WITHDRAWERS = Hook("PAGE_WITHDRAWERS", "fn(article, acting_user=, reason=, mode=)")

ALL = (
    ON_APPROVAL,
    ON_ARCHIVE,
    ON_GLOSSARY_REFRESH,
    APPROVAL_GUARDS,
    SUBMISSION_CHECKS,
    DUE_REASONS,
    REVIEW_PANELS,
    PREVIEW_PANELS,
    PAGE_WITHDRAWERS,
)
