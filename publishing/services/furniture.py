"""Page furniture changes (propose, approve, reject) and the background re-renders they and deploys start.

A change is a ``FurnitureChange`` row until someone other than the proposer
approves it (``publishing.furniture.approval_refusal``). Approval copies the
values onto the Disclaimer, EditorialPolicy or BoardMember in a reversion
revision credited to the approver, numbers the version, and records a
``RenderRun`` of exactly the stored pages that show it, in the same
transaction: its first batch is sent on commit, and beat's outbox sweep sends
it again if the broker was down or a worker died (``render_run_resend``).

``RenderRun`` batches re-render stored pages by keyset (id after the cursor),
``RENDER_BATCH_SIZE`` at a time, each page replaced in one UPDATE. A deploy's
run (``render_run_start_deploy``) takes the pages rendered with other
templates or stylesheets (``StoredPage.fingerprint``). Re-rendering reads the
article from its PublishedPage and never writes it.
"""

from __future__ import annotations

import datetime as dt
import logging

import reversion
from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from reversion.models import Version

from articles.models import Audience
from cms import languages
from cms.tasks import enqueue
from review.models import BoardMember
from textkit.text import MAX_LENGTHS, clean_text

from ..exceptions import FurnitureChangeInvalid, FurniturePermissionError
from ..export import export_site
from ..furniture import FIELDS, approval_refusal, furniture_state, proposal_refusal, render_fingerprint
from ..models import Disclaimer, EditorialPolicy, FurnitureChange, Publication, RenderRun, StoredPage
from ..pages import article_addresses, furniture_addresses, site_addresses, store_page
from ..purge import GENERATION_PREFIX, purge_paths

logger = logging.getLogger(__name__)

Kind = FurnitureChange.Kind
RENDER_RUN_STALE_AFTER = dt.timedelta(seconds=60)
_LIMITS = {"text": "disclaimer", "body": "policy", "bio": "disclaimer", "disclosures": "disclaimer"}


def _cleaned(kind: str, values: dict) -> dict:
    proposed = {}
    for name in FIELDS[kind]:
        value = clean_text(str(values.get(name) or "")).strip()
        limit = MAX_LENGTHS.get(_LIMITS.get(name, ""), 300)
        if len(value) > limit:
            raise FurnitureChangeInvalid(
                gettext("The %(name)s is %(count)s characters long; the most it takes is %(limit)s.")
                % {"name": name, "count": format(len(value), ","), "limit": format(limit, ",")}
            )
        proposed[name] = value
    if kind != Kind.BOARD_MEMBER and not all(proposed.values()):
        raise FurnitureChangeInvalid(gettext("Fill in the %(list)s.") % {"list": " and the ".join(FIELDS[kind])})
    return proposed


@transaction.atomic
def furniture_change_propose(
    *,
    acting_user,
    kind: str,
    values: dict,
    disclaimer: Disclaimer | None = None,
    audience: Audience | None = None,
    language: str = "",
    board_member: BoardMember | None = None,
    note: str = "",
) -> FurnitureChange:
    """Record a proposed change of a disclaimer (or a new one for an audience), the policy or a board entry.

    Nothing a reader sees changes until the proposal is approved.
    """
    refusal = proposal_refusal(acting_user, kind=kind, board_member=board_member)
    if refusal:
        raise FurniturePermissionError(refusal)
    if kind == Kind.BOARD_MEMBER and board_member is None:
        raise FurnitureChangeInvalid(gettext("Choose the board member whose entry changes."))
    if language and not languages.is_known(language):
        raise FurnitureChangeInvalid(gettext("“%(code)s” is not one of the site's languages.") % {"code": language})
    default = languages.default_language()
    code = languages.base(language) if language else default
    if kind == Kind.DISCLAIMER and disclaimer is not None:
        code = languages.base(disclaimer.language)  # a disclaimer's wording changes in its own language
    # The policy of that language (None: approving the change writes the language's first policy).
    policy = EditorialPolicy.objects.filter(language=code).order_by("pk").first() if kind == Kind.POLICY else None
    return FurnitureChange.objects.create(
        kind=kind,
        disclaimer=disclaimer if kind == Kind.DISCLAIMER else None,
        audience=audience if kind == Kind.DISCLAIMER and disclaimer is None else None,
        language=code,
        policy=policy,
        board_member=board_member if kind == Kind.BOARD_MEMBER else None,
        proposed=_cleaned(kind, values),
        note=(note or "").strip()[:300],
        proposed_by=acting_user,
        proposed_at=timezone.now(),
    )


def _locked(change: FurnitureChange, acting_user) -> FurnitureChange:
    change = FurnitureChange.objects.select_for_update(of=("self",)).select_related("board_member").get(pk=change.pk)
    refusal = approval_refusal(change, acting_user)
    if refusal:
        raise FurniturePermissionError(refusal)
    return change


