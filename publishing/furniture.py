"""Page furniture: who may propose and approve a change, which versions a page shows, the render fingerprint.

Furniture is what a stored article page shows besides the approved article:
the disclaimer of its audience, the editorial policy (linked from every page)
and the board members it names (their biographies and disclosures on
/board/). A change is proposed, then approved by someone else
(``approval_refusal``, the one rule); only approved values are ever on the
Disclaimer, EditorialPolicy and BoardMember rows, so a proposal reaches no
page. Each stored page records the versions it was rendered with
(``page_furniture``) and ``provenance.json`` lists them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
from pathlib import Path

from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext

from cms import languages, roles
from review.models import BoardMember

from .models import Disclaimer, EditorialPolicy, FurnitureChange

Kind = FurnitureChange.Kind

# The fields of each kind a proposal may change (and approval copies onto the object).
FIELDS: dict[str, tuple[str, ...]] = {
    Kind.DISCLAIMER: ("name", "text"),
    Kind.POLICY: ("title", "body"),
    Kind.BOARD_MEMBER: ("bio", "disclosures"),
}


def proposal_refusal(user, *, kind: str, board_member: BoardMember | None = None) -> str:
    """Return why user may not propose this change ("" if they may): editors, or a member for their own entry."""
    if not getattr(user, "is_authenticated", False):
        return gettext("Sign in to propose a change.")
    if roles.is_editor(user):
        return ""
    if kind == Kind.BOARD_MEMBER and board_member is not None and board_member.user_id == user.pk:
        return ""
    return gettext("Only editors propose changes to disclaimers, the editorial policy and the board's entries.")


def approval_refusal(change: FurnitureChange, user) -> str:
    """Return why user may not approve (or reject) this change, "" if they may. The one rule of furniture.

    A second pair of eyes: an editor or a board member, never the person who
    proposed it, and never the board member whose own biography it is. A
    disclaimer is medical-legal text and a disclosure is a conflict of
    interest: neither should go live on one person's word, but neither needs
    the article quorum either, so any one other editor or board member does.
    """
    if not getattr(user, "is_authenticated", False):
        return gettext("Sign in to approve a change.")
    if change.state != FurnitureChange.State.PROPOSED:
        return gettext("This change is already %(state)s.") % {"state": change.get_state_display().lower()}
    if not (roles.is_editor(user) or roles.is_board_member(user)):
        return gettext("Only editors and board members approve changes to page furniture.")
    if change.proposed_by_id == user.pk:
        return gettext("You proposed this change; another editor or board member must approve it.")
    if change.board_member_id is not None and change.board_member.user_id == user.pk:
        return gettext("This is your own biography; another editor or board member must approve it.")
    return ""


# --- the versions a page is rendered with --------------------------------------


@dataclasses.dataclass(frozen=True)
class FurnitureState:
    """What every page of one render run shares: the disclaimers in force, the policy, every version number."""

    disclaimers: tuple[Disclaimer, ...]
    policies: dict[str, EditorialPolicy]  # language -> the policy in it
    versions: dict[tuple[str, int], int]

    def policy_for(self, language: str | None = None) -> EditorialPolicy | None:
        """Return the editorial policy a page in this language links to: its own language's, else the source's."""
        default = languages.default_language()
        code = languages.base(language) if language else default
        return self.policies.get(code) or self.policies.get(default)

    def version(self, kind: str, object_id: int) -> int:
        """Return the approved version of an object (0: as it was before furniture was versioned)."""
        return self.versions.get((kind, object_id), 0)

    def disclaimer_for(self, audience_id: int | None, language: str | None = None) -> Disclaimer | None:
        """Return the disclaimer in force for an audience and a language.

        The audience's own disclaimer comes before the all-audiences one (its
        wording matters more than its language), each in the page's language
        first, then in the source language. A caller compares the result's
        ``language`` with the page's to say that it is shown untranslated.
        """
        language = languages.base(language) if language else languages.default_language()
        wanted = [language] if language == languages.default_language() else [language, languages.default_language()]
        for audience in (audience_id, None) if audience_id is not None else (None,):
            for code in wanted:
                for disclaimer in self.disclaimers:
                    if disclaimer.audience_id == audience and languages.base(disclaimer.language) == code:
                        return disclaimer
        return None


def furniture_state(now: dt.datetime | None = None) -> FurnitureState:
    """Load the furniture in force (three queries, whatever the number of pages rendered with it)."""
    now = now or timezone.now()
    disclaimers = tuple(
        Disclaimer.objects.filter(active=True, effective_from__lte=now).order_by("-effective_from", "-pk")
    )
    policies: dict[str, EditorialPolicy] = {}
    for policy in EditorialPolicy.objects.only("pk", "language").order_by("-pk"):
        policies[languages.base(policy.language)] = policy  # the first of a language (by id) wins
    versions: dict[tuple[str, int], int] = {}
    rows = (
        FurnitureChange.objects.filter(state=FurnitureChange.State.APPROVED)
        .values("kind", "disclaimer_id", "policy_id", "board_member_id")
        .annotate(latest=Max("version"))
        .order_by()
    )
    for row in rows:
        object_id = row["disclaimer_id"] or row["policy_id"] or row["board_member_id"]
        versions[(row["kind"], object_id)] = row["latest"] or 0
    return FurnitureState(disclaimers=disclaimers, policies=policies, versions=versions)


def page_furniture(
    state: FurnitureState, *, audience_id: int | None, board_member_ids: list[int], language: str | None = None
) -> dict:
    """Return the furniture versions of one page: its disclaimer, its language's policy, each board member it names."""
    disclaimer = state.disclaimer_for(audience_id, language)
    policy = state.policy_for(language)
    return {
        "disclaimer": (
            {"id": disclaimer.pk, "version": state.version(Kind.DISCLAIMER, disclaimer.pk), "name": disclaimer.name}
            if disclaimer
            else None
        ),
        "editorial_policy": (
            {"id": policy.pk, "version": state.version(Kind.POLICY, policy.pk), "language": policy.language}
            if policy
            else None
        ),
        "board_members": [
            {"id": member_id, "version": state.version(Kind.BOARD_MEMBER, member_id)}
            for member_id in sorted(set(board_member_ids))
        ],
    }


def board_member_column(board_member_ids: list[int]) -> str:
    """Return StoredPage.board_member_ids for these ids (",3,7,"; "" for none)."""
    ids = sorted(set(board_member_ids))
    return f",{','.join(str(i) for i in ids)}," if ids else ""


# --- the render fingerprint ----------------------------------------------------


def _files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file() and "src" not in path.relative_to(root).parts)


@functools.cache
def _fingerprint_of(roots: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for root in roots:
        base = Path(root)
        if not base.is_dir():
            continue
        for path in _files(base):
            digest.update(str(path.relative_to(base)).encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def render_fingerprint() -> str:
    """Return the hash of the template, static and catalogue files a stored page is made from (once per process).

    Every file of the project's template and static folders counts (a page
    includes base.html, its partials and the stylesheets' hashed names), and
    so does every file of the translation catalogues (settings.LOCALE_PATHS):
    a page's wording comes from them, so a changed translation re-renders the
    pages. Hashing a few unrelated files too only re-renders pages that did
    not need it, never misses one. ``static/studio/src`` (the editor's
    sources) is left out.
    """
    roots = [str(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])]
    roots += [str(d) for d in settings.STATICFILES_DIRS]
    roots += [str(d) for d in settings.LOCALE_PATHS]
    return _fingerprint_of(tuple(roots))
