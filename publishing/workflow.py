"""The publishing workflow: the one table of allowed publication state changes, and its guard.

`TRANSITIONS` (a table of the one kit, cms/workflow.py) is the only place
that says which state a publication action may start from, where it leads,
who may take it and what the history calls it; the kit's
`ensure_transition(TRANSITIONS, …)` is the only guard that checks it, and
`publishing.services.transitions.publication_transition` the only code that
applies it (a test checks that no other code assigns ``Publication.state``).

Who may act:

- ``editor``: a member of the Editors group (or a superuser), checked here;
- ``approver``: the board member whose approval publishes automatically
  (AUTO_PUBLISH_ON_APPROVAL); the approval service checked them;
- ``system``: the publisher, the scheduler and the hooks of other services
  (archiving, evidence), which run in a job or inside a service that already
  checked its own actor. The history records the person who asked for it.
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

from cms import roles
from cms.actions import Action, reverse_one
from cms.actions import action as make_action
from cms.workflow import Actor, Transition, TransitionTable, anyone

from .exceptions import InvalidPublicationState, PublishingPermissionError
from .models import Publication

S = Publication.State

#: The state of a publication that does not exist yet (creation is an edge too).
NEW = ""

EDITOR = "editor"
APPROVER = "approver"
SYSTEM = "system"


def _t(action: str, sources: set[str], target: str, who: str, label: str, event: str) -> Transition:
    return Transition(action, frozenset(sources), target, who, label, event)


def state_of(publication: Publication) -> str:
    """Return the publication's state, NEW when it is not saved yet."""
    return publication.state if publication.pk else NEW


def _state_label(state: str) -> str:
    return "new" if state == NEW else Publication.State(state).label.lower()


TRANSITIONS = TransitionTable.declare(
    gettext_noop("publishing"),
    [
        _t("request", {NEW}, S.PENDING, EDITOR, gettext_noop("publish it"), "publication_requested"),
        _t("schedule", {NEW}, S.SCHEDULED, EDITOR, gettext_noop("schedule it"), "publication_scheduled"),
        _t(
            "request_on_approval",
            {NEW},
            S.PENDING,
            APPROVER,
            gettext_noop("publish it on approval"),
            "publication_requested",
        ),
        _t("release", {S.SCHEDULED}, S.PENDING, SYSTEM, gettext_noop("release it"), "publication_released"),
        _t(
            "expire_unreleased",
            {S.SCHEDULED},
            S.WITHDRAWN,
            SYSTEM,
            gettext_noop("let it expire before going live"),
            "publication_expired_unreleased",
        ),
        _t("go_live", {S.PENDING}, S.LIVE, SYSTEM, gettext_noop("put it live"), "published"),
        _t(
            "supersede",
            {S.PENDING, S.LIVE},
            S.SUPERSEDED,
            SYSTEM,
            gettext_noop("supersede it"),
            "publication_superseded",
        ),
        _t("fail", {S.PENDING, S.SCHEDULED}, S.FAILED, SYSTEM, gettext_noop("mark it failed"), "publication_failed"),
        _t("retry", {S.FAILED}, S.PENDING, EDITOR, gettext_noop("retry it"), "publication_retried"),
        _t("retry_scheduled", {S.FAILED}, S.SCHEDULED, EDITOR, gettext_noop("retry it"), "publication_retried"),
        _t(
            "withdraw",
            {S.LIVE, S.PENDING, S.SCHEDULED},
            S.WITHDRAWN,
            EDITOR,
            gettext_noop("withdraw it"),
            "publication_withdrawn",
        ),
        _t(
            "withdraw_on_archive",
            {S.LIVE, S.PENDING, S.SCHEDULED},
            S.WITHDRAWN,
            SYSTEM,
            gettext_noop("withdraw it"),
            "publication_withdrawn",
        ),
        # A translation whose source changed a dose (TRANSLATION_ON_SIGNIFICANT_CHANGE = "withdraw").
        _t(
            "withdraw_on_source_change",
            {S.LIVE, S.PENDING, S.SCHEDULED},
            S.WITHDRAWN,
            SYSTEM,
            gettext_noop("withdraw it"),
            "publication_withdrawn",
        ),
        _t("expire", {S.LIVE}, S.WITHDRAWN, SYSTEM, gettext_noop("let it expire"), "publication_expired"),
    ],
    actors={
        EDITOR: Actor(
            gettext_noop("editors"),
            lambda publication, user: roles.is_editor(user),
            gettext_noop(
                "Only editors can %(label)s. Ask a member of the Editors group, or an administrator, to do it."
            ),
        ),
        # The approval service checked the approving board member before it asks.
        APPROVER: Actor(gettext_noop("the approving board member"), anyone),
        # The publisher, the scheduler and other services' hooks checked their own actor.
        SYSTEM: Actor(gettext_noop("the publisher"), anyone),
    },
    state_of=state_of,
    state_label=_state_label,
    invalid=InvalidPublicationState,
    forbidden=PublishingPermissionError,
    edge_refusal_text=gettext_noop(
        "This publication is %(now)s, so you cannot %(label)s now (only when it is "
        "%(allowed)s). Reload the page to see its current state."
    ),
)
#: The publication table under the name the kit's other tables use.
PUBLICATION_TABLE = TRANSITIONS

