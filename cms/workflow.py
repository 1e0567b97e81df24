"""The one workflow kit: a transition table type, its guard, and the one `ensure_transition`.

Every state machine of the project declares its table with this kit:

- articles/workflow.py: an article's status (`ARTICLE_TABLE`, applied by
  `article_transition`) and a glossary definition's (`GLOSSARY_TABLE`);
- review/workflow.py: a review round's (`ROUND_TABLE`, applied by
  `round_close`); the board's steps are edges of the article table;
- publishing/workflow.py: a publication's (`PUBLICATION_TABLE`, applied by
  `publishing.services.transitions.publication_transition`).

A table is a mapping of action name → `Transition` (from states, to state,
who may, how a refusal and the audit event read) plus the actors it knows
and the two error types it raises. `ensure_transition(table, obj, action,
acting_user=...)` is the only guard: it checks the edge first (a stale page
gets "reload"), then the actor, and raises the table's ``invalid`` or
``forbidden`` error, or returns the transition. `TransitionTable.refusal`
says the same thing without raising, for the buttons of `available_actions`.

The kit knows no model: it reads the state through the table's
``state_of`` and words states with ``state_label``, so it lives here in the
project package and every app may import it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace

from django.utils.translation import gettext, gettext_noop

ONLY_WHO = gettext_noop("Only %(who)s can %(label)s.")
EDGE_REFUSAL = gettext_noop(
    "This is %(now)s, so you cannot %(label)s now (only when it is %(allowed)s). "
    "Reload the page to see its current state."
)


@dataclass(frozen=True)
class Transition:
    """One edge of a table: the action, the states it starts from, where it leads, who may take it."""

    action: str
    sources: frozenset[str]
    target: str
    who: str
    label: str  # "you cannot <label> now" (gettext_noop'd by the table)
    event: str = ""  # the audit event's action; the action's own name when empty
    event_label: str = ""  # how the audit event reads after the actor's name, when the table words it

    def __post_init__(self) -> None:
        object.__setattr__(self, "sources", frozenset(self.sources))
        if not self.event:
            object.__setattr__(self, "event", self.action)


@dataclass(frozen=True)
class Actor:
    """Who may take an edge: a description for refusals and the test (obj, user) -> bool."""

    description: str  # gettext_noop'd: "an editor"
    allows: Callable[[object, object], bool]
    refusal: str = ""  # gettext_noop'd sentence with %(who)s and %(label)s; the table's default when empty


def anyone(obj, user) -> bool:
    """Actor test of edges whose caller already checked a finer rule (a job, a hook, a board service)."""
    return True


@dataclass(frozen=True)
class TransitionTable(Mapping):
    """The allowed edges of one state machine, the actors they name, and the errors its guard raises."""

    name: str  # gettext_noop'd: "article", "publishing": words the refusal for an unknown action
    transitions: Mapping[str, Transition]
    actors: Mapping[str, Actor]
    state_of: Callable[[object], str]
    state_label: Callable[[str], str]
    invalid: type[Exception]
    forbidden: type[Exception]
    #: gettext_noop'd; gets %(now)s, %(label)s, %(allowed)s and whatever `describe(obj)` returns.
    edge_refusal_text: str = EDGE_REFUSAL
    describe: Callable[[object], dict] = field(default=lambda obj: {})

    @classmethod
    def declare(cls, name: str, transitions: Iterable[Transition], **options) -> TransitionTable:
        """Build a table from its edges (each action once)."""
        edges: dict[str, Transition] = {}
        for transition in transitions:
            if transition.action in edges:
                raise ValueError(f"The {name} table names “{transition.action}” twice.")
            edges[transition.action] = transition
        table = cls(name, edges, **options)
        unknown = {t.who for t in edges.values()} - set(table.actors)
        if unknown:
            raise ValueError(f"The {name} table names actors it does not define: {sorted(unknown)}.")
        return table

    def raising(self, *, invalid: type[Exception], forbidden: type[Exception]) -> TransitionTable:
        """Return the same table raising another app's error types (review words the article's edges its way)."""
        return replace(self, invalid=invalid, forbidden=forbidden)

    # Mapping: table[action] is the Transition; iterating gives the action names.
    def __getitem__(self, action: str) -> Transition:
        return self.transitions[action]

    def __iter__(self) -> Iterator[str]:
        return iter(self.transitions)

    def __len__(self) -> int:
        return len(self.transitions)

    def __hash__(self) -> int:
        return hash((self.name, id(self.transitions)))

    def allowed_actions(self, state: str) -> list[str]:
        """Return the actions the table allows from this state."""
        return [name for name, t in self.transitions.items() if state in t.sources]

    def can(self, obj, action: str) -> bool:
        """Return True if the table allows `action` from the object's current state (actor not checked)."""
        return self.state_of(obj) in self.transitions[action].sources

    def edge_refusal(self, obj, action: str) -> str:
        """Return why the table refuses `action` from the object's state, or "" if the edge exists."""
        transition = self.transitions.get(action)
        if transition is None:
            words = {"action": action, "name": gettext(self.name)}
            return gettext("“%(action)s” is not a %(name)s workflow action.") % words
        state = self.state_of(obj)
        if state in transition.sources:
            return ""
        allowed = ", ".join(sorted(self.state_label(s) for s in transition.sources))
        words = {"now": self.state_label(state), "label": gettext(transition.label), "allowed": allowed}
        return gettext(self.edge_refusal_text) % {**words, **self.describe(obj)}

    def actor_refusal(self, obj, action: str, user) -> str:
        """Return why `user` may not take `action` on the object, or "" if they may."""
        transition = self.transitions[action]
        actor = self.actors[transition.who]
        if actor.allows(obj, user):
            return ""
        sentence = actor.refusal or ONLY_WHO
        return gettext(sentence) % {"who": gettext(actor.description), "label": gettext(transition.label)}

    def refusal(self, obj, action: str, user) -> str:
        """Return why `user` may not take `action` on the object now (edge first, then actor), or ""."""
        return self.edge_refusal(obj, action) or self.actor_refusal(obj, action, user)


def ensure_transition(table: TransitionTable, obj, action: str, *, acting_user) -> Transition:
    """Return the transition for `action` on `obj`, or raise the table's ``invalid`` / ``forbidden`` error.

    The edge is checked before the actor, so a page loaded before somebody
    else moved the object tells its reader to reload rather than that they
    lack a role.
    """
    reason = table.edge_refusal(obj, action)
    if reason:
        raise table.invalid(reason)
    reason = table.actor_refusal(obj, action, acting_user)
    if reason:
        raise table.forbidden(reason)
    return table.transitions[action]
