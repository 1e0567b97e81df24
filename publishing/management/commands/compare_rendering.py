"""Re-render every stored page's approved content with today's engine and compare it with the stored HTML.

A one-off check for an engine change (issue 25: the Markdown renderer moved
to Python-Markdown's public API): before the live pages are re-rendered
through the outbox (``refresh_live_pages``), this says, page by page, whether
the new rendering is byte for byte the stored one, differs only in markup
(same text a reader sees), or changes the text. It only reads.

    DEBUG=1 .venv/bin/python manage.py compare_rendering [--live-only] [--show 20]

Exit status 1 when any page's text would change.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser

from django.core.management.base import BaseCommand

from articles.content import content_from_revision
from publishing.models import Publication, PublishedPage
from publishing.rendering import PageContext, build_page
from publishing.verify import CONTENT_FIELDS, _audience_info, live_publications

BATCH = 200


class _Text(HTMLParser):
    """Collect the text of an HTML fragment as a reader sees it (tags dropped, entities decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def text_of(fragment: str) -> str:
    """Return the text content of an HTML fragment, white space runs folded to one space."""
    parser = _Text()
    parser.feed(fragment or "")
    parser.close()
    return " ".join(html.unescape("".join(parser.parts)).split())


class Command(BaseCommand):
    help = "Compare every stored page with a fresh rendering of its approved content (bytes, and text)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--live-only", action="store_true", help="Only the pages of live publications.")
        parser.add_argument("--show", type=int, default=20, help="How many differing pages to describe.")

    def handle(self, *args, live_only: bool = False, show: int = 20, **options) -> None:
        publications = live_publications() if live_only else Publication.objects.select_related("article", "revision")
        publications = publications.order_by("pk")
        counts = {"pages": 0, "same bytes": 0, "same text": 0, "text differs": 0, "unreadable": 0}
        described = 0
        cursor = 0
        while True:
            chunk = list(publications.filter(pk__gt=cursor)[:BATCH])
            if not chunk:
                break
            cursor = chunk[-1].pk
            pages: dict[int, list[PublishedPage]] = {p.pk: [] for p in chunk}
            for page in PublishedPage.objects.filter(publication__in=chunk).select_related("audience").order_by("pk"):
                pages[page.publication_id].append(page)
            for publication in chunk:
                if not pages[publication.pk]:
                    continue
                try:
                    content = content_from_revision(publication.revision, article_id=publication.article_id)
                except ValueError:
                    counts["unreadable"] += len(pages[publication.pk])
                    continue
                content = content.with_glossary(publication.glossary)
                context = PageContext(
                    content_hash=publication.content_hash, review_snapshot={}, glossary=content.glossary
                )
                for page in pages[publication.pk]:
                    counts["pages"] += 1
                    audience = _audience_info(page.audience) if page.audience else None
                    fresh = build_page(content, audience=audience, context=context)
                    old = [getattr(page, name) for name in CONTENT_FIELDS]
                    new = [getattr(fresh, name) for name in CONTENT_FIELDS]
                    if old == new:
                        counts["same bytes"] += 1
                        continue
                    changed = [
                        name
                        for name, before, after in zip(CONTENT_FIELDS, old, new, strict=True)
                        if text_of(before) != text_of(after)
                    ]
                    key = "text differs" if changed else "same text"
                    counts[key] += 1
                    if described < show:
                        described += 1
                        where = page.audience.slug if page.audience else "default"
                        fields = ", ".join(changed) or "markup only"
                        self.stdout.write(
                            f"publication {publication.pk} ({publication.article.slug}, {where}): {fields}"
                        )
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in counts.items()))
        if counts["text differs"]:
            raise SystemExit(1)