def _apply(change: FurnitureChange, acting_user, now: dt.datetime) -> tuple[object, str, dict]:
    """Copy the approved values onto their object; return it, the public summary and the re-render scope."""
    values = change.proposed
    if change.kind == Kind.DISCLAIMER:
        if change.disclaimer_id is None:
            target = Disclaimer(
                audience=change.audience, language=change.language, active=True, effective_from=now, **values
            )
            target.save()
            summary = f"{target.name} added"
            scope = {"disclaimer": None, "audience": change.audience_id, "all": change.audience_id is None}
        else:
            target = Disclaimer.objects.select_for_update().get(pk=change.disclaimer_id)
            target.name, target.text = values["name"], values["text"]
            target.save(update_fields=["name", "text"])
            summary = f"{target.name} updated"
            scope = {"disclaimer": target.pk}
        change.disclaimer = target
    elif change.kind == Kind.POLICY:
        language = change.language or languages.default_language()
        target = EditorialPolicy.objects.select_for_update().filter(language=language).order_by("pk").first()
        if target is None:
            target = EditorialPolicy(updated_by=acting_user, language=language, **values)
            target.save()
        else:
            target.title, target.body, target.updated_by = values["title"], values["body"], acting_user
            target.save(update_fields=["title", "body", "updated_by", "updated_at"])
        summary = "Editorial policy updated" + _in_language(language)
        scope = {"all": True}
        change.policy = target
    else:
        target = BoardMember.objects.select_for_update().get(pk=change.board_member_id)
        language = change.language or languages.default_language()
        if language == languages.default_language():
            target.bio, target.disclosures = values["bio"], values["disclosures"]
            target.save(update_fields=["bio", "disclosures"])
        else:
            target.translations = {**(target.translations or {}), language: dict(values)}
            target.save(update_fields=["translations"])
        summary = f"Biography and disclosures of {target.display_name} updated" + _in_language(language)
        scope = {"board_member": target.pk}
    return target, summary, scope


def _in_language(language: str) -> str:
    """Return " (es)" for a change in a language other than the source, "" for the source (the change log's words)."""
    return "" if language == languages.default_language() else f" ({language})"


@transaction.atomic
def furniture_change_approve(change: FurnitureChange, *, acting_user) -> FurnitureChange:
    """Approve a proposed change: apply it as a new version credited to the approver, re-render its pages.

    The re-render is recorded (``RenderRun``) in this transaction and its
    first batch sent on commit; the public change log lists the change.
    """
    change = _locked(change, acting_user)
    now = timezone.now()
    with reversion.create_revision():
        target, summary, scope = _apply(change, acting_user, now)
        reversion.set_user(acting_user)
        reversion.set_comment(f"{summary} (proposed by {change.proposed_by.get_username()}).")
    object_filter = {
        Kind.DISCLAIMER: {"disclaimer": target},
        Kind.POLICY: {"policy": target},
        Kind.BOARD_MEMBER: {"board_member": target},
    }[change.kind]
    latest = FurnitureChange.objects.filter(state=FurnitureChange.State.APPROVED, **object_filter).aggregate(
        latest=Max("version")
    )["latest"]
    change.version = (latest or 0) + 1
    change.summary = summary
    change.revision = Version.objects.get_for_object(target).first().revision
    _decided(
        change,
        FurnitureChange.State.APPROVED,
        acting_user=acting_user,
        now=now,
        fields=["version", "summary", "revision", "disclaimer", "policy", "board_member"],
    )
    logger.info("Furniture change %s approved by %s: %s", change.pk, acting_user.get_username(), summary)
    run = render_run_create(reason=summary, scope=scope, change=change)
    transaction.on_commit(lambda: purge_paths(furniture_addresses()))
    if run is None:  # no stored page shows it yet: the lists still change
        transaction.on_commit(lambda: purge_paths(site_addresses()))
    return change


@transaction.atomic
def furniture_change_reject(change: FurnitureChange, *, acting_user, note: str = "") -> FurnitureChange:
    """Reject a proposed change; nothing a reader sees changes."""
    change = _locked(change, acting_user)
    fields = []
    if note.strip():
        change.note = note.strip()[:300]
        fields.append("note")
    _decided(change, FurnitureChange.State.REJECTED, acting_user=acting_user, now=timezone.now(), fields=fields)
    return change


def _decided(change: FurnitureChange, state: str, *, acting_user, now: dt.datetime, fields: list[str]) -> None:
    """Save a locked, checked change as approved or rejected: the one place its state is set."""
    change.state = state
    change.decided_by = acting_user
    change.decided_at = now
    change.save(update_fields=["state", "decided_by", "decided_at", *fields])


# --- background re-renders ---------------------------------------------------------


