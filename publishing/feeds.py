"""The Atom feed of new and updated articles (/feed/)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.views.decorators.http import require_safe

from cms import languages
from textkit.text import clean_text

from . import selectors as rs
from .cache import site_cache_key
from .httpcache import public_response
from .models import PublishedPage

FEED_SIZE = 50
logger = logging.getLogger(__name__)


class ArticleUpdatesFeed(Feed):
    """New and updated board-approved articles, most recently published first."""

    feed_type = Atom1Feed

    @property
    def language(self) -> str:
        """Return the feed's xml:lang: LANGUAGE_CODE for the source language (its bytes unchanged), else "es"…"""
        language = languages.base(translation.get_language())
        return settings.LANGUAGE_CODE if language == languages.default_language() else language

    def title(self) -> str:
        return f"{settings.SITE_NAME}: new and updated articles"

    def subtitle(self) -> str:
        return "Treatment articles reviewed by our Medical Advisory Board."

    def link(self) -> str:
        return reverse("reader:index")

    def feed_url(self) -> str:
        return reverse("reader:feed")

    def items(self) -> list[PublishedPage]:
        # One feed per language: /feed/ the source language's articles, /es/feed/ the Spanish ones.
        language = languages.base(translation.get_language())
        pages = (
            rs.live_page_list(include_provisional=False)
            .filter(publication__article__language=language)
            .order_by("-publication__live_at", "-pk")[:FEED_SIZE]
        )
        items = []
        for page in pages:
            # One page that cannot be described is left out and logged; the feed still answers.
            try:
                page.first_published = rs.article_first_published(page.publication.article)
                page.feed_title = self._title(page)
                page.feed_description = self._description(page)
            except Exception:
                logger.exception("Feed: left out published page %s, which could not be read", page.pk)
                continue
            items.append(page)
        return items

    def _title(self, item: PublishedPage) -> str:
        updated = item.first_published and item.publication.live_at and item.publication.live_at > item.first_published
        # XML 1.0 has no place for control characters: text stored before cleaning loses them here.
        title = clean_text(item.title, multiline=False)
        return f"Updated: {title}" if updated else title

    def _description(self, item: PublishedPage) -> str:
        # summary_html is sanitised renderer output; the feed generator escapes it for XML.
        summary = item.summary_html
        if item.publication.change_summary:
            summary += f"<p><strong>What changed:</strong> {escape(item.publication.change_summary)}</p>"
        return clean_text(summary)

    def item_title(self, item: PublishedPage) -> str:
        return item.feed_title

    def item_description(self, item: PublishedPage) -> str:
        return item.feed_description

    def item_link(self, item: PublishedPage) -> str:
        with languages.reading(item.publication.article.language):  # each entry at its own language's address
            return reverse("reader:article", args=[item.publication.slug])

    def item_guid(self, item: PublishedPage) -> str:
        return f"{settings.SITE_URL}{self.item_link(item)}#publication-{item.publication_id}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: PublishedPage):
        return item.first_published or item.publication.live_at

    def item_updateddate(self, item: PublishedPage):
        return item.publication.live_at

    def item_categories(self, item: PublishedPage) -> list[str]:
        condition = (item.data or {}).get("condition")
        return [clean_text(str(condition), multiline=False)] if condition else []


_feed = ArticleUpdatesFeed()


@public_response
@require_safe
def feed(request: HttpRequest) -> HttpResponse:
    """Serve the Atom feed, cached until the next go-live or withdrawal."""
    key = site_cache_key("feed")
    cached = cache.get(key)
    if cached is not None:
        return HttpResponse(cached, content_type="application/atom+xml; charset=utf-8")
    response = _feed(request)
    cache.set(key, response.content, timeout=settings.READER_CACHE_SECONDS)
    return response
