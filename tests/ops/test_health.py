"""/healthz and /readyz: JSON, no sign-in, never cached; a broker that is down makes the instance unready."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
from django.conf import settings
from django.utils import timezone

from publishing import services
from publishing.models import Publication
from tests import factories
from tests.publishing.publish_helpers import approve


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


def test_healthz_answers_without_sign_in_and_is_not_cached(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_reports_every_dependency_and_the_outbox(client):
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker", "outbox"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["outbox"]["pending"] == 0
    assert body["failed_publications"] == {
        "ok": True,
        "failed": 0,
        "oldest_failed_age_seconds": None,
        "ms": body["failed_publications"]["ms"],
    }
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_unavailable_when_the_broker_is_down(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"]["ok"] is False
    assert "ConnectionError" in body["checks"]["broker"]["error"]
    assert body["checks"]["database"]["ok"] and body["checks"]["cache"]["ok"]


@pytest.mark.redis
@pytest.mark.django_db
def test_readyz_counts_the_real_broker_queue(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = settings.REDIS_URL
    body = client.get("/readyz").json()
    assert body["checks"]["broker"]["ok"] is True, body
    assert body["checks"]["broker"]["mode"] == "redis"
    assert isinstance(body["checks"]["broker"]["queued"], int)


@pytest.mark.django_db
def test_readyz_fails_when_a_due_publication_waits_too_long_and_reports_failed_ones(client, author, reviewer, editor):
    article = approve(factories.make_article(author=author), author=author, reviewer=reviewer)
    publication = services.publication_request(article, acting_user=editor)  # stays pending: no commit here
    assert Publication.objects.get(pk=publication.pk).state == Publication.State.PENDING
    assert client.get("/readyz").status_code == 200

    old = timezone.now() - dt.timedelta(seconds=settings.READYZ_OUTBOX_MAX_AGE + 60)
    Publication.objects.filter(pk=publication.pk).update(requested_at=old)
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert body["checks"]["outbox"]["ok"] is False
    assert "1 publication(s) waiting" in body["checks"]["outbox"]["error"]

    Publication.objects.filter(pk=publication.pk).update(state=Publication.State.FAILED)
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200  # a failed publication needs an editor, not a restart
    assert body["failed_publications"]["failed"] == 1
    assert body["failed_publications"]["oldest_failed_age_seconds"] >= settings.READYZ_OUTBOX_MAX_AGE


def test_health_endpoints_are_exempt_from_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 301