#: How each audit event of the table reads in a history (audit.registry, registered in apps.ready()).
EVENT_LABELS = {
    "publication_requested": "asked for it to be published",
    "publication_scheduled": "scheduled it to go live",
    "published": "published it",
    "publication_superseded": "had a publication superseded by a newer one",
    "publication_withdrawn": "withdrew the published page",
    "publication_expired": "let the published page expire",
    "publication_released": "released a scheduled publication to the publisher",
    "publication_expired_unreleased": "let a scheduled publication expire before it went live",
    "publication_failed": "publishing failed",
    "publication_retried": "retried a failed publication",
}

#: States a publication waits in before the publisher takes it.
OPEN_STATES = (S.PENDING, S.SCHEDULED)
#: States from which it can be taken down (withdraw).
WITHDRAWABLE_STATES = (S.LIVE, *OPEN_STATES)


allowed_actions = TRANSITIONS.allowed_actions


def refusal(publication: Publication, action: str, user=None) -> str:
    """Return why `user` may not take `action` on the publication now, or "" if they may."""
    return TRANSITIONS.refusal(publication, action, user)


def ensure_actor(action: str, user) -> None:
    """Raise PublishingPermissionError if `user` may not take `action` at all (checked before any work)."""
    reason = TRANSITIONS.actor_refusal(None, action, user)
    if reason:
        raise PublishingPermissionError(reason)


# --- what an editor may do now (the desk's buttons) -----------------------------

# Desk button -> (table action, label, URL name, URL argument: "pk" of the publication or "slug" of its article).
_PUBLICATION_BUTTONS = {
    "retry": ("retry", gettext_noop("Retry"), "publishing:retry", "pk"),
    "withdraw": ("withdraw", gettext_noop("Withdraw…"), "publishing:withdraw", "slug"),
}


def available_actions(publication: Publication, user) -> dict[str, Action]:
    """Return the desk's actions on this publication for `user`, allowed or with the reason why not.

    Reads only the publication's state and the user's roles (cached on the
    user), so a page of publications costs no query per row. Retry covers
    both retry edges (the service picks pending or scheduled).
    """
    actions = {}
    for name, (edge, label, url_name, arg) in _PUBLICATION_BUTTONS.items():
        if name == "withdraw" and publication.state == S.SCHEDULED:
            label = gettext_noop("Cancel…")
        value = publication.pk if arg == "pk" else publication.article.slug
        url = reverse_one(url_name, value)
        why = refusal(publication, edge, user)
        actions[name] = make_action(name, gettext(label), url, why)
    return actions


def available_article_actions(article, user, *, provisional_enabled: bool = False) -> dict[str, Action]:
    """Return the desk's actions that create a publication of the article: publish now, schedule, provisional.

    An article awaiting publication offers publish and schedule; one with the
    board offers provisional publishing when the site allows it. No query.
    """
    new = Publication()
    in_review = article.status in ("submitted", "in_review")
    buttons = [
        ("publish", "request", gettext_noop("Publish now…"), "publishing:publish"),
        ("schedule", "schedule", gettext_noop("Schedule…"), "publishing:schedule"),
        ("publish_provisional", "request", gettext_noop("Publish provisionally…"), "publishing:publish_provisional"),
    ]
    actions = {}
    for name, edge, label, url_name in buttons:
        url = reverse_one(url_name, article.slug)
        why = refusal(new, edge, user)
        if not why and name == "publish_provisional" and not (provisional_enabled and in_review):
            why = gettext("Provisional publishing is off, or the article is not with the board.")
        if not why and name != "publish_provisional" and article.last_approved_revision_id is None:
            why = gettext("Nothing approved yet: only text the board approved can be published.")
        actions[name] = make_action(name, gettext(label), url, why)
    return actions
