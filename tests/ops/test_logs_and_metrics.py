"""One JSON log line per request (from the WSGI wrapper) and per task; the desk's background-jobs panel."""

from __future__ import annotations

import io
import json
import logging
import socket
import sys
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.handlers.wsgi import WSGIHandler

from cms.celery import app as celery_app
from ops.logs import JsonFormatter, RequestLogMiddleware


@celery_app.task(name="tests.ops.always_fails")
def always_fails(article_id: int) -> None:
    raise ValueError(f"cannot render article {article_id}")


@celery_app.task(name="tests.ops.adds")
def adds(a: int, b: int) -> int:
    return a + b


def _call_wsgi(path: str, **environ: str) -> tuple[str, dict[str, str], bytes]:
    # What cms.wsgi builds (importing it here would run django.setup() again,
    # which reconfigures logging and drops the test's log capture).
    application = RequestLogMiddleware(WSGIHandler())

    env = {"PATH_INFO": path, "HTTP_HOST": "testserver", "wsgi.errors": io.StringIO(), **environ}
    setup_testing_defaults(env)
    seen: dict = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, dict(headers)

    body_iter = application(env, start_response)
    try:
        body = b"".join(body_iter)
    finally:
        body_iter.close()
    return seen["status"], seen["headers"], body


@pytest.mark.django_db
def test_each_request_is_one_json_line_with_its_id_status_and_duration(caplog):
    with caplog.at_level(logging.INFO, logger="vetted.requests"):
        status, headers, _ = _call_wsgi("/healthz", HTTP_X_REQUEST_ID="abc-123")
        status404, headers404, _ = _call_wsgi("/no-such-page/")
    assert status.startswith("200") and headers["X-Request-ID"] == "abc-123"
    assert status404.startswith("404") and len(headers404["X-Request-ID"]) == 32  # a fresh id
    records = [r for r in caplog.records if r.name == "vetted.requests"]
    assert len(records) == 2
    first = json.loads(JsonFormatter().format(records[0]))
    assert first["event"] == "request" and first["request_id"] == "abc-123"
    assert (first["method"], first["path"], first["status"]) == ("GET", "/healthz", 200)
    assert first["duration_ms"] >= 0 and first["level"] == "INFO" and first["time"].endswith("Z")
    assert json.loads(JsonFormatter().format(records[1]))["status"] == 404


def test_gunicorns_entry_point_is_wrapped_by_the_request_logger():
    import cms.wsgi

    assert isinstance(cms.wsgi.application, RequestLogMiddleware)
    # Inside the log: the local page copies (publishing/localcopy.py), then Django.
    assert isinstance(cms.wsgi.application.app.app, WSGIHandler)


def test_a_request_id_that_is_not_a_plain_token_is_replaced():
    from ops.logs import request_id_from

    assert request_id_from({"HTTP_X_REQUEST_ID": "ok_1.2-3"}) == "ok_1.2-3"
    replaced = request_id_from({"HTTP_X_REQUEST_ID": 'bad"\n{"forged": 1}'})
    assert len(replaced) == 32 and replaced.isalnum()


def test_json_formatter_keeps_extra_fields_and_the_exception():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "failed %s", ("job",), sys.exc_info(), extra={"task_id": "t-1"}
        )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "failed job" and entry["task_id"] == "t-1"
    assert "RuntimeError: boom" in entry["exception"]


@pytest.mark.django_db
def test_each_task_is_one_line_with_its_id_and_state_and_failures_are_counted(caplog):
    with caplog.at_level(logging.INFO, logger="vetted.tasks"):
        ok = adds.apply(args=[2, 3])
        failed = always_fails.apply(args=[41])
    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "vetted.tasks"]
    assert [(line["task"], line["state"], line["task_id"]) for line in lines] == [
        ("tests.ops.adds", "SUCCESS", ok.id),
        ("tests.ops.always_fails", "FAILURE", failed.id),
    ]
    assert lines[1]["task_args"] == [41] and lines[1]["level"] == "WARNING"

    from ops.metrics import task_metrics

    metrics = task_metrics()
    assert metrics.failures_24h == 1
    assert metrics.failures[0]["task"] == "tests.ops.always_fails"
    assert "cannot render article 41" in metrics.failures[0]["error"]


@pytest.mark.django_db
def test_desk_shows_the_background_jobs_panel_to_editors(client, editor):
    always_fails.apply(args=[7])
    client.force_login(editor)
    html = client.get("/publishing/").content.decode()
    assert "Background jobs" in html
    assert "jobs run inside the web process" in html  # the suite's default: no broker
    assert "Job failures, last 24 hours</dt><dd>1</dd>" in html
    assert "tests.ops.always_fails" in html and "cannot render article 7" in html


@pytest.mark.django_db
def test_desk_says_when_the_job_queue_cannot_be_reached(client, editor, settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{port}/0"
    client.force_login(editor)
    response = client.get("/publishing/")
    assert response.status_code == 200
    assert "the job queue (Redis) cannot be reached" in response.content.decode()


@pytest.mark.redis
@pytest.mark.django_db
def test_desk_shows_the_length_of_the_real_redis_queue(client, editor, settings):
    import redis

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = settings.REDIS_URL
    connection = redis.Redis.from_url(settings.REDIS_URL)
    connection.delete("celery")
    connection.rpush("celery", "x", "y", "z")  # three messages nobody consumes
    try:
        client.force_login(editor)
        html = client.get("/publishing/").content.decode()
    finally:
        connection.delete("celery")
    assert "Waiting in the queue</dt><dd>3</dd>" in html


def test_the_desk_template_loads_the_panel_once():
    from pathlib import Path

    template = (Path(__file__).resolve().parents[2] / "templates" / "publishing" / "dashboard.html").read_text()
    assert template.count("{% task_metrics_panel %}") == 1
