"""Helpers for publishing tests: take articles through the real review services and publish them."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

from celery import Celery
from django.utils import timezone

from articles import services as article_services
from articles.models import Article, Audience
from cms.celery import app as celery_app
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
    """Send this process's tasks to a broker for real (not eagerly), through a Celery app of their own.

    An app keeps the connection pool it built for the first broker it used, and Celery has no
    public way to drop it. So the block makes a second app on the same settings with this broker
    and sets it current: every task here is a shared task, found through the current app. The
    project's app is current again afterwards, with its pools untouched. Nothing is closed:
    an app's connection and producer pools are kombu's process-wide pools for the broker's
    address, shared with every app that sends there (closing them at the end of a block left
    the project's own app on the same Redis failing with "Acquire on closed pool").
    """
    app = Celery("cms", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(broker_url=url, task_always_eager=False)
    app.autodiscover_tasks()
    app.set_current()
    try:
        yield
    finally:
        celery_app.set_current()
