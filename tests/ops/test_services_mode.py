"""README's services mode, run as written: collectstatic, createsuperuser, then the Procfile under honcho.

gunicorn, a Celery worker and beat start on a free port against the suite's
PostgreSQL test database and Redis, with PLAIN_HTTP=1 as README says for a
local trial. The first admin is made by `manage.py createsuperuser`, signs in
over HTTP and publishes an approved article from the desk; the page goes live
through the real worker.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import redis
from django.conf import settings

from tests import factories
from tests.publishing.publish_helpers import approve
from tests.publishing.test_worker import database_url, free_port

pytestmark = [
    pytest.mark.worker,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ADMIN_PASSWORD = "a-first-admin-password-for-this-test-only"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A cookie-keeping HTTP client that does not follow redirects (so a redirect to https shows)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, dict, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode(errors="replace")

    def csrf(self, path: str) -> str:
        status, _, html = self.request(path)
        assert status == 200, (path, status)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def wait_until(condition, *, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.3)
    pytest.fail(f"Timed out after {timeout:.0f}s waiting for {what}\n{log.read_text(errors='replace')[-5000:]}")


def test_services_mode_as_written_publishes_an_article_over_http(tmp_path, author, reviewer):
    var_dir = tmp_path / "var"
    port = free_port()
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE"}},
        # README "Services mode", local trial:
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "REDIS_CACHE_URL": settings.REDIS_CACHE_URL,
        "SECRET_KEY": "services-mode-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "PLAIN_HTTP": "1",
        "REQUIRE_STAFF_2FA": "0",
        "DEBUG": "0",
        "VETTED_VAR_DIR": str(var_dir),
        "CELERY_TASK_ALWAYS_EAGER": "",
        "WEB_CONCURRENCY": "2",
        "PUBLISH_CONCURRENCY": "1",
        "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD,
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
    }
    manage = [sys.executable, "manage.py"]
    for args in (
        ["collectstatic", "--noinput"],
        ["createsuperuser", "--noinput", "--username", "firstadmin", "--email", "admin@example.org"],
    ):
        done = subprocess.run([*manage, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
    article = approve(factories.make_article(author=author), author=author, reviewer=reviewer)

    log = tmp_path / "honcho.log"
    with open(log, "wb") as out:
        honcho = subprocess.Popen(
            [str(BIN / "honcho"), "start", "-f", "Procfile", "-p", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        browser = Browser(f"http://127.0.0.1:{port}")
        wait_until(lambda: browser.request("/healthz")[0] == 200, timeout=60, what="gunicorn", log=log)
        for queue in ("publish", "mail", "bulk"):  # one worker per queue (Procfile)
            wait_until(
                lambda queue=queue: re.search(rf"{queue}\.1 +\|.*\bready\b", log.read_text(errors="replace")),
                timeout=90,
                what=f"the {queue} worker",
                log=log,
            )
        wait_until(lambda: list(var_dir.glob("celerybeat-schedule*")), timeout=60, what="beat", log=log)
        assert not list(ROOT.glob("celerybeat-schedule*")), "beat wrote its schedule into the repository"

        status, headers, body = browser.request("/readyz")
        assert status == 200, body
        assert json.loads(body)["checks"]["broker"]["mode"] == "redis"

        # Plain HTTP works: no redirect to https, static files served by WhiteNoise.
        status, _, home = browser.request("/")
        assert status == 200
        stylesheet = re.search(r'href="(/static/vetted/site\.[0-9a-f]+\.css)"', home).group(1)
        assert browser.request(stylesheet)[0] == 200

        token = browser.csrf("/accounts/login/")
        status, headers, _ = browser.request(
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": "firstadmin", "password": ADMIN_PASSWORD},
        )
        assert status == 302, "the first admin could not sign in"
        publish = f"/publishing/articles/{article.slug}/publish/"
        status, _, _ = browser.request(
            publish, {"csrfmiddlewaretoken": browser.csrf(publish), "change_summary": "First publication."}
        )
        assert status == 302

        wait_until(
            lambda: browser.request(f"/articles/{article.slug}/")[0] == 200,
            timeout=60,
            what="the page to go live through the worker",
            log=log,
        )
        status, _, page = browser.request(f"/articles/{article.slug}/")
        assert article.title in page
        # The page is live once the task's transaction commits; the worker logs
        # the task's success a moment after that.
        succeeded = r'publish\.1 +\|.*"task": "publishing.tasks.publish", .*"state": "SUCCESS"'
        wait_until(
            lambda: re.search(succeeded, log.read_text(errors="replace")),
            timeout=30,
            what="the worker to log the publish task's success",
            log=log,
        )
        output = log.read_text(errors="replace")
        requests = [json.loads(line.split("| ", 1)[1]) for line in output.splitlines() if '"event": "request"' in line]
        assert any(r["method"] == "POST" and r["path"] == publish and r["status"] == 302 for r in requests)
        # gunicorn's own lines are JSON too (gunicorn.conf.py).
        assert re.search(
            r'web\.1 +\| \{"time": "[^"]+", "level": "INFO", "logger": "gunicorn\.error", "message": "Booting worker',
            output,
        )
    finally:
        if honcho.poll() is None:
            os.killpg(honcho.pid, signal.SIGTERM)
            try:
                honcho.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(honcho.pid, signal.SIGKILL)
                honcho.wait(timeout=10)
