"""The review workflow: the board's steps of the article table, review rounds, and the rules about people.

The article's status table lives in articles/workflow.py (`ARTICLE_TABLE`,
applied only by `article_transition`); review's services check an edge
first with `cms.workflow.ensure_transition(REVIEW_EDGES, …)`, the same table
worded as review errors. A review round's own status is the `ROUND_TABLE`
here, applied only by `round_close`. Both are tables of the one kit
(cms/workflow.py).
The functions below it answer questions about board members (eligible?
recused, and why?) without writing anything; the services in
review/services.py enforce them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from articles.models import Article, ArticleVariant
from articles.workflow import ARTICLE_TABLE
from cms import roles
from cms.languages import language_in_text
from cms.workflow import Actor, Transition, TransitionTable, anyone, ensure_transition

from .exceptions import InvalidTransition, ReviewPermissionError
from .models import BoardMember, ReviewRound

__all__ = ["REVIEW_EDGES", "ROUND_TABLE", "round_close"]

S = Article.Status
R = ReviewRound.Status

# Actions that leave the status as it is but belong in the history, and how they read.
COMMENT_ACTIONS = ("comment", "comment_resolved")
EVENT_LABELS = {
    "comment": "commented",
    "comment_resolved": "resolved a comment",
    "review_policy": "changed how it is reviewed",
    "glossary_refresh": "approved newer glossary definitions for its approved text",
    "review_declined": "declined the review",
    "review_due_changed": "changed a review's due date",
    "invitation_revoked": "withdrew an invitation",
    "invitation_code_sent": "was sent an invitation code",
    "invitation_code_failed": "entered a wrong invitation code",
    "invitation_opened": "opened an invitation",
    "preview_shared": "shared a preview link",
    "preview_revoked": "revoked a preview link",
}


#: The article table as the review services check it: the same edges and actors, worded as review errors
#: (InvalidTransition, ReviewPermissionError), which the review pages show. The services check their finer
#: rules (eligibility, recusal, quorum) too; `article_transition` checks the same edge again when it applies it.
REVIEW_EDGES = ARTICLE_TABLE.raising(invalid=InvalidTransition, forbidden=ReviewPermissionError)


# --- review rounds ------------------------------------------------------------

#: A round only ever moves open → closed: a decision or a withdrawal closes it. Who may is the review
#: services' rule (a reviewer of the round, the author), checked before; so the table's actor is "anyone".
CLOSER = "review_services"
ROUND_TABLE = TransitionTable.declare(
    gettext_noop("review round"),
    [
        Transition("approve", {R.OPEN}, R.APPROVED, CLOSER, gettext_noop("approve it")),
        Transition("request_changes", {R.OPEN}, R.CHANGES_REQUESTED, CLOSER, gettext_noop("request changes")),
        Transition("reject", {R.OPEN}, R.REJECTED, CLOSER, gettext_noop("reject it")),
        Transition("withdraw", {R.OPEN}, R.WITHDRAWN, CLOSER, gettext_noop("withdraw it from review")),
    ],
    actors={CLOSER: Actor(gettext_noop("a reviewer of the round"), anyone)},
    state_of=lambda round_: round_.status,
    state_label=lambda status: ReviewRound.Status(status).label.lower(),
    invalid=InvalidTransition,
    forbidden=ReviewPermissionError,
    edge_refusal_text=gettext_noop("This review round is already closed. Reload the page to see its state."),
)


def round_close(round_: ReviewRound, action: str) -> ReviewRound:
    """Close an open (locked) round for `action`; the article's audit event for the action records it."""
    transition = ensure_transition(ROUND_TABLE, round_, action, acting_user=None)
    round_.status = transition.target
    round_.closed_at = timezone.now()
    round_.save(update_fields=["status", "closed_at"])
    return round_


def refresh_round_record(**fields) -> ReviewRound:
    """Create a glossary-refresh round, approved from the start (the one place a round is born closed).

    A refresh is one board member's signed approval of newer glossary
    definitions beside text the board already approved: there is nothing to
    wait for, so the round is never open (and never blocks the article's own
    open round). review.services.article_glossary_refresh checks who may.
    """
    now = timezone.now()
    return ReviewRound.objects.create(
        kind=ReviewRound.Kind.GLOSSARY_REFRESH,
        status=R.APPROVED,
        submitted_at=now,
        closed_at=now,
        required_approvals=1,
        **fields,
    )


