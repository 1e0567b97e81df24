"""The one workflow kit (cms/workflow.py): one table type, one guard, one `ensure_transition`, used by every app."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from articles.workflow import ARTICLE_TABLE, GLOSSARY_TABLE
from cms.workflow import Actor, Transition, TransitionTable, anyone, ensure_transition
from publishing.workflow import PUBLICATION_TABLE
from review.exceptions import InvalidTransition, ReviewPermissionError
from review.workflow import REVIEW_EDGES, ROUND_TABLE

ROOT = Path(__file__).resolve().parents[1]


class Refused(Exception):
    pass


class NotYou(Exception):
    pass


@dataclass
class Thing:
    state: str
    owner: str = "ann"


@dataclass
class Person:
    name: str


DOOR = TransitionTable.declare(
    "door",
    [
        Transition("open", {"shut"}, "open", "owner", "open it"),
        Transition("slam", {"open"}, "shut", "anyone", "slam it", event="door_slammed"),
    ],
    actors={
        "owner": Actor("its owner", lambda thing, user: user is not None and user.name == thing.owner),
        "anyone": Actor("anybody", anyone),
    },
    state_of=lambda thing: thing.state,
    state_label=str,
    invalid=Refused,
    forbidden=NotYou,
)


def test_the_guard_checks_the_edge_before_the_actor_and_returns_the_transition():
    shut = Thing("shut")
    assert ensure_transition(DOOR, shut, "open", acting_user=Person("ann")).target == "open"
    with pytest.raises(NotYou, match="Only its owner can open it"):
        ensure_transition(DOOR, shut, "open", acting_user=Person("bob"))
    # A stale page (the door is already open) is told to reload, whoever asks.
    with pytest.raises(Refused, match="This is open, so you cannot open it now .only when it is shut."):
        ensure_transition(DOOR, Thing("open"), "open", acting_user=Person("bob"))
    with pytest.raises(Refused, match="not a door workflow action"):
        ensure_transition(DOOR, shut, "paint", acting_user=None)


def test_refusal_words_without_raising_and_events_default_to_the_action():
    assert DOOR.refusal(Thing("shut"), "open", Person("ann")) == ""
    assert "Only its owner" in DOOR.refusal(Thing("shut"), "open", None)
    assert DOOR.allowed_actions("open") == ["slam"]
    assert DOOR["open"].event == "open" and DOOR["slam"].event == "door_slammed"
    assert list(DOOR) == ["open", "slam"] and len(DOOR) == 2


def test_a_table_refuses_a_repeated_action_or_an_undefined_actor():
    options = dict(state_of=lambda t: t.state, state_label=str, invalid=Refused, forbidden=NotYou)
    with pytest.raises(ValueError, match="twice"):
        TransitionTable.declare(
            "bad", [Transition("a", {"x"}, "y", "me", "a"), Transition("a", {"y"}, "x", "me", "a")],
            actors={"me": Actor("me", anyone)}, **options,
        )  # fmt: skip
    with pytest.raises(ValueError, match="does not define"):
        TransitionTable.declare("bad", [Transition("a", {"x"}, "y", "ghost", "a")], actors={}, **options)


def test_raising_keeps_the_edges_and_changes_only_the_errors():
    assert REVIEW_EDGES.transitions is ARTICLE_TABLE.transitions
    assert (REVIEW_EDGES.invalid, REVIEW_EDGES.forbidden) == (InvalidTransition, ReviewPermissionError)


def test_every_state_machine_is_a_table_of_the_kit():
    for table in (ARTICLE_TABLE, GLOSSARY_TABLE, ROUND_TABLE, PUBLICATION_TABLE):
        assert isinstance(table, TransitionTable)
        assert all(isinstance(t, Transition) for t in table.values())


def test_there_is_one_ensure_transition_and_one_transition_type():
    """No app defines its own guard or edge type again: the kit's are the only ones."""
    defined = []
    for app in ("cms", "articles", "review", "publishing", "evidence", "audit", "ops"):
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.FunctionDef) and node.name == "ensure_transition":
                    defined.append(f"{path.relative_to(ROOT)}:def ensure_transition")
                if isinstance(node, ast.ClassDef) and node.name in ("Transition", "TransitionTable"):
                    defined.append(f"{path.relative_to(ROOT)}:class {node.name}")
    assert sorted(defined) == [
        "cms/workflow.py:class Transition",
        "cms/workflow.py:class TransitionTable",
        "cms/workflow.py:def ensure_transition",
    ]
