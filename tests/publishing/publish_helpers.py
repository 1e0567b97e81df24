"""Helpers for publishing tests: take articles through the real review services and publish them."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

from django.utils import timezone
from kombu import pools

from articles import services as article_services
from articles.models import Article, Audience
from cms.celery import app as celery_app
from cms.celery import configured as celery_configured
from publishing import services, tasks
from publishing.models import Disclaimer, Publication
from review import services as review_services


def approve(article: Article, *, author, reviewer) -> Article:
    """Submit (author), claim and approve (reviewer) through the review services."""
    review_services.article_submit(article, acting_user=author)
    review_services.review_claim(article, acting_user=reviewer)
    review_services.review_approve(article, acting_user=reviewer)
    article.refresh_from_db()
    return article


def edit(article: Article, *, author, **fields) -> Article:
    """Save an edit through the authoring service."""
    article.refresh_from_db()
    return article_services.article_update(
        article, acting_user=author, lock_version=article.lock_version, fields=fields
    )


def run_publish(publication: Publication) -> Publication:
    """Run the publish task in-process (as the eager embedded mode does) and reload the row."""
    tasks.publish.apply(args=[publication.pk])
    publication.refresh_from_db()
    return publication


def request_and_publish(article: Article, *, editor, change_summary: str = "") -> Publication:
    """Request publication of the approved revision and run the job."""
    publication = services.publication_request(article, acting_user=editor, change_summary=change_summary)
    return run_publish(publication)


def make_disclaimers() -> dict[str, Disclaimer]:
    """Replace the site's disclaimers with an all-audiences and a professional one, effective an hour ago.

    The defaults from the data migration are switched off, so the tests know
    exactly which text each page carries.
    """
    Disclaimer.objects.filter(active=True).update(active=False)
    since = timezone.now() - dt.timedelta(hours=1)
    professional = Audience.objects.get(slug="professional")
    return {
        "all": Disclaimer.objects.create(
            name="About this information", text="For **education** only.", effective_from=since
        ),
        "professional": Disclaimer.objects.create(
            name="Professional Medical Disclaimer",
            audience=professional,
            text="For healthcare professionals.",
            effective_from=since,
        ),
    }


@contextlib.contextmanager
def broker(url: str) -> Iterator[None]:
    """Point this process's Celery app at a broker and send for real (not eagerly)."""

    def reset_pools() -> None:
        pools.reset()
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    reset_pools()
    try:
        with celery_configured(broker_url=url, task_always_eager=False):
            yield
    finally:
        reset_pools()
