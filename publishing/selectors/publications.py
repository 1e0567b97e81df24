"""Read-only queries over publications and published pages."""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from articles.models import Article, Audience

from ..models import (
    Publication,
    PublicationGlossaryTerm,
    PublishedPage,
    StoredPage,
    StoredPageVersion,
    VerifyFinding,
    VerifyRun,
)


def _not_expired() -> Q:
    # An expired publication stops being served at its time, even before the
    # scheduler has run and marked it withdrawn.
    return Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())


def publication_live_get(slug: str) -> Publication | None:
    """Return the live publication published at this slug, or None.

    The slug is the one in the published revision, so a draft that renames the
    article does not move or break its live page.
    """
    return (
        Publication.objects.select_related("article", "revision")
        .filter(_not_expired(), slug=slug, state=Publication.State.LIVE)
        .first()
    )


def publication_family_live(article: Article) -> list[Publication]:
    """Return the live publications of an article's source and all its translations, source first (one query).

    The languages a page links to (hreflang, the language chooser): one query
    whatever the number of languages.
    """
    source_id = article.translation_of_id or article.pk
    live = Publication.objects.select_related("article").filter(
        _not_expired(), Q(article_id=source_id) | Q(article__translation_of_id=source_id), state=Publication.State.LIVE
    )
    return sorted(live, key=lambda p: (p.article.translation_of_id is not None, p.article.language))


def published_page_get(publication: Publication, audience: Audience | None) -> PublishedPage:
    """Return the page of a publication for an audience, falling back to the default page."""
    pages = PublishedPage.objects.select_related("publication", "audience", "disclaimer")
    if audience is not None:
        page = pages.filter(publication=publication, audience=audience).first()
        if page is not None:
            return page
    return pages.get(publication=publication, audience__isnull=True)


def published_page_list(publication: Publication) -> QuerySet[PublishedPage]:
    """Return every page of a publication, the default page first."""
    return (
        PublishedPage.objects.select_related("audience", "disclaimer")
        .filter(publication=publication)
        .order_by("audience__order", "audience__name")
    )


def publication_withdrawn_notice_get(slug: str) -> Publication | None:
    """Return the latest publication withdrawn with a public notice, if nothing is live."""
    if publication_live_get(slug) is not None:
        return None
    return (
        Publication.objects.select_related("article")
        .filter(
            slug=slug,
            state=Publication.State.WITHDRAWN,
            withdrawal_mode=Publication.WithdrawalMode.NOTICE,
        )
        .order_by("-withdrawn_at", "-pk")
        .first()
    )


def publication_history(article: Article) -> QuerySet[Publication]:
    """Return the publications that went live (live or superseded), newest first."""
    return (
        Publication.objects.select_related("revision", "requested_by")
        .filter(article=article, state__in=[Publication.State.LIVE, Publication.State.SUPERSEDED])
        .order_by("-live_at", "-pk")
    )


def publication_list_for_article(article: Article) -> QuerySet[Publication]:
    """Return every publication of an article in any state, newest request first."""
    return Publication.objects.select_related("requested_by").filter(article=article).order_by("-pk")


def publication_live_list() -> QuerySet[Publication]:
    """Return all live (not expired) publications with their article, most recently live first."""
    return (
        Publication.objects.select_related("article")
        .filter(_not_expired(), state=Publication.State.LIVE)
        .order_by("-live_at", "-pk")
    )


# Lists name the article; they never need its text.
ARTICLE_TEXT_FIELDS = ("article__summary", "article__body")


def publication_list_in_state(*states: str) -> QuerySet[Publication]:
    """Return publications in the given states with their article (not its text) and requester, newest first."""
    return (
        Publication.objects.select_related("article", "requested_by")
        .defer(*ARTICLE_TEXT_FIELDS)
        .filter(state__in=states)
        .order_by("-pk")
    )