# --- People ---------------------------------------------------------------


def credential_valid(member: BoardMember, on: dt.date | None = None) -> bool:
    """Return True if the member's credential is verified through the given day (today by default)."""
    on = on or timezone.localdate()
    return member.credential_verified_until is not None and member.credential_verified_until >= on


def article_text_for_disclosures(article: Article) -> str:
    """Return the article text a disclosure is matched against: title, condition, drugs, summary, body, variants."""
    parts = [article.title, article.condition, article.drugs, article.summary, article.body]
    for variant in article.variants.all():
        parts += [variant.summary, variant.body]
    return "\n".join(parts)


@dataclass(frozen=True)
class ArticleFacts:
    """What the people rules need to know of one article: its authors and the text disclosures match."""

    author_ids: frozenset[int]
    text: str


def article_facts(articles) -> dict[int, ArticleFacts]:
    """Return the facts of many articles at once, keyed by article id: two queries whatever their number.

    The articles must carry title, condition, drugs, summary and body; their
    authors and audience variants are read here in bulk.
    """
    articles = list(articles)
    ids = [a.pk for a in articles]
    authors: dict[int, set[int]] = {pk: set() for pk in ids}
    for article_id, user_id in Article.authors.through.objects.filter(article_id__in=ids).values_list(
        "article_id", "user_id"
    ):
        authors[article_id].add(user_id)
    texts: dict[int, list[str]] = {a.pk: [a.title, a.condition, a.drugs, a.summary, a.body] for a in articles}
    variants = (
        ArticleVariant.objects.filter(article_id__in=ids)
        .order_by("audience__order", "audience__name", "pk")
        .values_list("article_id", "summary", "body")
    )
    for article_id, summary, body in variants:
        texts[article_id] += [summary, body]
    return {pk: ArticleFacts(frozenset(authors[pk]), "\n".join(texts[pk])) for pk in ids}


def recusal_terms(member: BoardMember, article: Article, *, text: str | None = None) -> list[str]:
    """Return the disclosed drugs, conditions and companies that the article mentions (case-insensitive)."""
    text = article_text_for_disclosures(article) if text is None else text
    found = []
    for term in member.disclosed_terms():
        # Whole words only, so a disclosed "Merck" does not match "Merckx".
        if re.search(rf"(?<!\w){re.escape(term)}(?!\w)", text, flags=re.IGNORECASE):
            found.append(term)
    return found


def recusal_reason(terms: list[str]) -> str:
    """Return the sentence that tells a board member why they are recused."""
    if not terms:
        return ""
    listed = ", ".join(f"“{t}”" for t in terms)
    return gettext(
        "Recused: your conflict-of-interest disclosures name %(listed)s, which this "
        "article mentions. Another board member must review it."
    ) % {"listed": listed}


def ineligibility_reason(
    member: BoardMember | None,
    article: Article,
    *,
    user=None,
    text: str | None = None,
    facts: ArticleFacts | None = None,
) -> str:
    """Return why this board member may not review this article, or "" if they may.

    With `facts` (from `article_facts`) it reads nothing from the database, so
    a page of rounds times the whole board costs no query per pair.
    """
    if facts is not None:
        text = facts.text
    if member is None:
        return gettext("Only members of the Medical Advisory Board can review articles.")
    if not member.active:
        return gettext("%(display_name)s is not an active board member.") % {"display_name": member.display_name}
    if not credential_valid(member):
        if member.credential_verified_until:
            return gettext(
                "%(name)s's credential verification has lapsed (valid until %(date)s). "
                "Ask an editor to re-verify it before reviewing."
            ) % {"name": member.display_name, "date": f"{member.credential_verified_until:%Y-%m-%d}"}
        return gettext(
            "%(name)s's credential verification has lapsed. Ask an editor to re-verify it before reviewing."
        ) % {"name": member.display_name}
    if roles.is_article_author(article, user or member.user, author_ids=facts.author_ids if facts else None):
        return gettext("%(display_name)s is an author of this article and cannot review it.") % {
            "display_name": member.display_name
        }
    if not member.reads(article.language):
        # A translation is medical content in its own language: only a reader of it can vouch for it.
        return gettext(
            "%(name)s does not review in %(language)s, the language of this article. "
            "Ask an editor to record the languages you review in."
        ) % {"name": member.display_name, "language": language_in_text(article.language)}
    return recusal_reason(recusal_terms(member, article, text=text))
