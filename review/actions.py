"""What a user may do on the review page now: claim, decide, comment, assign, change the review settings.

`available_actions` answers for one article from what the page already
loaded (its latest round with decisions, the user's board membership and
ineligibility reason), so it runs no query of its own; the queue passes the
facts it read in bulk for a whole page. Templates render a button for each
allowed action and the reason for a refused one. The services in
review/services.py enforce the same rules when the action is taken.
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

from articles.models import Article, GlossaryDefinition
from cms import roles
from cms.actions import Action, action, reverse_one
from cms.languages import language_in_text

from . import workflow
from .models import BoardMember, GlossaryApproval, ReviewDecision, ReviewRound

NOT_A_MEMBER = gettext_noop("Only members of the Medical Advisory Board can review articles.")
CLOSED = gettext_noop("This review round is closed.")


def available_actions(
    article: Article,
    user,
    *,
    round_: ReviewRound | None,
    decisions: list[ReviewDecision],
    member: BoardMember | None,
    reason: str = "",
) -> dict[str, Action]:
    """Return the review actions on `article` for `user`, each allowed or refused with the reason.

    `round_` is the article's latest round, `decisions` its decisions,
    `member` the user's board membership (None if they have none) and
    `reason` why that member may not review this article
    (`workflow.ineligibility_reason`, "" if they may).
    """
    slug = article.slug
    is_open = round_ is not None and round_.status == ReviewRound.Status.OPEN
    seat = next((d for d in decisions if member is not None and d.reviewer_id == member.pk), None)
    is_editor = roles.is_editor(user)

    def board_refusal() -> str:
        if member is None:
            return gettext(NOT_A_MEMBER)
        if not is_open:
            return gettext(CLOSED)
        return reason

    actions: dict[str, Action] = {}

    url = reverse_one("review:claim", slug, kwarg="slug")
    why = board_refusal()
    if not why and seat is not None:
        why = gettext("You already hold a seat on this review.")
    if not why:
        why = workflow.REVIEW_EDGES.edge_refusal(article, "claim")
    actions["claim"] = action("claim", gettext("Claim this review"), url, why)

    url = reverse_one("review:decide", slug, kwarg="slug")
    why = board_refusal()
    if not why and seat is None:
        why = gettext("Claim the review (or be assigned to it) before deciding.")
    if not why and seat.decision:
        why = gettext("You already decided: %(decision)s.") % {"decision": seat.get_decision_display().lower()}
    if not why and article.status != Article.Status.IN_REVIEW:
        why = gettext("“%(title)s” is %(status)s; decisions are taken while it is in review.") % {
            "title": article.title,
            "status": article.get_status_display().lower(),
        }
    label = gettext("Record my decision")
    actions["decide"] = action("decide", label, url, why)

    url = reverse_one("review:comment_add", slug, kwarg="slug")
    why = board_refusal()
    if not why and seat is None:
        why = gettext("Only the reviewers of this round can comment; claim the review first.")
    actions["comment"] = action("comment", gettext("Add comment"), url, why)

    editor_only = gettext("Only editors can do this.")
    url = reverse_one("review:assign", slug, kwarg="slug")
    why = editor_only if not is_editor else ("" if is_open else gettext(CLOSED))
    actions["assign"] = action("assign", gettext("Assign"), url, why)

    url = reverse_one("review:policy", slug, kwarg="slug")
    label = gettext("Save review settings")
    actions["policy"] = action("policy", label, url, "" if is_editor else editor_only)
    return actions


def available_actions_for_items(items, user, *, member: BoardMember | None) -> None:
    """Set `.actions` on each queue item (from review.selectors.queue_items): no query per item.

    The items carry their round, its prefetched decisions and the member's
    ineligibility reason, all read in bulk for the page.
    """
    for item in items:
        item.actions = available_actions(
            item.article, user, round_=item.round, decisions=item.decisions, member=member, reason=item.reason
        )


def _glossary_member_refusal(member: BoardMember | None, user) -> str:
    if member is None or not roles.is_board_member(user):
        return gettext("Only members of the Medical Advisory Board approve glossary definitions.")
    if not member.active:
        return gettext("Inactive board members cannot decide.")
    if not workflow.credential_valid(member):
        return gettext("Your credential is not verified for today.")
    return ""


def glossary_definition_actions(
    definition: GlossaryDefinition, user, *, member: BoardMember | None, decided: set[int]
) -> dict[str, Action]:
    """Return approve / reject for a proposed definition; `decided` holds the ids the member already decided on."""
    why = _glossary_member_refusal(member, user)
    if not why and definition.status != GlossaryDefinition.Status.PROPOSED:
        why = gettext("This version is %(status)s.") % {"status": definition.get_status_display().lower()}
    if not why and definition.proposed_by_id == getattr(user, "pk", None):
        why = gettext("You proposed this wording; another board member must approve it.")
    if not why and definition.pk in decided:
        why = gettext("You already decided on this version.")
    if not why and not member.reads(definition.glossary_term.language):
        why = gettext("You do not review in %(language)s, the language of this term.") % {
            "language": language_in_text(definition.glossary_term.language)
        }
    url = reverse_one("review:glossary_decide", definition.pk, kwarg="pk")
    return {
        "approve": action("approve", gettext("Approve this wording"), url, why),
        "reject": action("reject", gettext("Reject"), url, why),
    }


def glossary_refresh_action(article: Article, user, *, member: BoardMember | None, changed: bool) -> Action:
    """Return the "approve the newer glossary for this page" action of one article."""
    why = _glossary_member_refusal(member, user)
    if not why and roles.is_article_author(article, user):
        why = gettext("You are an author of this article.")
    if not why and not member.reads(article.language):
        why = gettext("You do not review in %(language)s, the language of this article.") % {
            "language": language_in_text(article.language)
        }
    if not why and not changed:
        why = gettext("Its glossary definitions are the approved ones already.")
    url = reverse_one("review:glossary_refresh", article.slug, kwarg="slug")
    return action("glossary_refresh", gettext("Approve the newer definitions for its page"), url, why)


def glossary_decided_ids(member: BoardMember | None, definitions) -> set[int]:
    """Return the ids of the definitions (one page of them) this member already decided on: one query."""
    if member is None:
        return set()
    ids = [d.pk for d in definitions]
    return set(
        GlossaryApproval.objects.filter(member=member, definition_id__in=ids).values_list("definition_id", flat=True)
    )
