"""What the studio preview and the board's review page show beside the text, and what the editor opens with.

Both pages judge a text the same way, so the rule is here once:
`content_assessment` runs the content checks and the reading-grade report
(the glossary's plain-language explanations count only for text in the
glossary's own language), and `studio_preview` adds the rendering for one
audience and the panels later apps add (cms.hooks.PREVIEW_PANELS).
`editor_text` decides whether the editor opens with the author's unsaved
text (and whether it is stale). Reads only; writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation

from cms import hooks
from textkit.checks import CheckResult, check_content, has_errors, within_limits
from textkit.content import DEFAULT_LANGUAGE, ArticleContent
from textkit.readability import ReadabilityReport, readability_checks, readability_reports
from textkit.rendering import render_content

from . import selectors
from .content import content_from_article
from .forms import content_from_post
from .models import Audience


@dataclass(frozen=True)
class Assessment:
    """The content checks (readability's included) and the reading-grade report per audience."""

    checks: list[CheckResult]
    readability: list[ReadabilityReport]

    @property
    def blocks(self) -> bool:
        """Return True if a check is an error (submission would be refused)."""
        return has_errors(self.checks)


def preview_glossary(content: ArticleContent) -> list:
    """Return the glossary a preview explains terms with: the approved terms of the text's own language."""
    return selectors.glossary_entries(content.language or DEFAULT_LANGUAGE)


def content_assessment(
    content: ArticleContent, audiences: list[Audience], *, names: dict[int, str] | None = None, glossary=None
) -> Assessment:
    """Check the content and measure its reading grade for each audience (within the size limits).

    Text over a size limit is refused on save; the reading grade is measured
    on the part within it, in time linear in its length.
    """
    glossary = preview_glossary(content) if glossary is None else glossary
    names = selectors.audience_names(audiences) if names is None else names
    reports = readability_reports(within_limits(content), selectors.audience_targets(audiences), glossary=glossary)
    return Assessment(check_content(content, audience_names=names) + readability_checks(reports), reports)


def studio_preview(content: ArticleContent, audiences: list[Audience], audience_slug: str | None) -> dict:
    """Return the preview pane's context: the text rendered for one audience, its checks and readability."""
    audience = next((a for a in audiences if a.slug == audience_slug), None)
    glossary = preview_glossary(content)
    names = selectors.audience_names(audiences)
    plain = audience is not None and not audience.is_professional
    with translation.override(content.language or DEFAULT_LANGUAGE):  # as its readers will see it
        rendered = render_content(
            within_limits(content), audience_id=audience.pk if audience else None, glossary=glossary if plain else ()
        )
    assessment = content_assessment(content, audiences, names=names, glossary=glossary)
    checks, reports = assessment.checks, assessment.readability
    slug = audience.slug if audience else ""
    return {
        "rendered": rendered,
        "preview_content": content,
        "preview_audience": audience,
        "checks": checks,
        "checks_block": assessment.blocks,
        "check_counts": {level: sum(1 for c in checks if c.level == level) for level in ("error", "warning")},
        "readability": reports,
        "readability_current": next((r for r in reports if r.slug == slug), reports[0]),
        "audiences": audiences,
        "preview_panels": [panel(content, names) for panel in hooks.PREVIEW_PANELS],
    }


@dataclass(frozen=True)
class EditorText:
    """What the studio editor opens with: the text, its lock version, and the unsaved text it came from."""

    content: ArticleContent
    lock_version: int
    draft: object | None  # the DraftBuffer put back in the editor, or None
    stale: bool  # the draft started before somebody else's save: saving it shows the conflict page


def editor_text(
    article, user, *, audiences: list[Audience], awaiting: tuple[str, int] | None, wait: float
) -> EditorText:
    """Return the text the editor opens with: the user's unsaved text when it differs from the saved version.

    An autosave that arrived just after a save holds the saved text already
    and is not offered. Unsaved text keeps the lock version it was typed on,
    so saving it after somebody else's save is a conflict, never an overwrite.
    """
    content = content_from_article(article)
    draft = selectors.draft_buffer_get(article, user, awaiting=awaiting, wait=wait)
    if draft is not None:
        kept = content_from_post(draft.data, audiences=audiences, slug=article.slug, language=article.language)
        if kept.content_hash() != content.content_hash():
            return EditorText(kept, draft.lock_version, draft, draft.lock_version != article.lock_version)
    return EditorText(content, article.lock_version, None, False)