def publication_desk_live_list() -> QuerySet[Publication]:
    """Return the live publications for the editors' desk: article title and slug, requester; newest first."""
    return publication_live_list().select_related("requested_by").defer(*ARTICLE_TEXT_FIELDS)


def article_list_awaiting_publication() -> QuerySet[Article]:
    """Return approved articles whose approved revision has never been requested for publication."""
    requested = Publication.objects.filter(
        article=OuterRef("pk"), revision=OuterRef("last_approved_revision"), kind=Publication.Kind.APPROVED
    )
    return (
        Article.objects.filter(status=Article.Status.APPROVED, last_approved_revision__isnull=False)
        .exclude(Exists(requested))
        .defer("summary", "body")
        .order_by("title", "pk")
    )


def _stale_pins() -> Q:
    """A pinned definition is stale when the board approved a newer version of its term (or switched it off)."""
    return Q(version__lt=F("term__approved_version")) | Q(term__active=False)


def publication_glossary_stale_list() -> QuerySet[Publication]:
    """Return live publications whose pinned glossary is older than the approved glossary, by title.

    One indexed semi-join over PublicationGlossaryTerm; each row's stale terms
    come in one more query for the whole page (``stale_pins``, with their
    terms). A term approved after the page and new to it is not counted: only
    definitions the page pinned can be stale.
    """
    stale = PublicationGlossaryTerm.objects.filter(_stale_pins(), publication=OuterRef("pk"))
    pins = PublicationGlossaryTerm.objects.filter(_stale_pins()).select_related("term").order_by("term__term")
    return (
        Publication.objects.filter(Exists(stale), state=Publication.State.LIVE)
        .select_related("article")
        .only("pk", "slug", "live_at", "revision_id", "article__title", "article__slug", "article__status")
        .prefetch_related(Prefetch("glossary_pins", queryset=pins, to_attr="stale_pins"))
        .order_by("article__title", "pk")
    )


def stored_page_furniture(publication: Publication) -> list[tuple[str, str | None, dict]]:
    """Return each stored address of a publication with its audience slug and furniture versions (one query)."""
    rows = StoredPage.objects.filter(publication=publication).order_by("path")
    return [
        (path, audience, furniture or {})
        for path, audience, furniture in rows.values_list("path", "audience__slug", "furniture")
    ]


def publication_was_live(publication: Publication, at) -> bool:
    """Return whether a publication was serving readers at a moment (went live, not yet replaced or expired)."""
    if publication.live_at is None or publication.live_at > at:
        return False
    ended = [t for t in (publication.superseded_at, publication.withdrawn_at, publication.expires_at) if t]
    return not ended or min(ended) > at


def stored_page_version_at(path: str, at) -> StoredPageVersion | None:
    """Return the recorded bytes an address served at a moment, or None (nothing live there then, or no record).

    The bytes are the stored page's version in force at ``at`` whose
    publication was also live then (an expired or replaced publication's page
    is not served even before its stored page is rewritten).
    """
    version = (
        StoredPageVersion.objects.select_related("publication__article", "audience")
        .filter(path=path, served_from__lte=at)
        .filter(Q(served_until__isnull=True) | Q(served_until__gt=at))
        .order_by("-served_from", "-pk")
        .first()
    )
    if version is None or not publication_was_live(version.publication, at):
        return None
    return version


def stored_page_version_list(path: str) -> QuerySet[StoredPageVersion]:
    """Return an address's recorded versions, newest first, without their bytes."""
    return StoredPageVersion.objects.filter(path=path).defer("body_gzip").order_by("-served_from", "-pk")


def verify_run_list() -> QuerySet[VerifyRun]:
    """Return the verifier's runs, newest first, with who started them."""
    return VerifyRun.objects.select_related("started_by").order_by("-created_at", "-pk")


def verify_finding_list(run: VerifyRun) -> QuerySet[VerifyFinding]:
    """Return a run's findings in the order found, drift before pages waiting for a re-render."""
    return VerifyFinding.objects.filter(run=run).select_related("article").order_by("stale", "pk")