def render_run_pages(run: RenderRun) -> QuerySet[StoredPage]:
    """Return the live stored pages a run covers (its scope), in id order for the keyset."""
    pages = StoredPage.objects.filter(publication__state=Publication.State.LIVE)
    scope = run.scope or {}
    if "fingerprint" in scope:
        pages = pages.exclude(fingerprint=scope["fingerprint"])
    elif scope.get("all"):
        pass
    elif scope.get("board_member"):
        pages = pages.filter(board_member_ids__contains=f",{int(scope['board_member'])},")
    else:
        where = Q(pk__in=[])
        if scope.get("disclaimer"):
            where |= Q(furniture__disclaimer__id=scope["disclaimer"])
        if scope.get("audience"):
            where |= Q(audience_id=scope["audience"])
        pages = pages.filter(where)
    return pages.order_by("pk")


def render_run_create(*, reason: str, scope: dict, change: FurnitureChange | None = None) -> RenderRun | None:
    """Record a re-render of the stored pages in scope and send its first batch on commit (None: no page)."""
    now = timezone.now()
    run = RenderRun(reason=reason[:300], scope=scope, change=change, created_at=now, progressed_at=now)
    total = render_run_pages(run).count()
    if not total:
        return None
    run.total = total
    run.save()
    run_id = run.pk
    transaction.on_commit(lambda: enqueue("publishing.tasks.render_batch", run_id))
    return run


@transaction.atomic
def render_run_start_deploy() -> RenderRun | None:
    """Record a re-render of every live page rendered with other templates or stylesheets than this process's.

    Called by ``refresh_live_pages --background`` after a deploy. An unfinished
    run for the same fingerprint is returned rather than doubled.
    """
    fingerprint = render_fingerprint()
    for run in RenderRun.objects.select_for_update().filter(finished_at__isnull=True, change__isnull=True):
        if (run.scope or {}).get("fingerprint") == fingerprint:
            return run
    return render_run_create(
        reason=f"Deploy: templates and stylesheets {fingerprint[:12]}", scope={"fingerprint": fingerprint}
    )


def render_run_batch(run_id: int, *, batch_size: int | None = None) -> RenderRun | None:
    """Re-render the next batch of a run's pages, commit the progress; return the run (None: gone or finished).

    The task sends the next batch when the returned run is not finished.

    Holds the run's row lock for the batch, so two deliveries of one job
    never work on it at once; the second finds the cursor moved on. A page
    that fails is counted and logged, and the batch goes on.
    """
    batch_size = batch_size or settings.RENDER_BATCH_SIZE
    written: list[str] = []
    with transaction.atomic():
        run = RenderRun.objects.select_for_update().filter(pk=run_id, finished_at__isnull=True).first()
        if run is None:
            return None
        ids = list(render_run_pages(run).filter(pk__gt=run.cursor).values_list("pk", flat=True)[:batch_size])
        state = furniture_state()
        for page_id in ids:
            try:
                with transaction.atomic():
                    path = store_page(page_id, state)
            except Exception as exc:
                logger.exception("Re-rendering stored page %s failed (run %s).", page_id, run_id)
                run.failed += 1
                run.last_error = f"page {page_id}: {type(exc).__name__}: {exc}"[:2000]
                continue
            run.done += 1
            if path:
                written.append(path)
        now = timezone.now()
        run.cursor = ids[-1] if ids else run.cursor
        run.progressed_at = now
        finished = len(ids) < batch_size
        if finished:
            run.finished_at = now
        run.save(update_fields=["cursor", "done", "failed", "last_error", "progressed_at", "finished_at"])
    paths = [address for path in written for address in _addresses_of(path)]
    if finished:
        paths += site_addresses()
    if paths:
        purge_paths(paths)
    if finished:
        _export_after(run)
    return run


def _addresses_of(path: str) -> list[str]:
    """Return what to purge when one stored page changed: it, its article's provenance, API and cache generation."""
    slug = languages.without_prefix(path).split("/")[2]  # "/es/articles/<slug>/…" as "/articles/<slug>/…"
    prefix = languages.address_prefix(languages.language_of_path(path))
    api = [address for address in article_addresses(slug) if address.startswith(f"{prefix}/api/")]
    return [path, f"{prefix}/articles/{slug}/provenance.json", *api, f"{GENERATION_PREFIX}{slug}"]


def _export_after(run: RenderRun) -> None:
    if not settings.STATIC_EXPORT_DIR:
        return
    try:
        export_site(settings.STATIC_EXPORT_DIR, static=False)
    except Exception:
        logger.exception("Static export after render run %s failed; the site itself is unaffected.", run.pk)


def render_run_resend(*, older_than: dt.timedelta = RENDER_RUN_STALE_AFTER) -> list[int]:
    """Send again the next batch of every unfinished run that has made no progress lately; return their ids."""
    cutoff = timezone.now() - older_than
    sent = []
    for run_id in RenderRun.objects.filter(finished_at__isnull=True, progressed_at__lte=cutoff).values_list(
        "pk", flat=True
    ):
        if enqueue("publishing.tasks.render_batch", run_id):
            sent.append(run_id)
    return sent
