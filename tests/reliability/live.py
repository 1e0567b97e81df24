"""Helpers for the reliability tests: a real gunicorn on a free port, a cookie-keeping HTTP client, figures."""

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
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ARTIFACTS = ROOT / "test-artifacts"
LONG = os.environ.get("RELIABILITY_LONG") == "1"  # `make reliability`: the full-size runs


def scale(fast: int, long: int) -> int:
    """Return the size for this run: small under `make test`, full under `make reliability`."""
    return long if LONG else fast


def record(name: str, **figures) -> None:
    """Print a figure and append it to test-artifacts/reliability.jsonl (RELIABILITY.md quotes these)."""
    entry = {"figure": name, "long": LONG, **figures}
    ARTIFACTS.mkdir(exist_ok=True)
    with open(ARTIFACTS / "reliability.jsonl", "a", encoding="utf-8") as out:
        out.write(json.dumps(entry) + "\n")
    print("FIGURE", json.dumps(entry))


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, *, timeout: float, what: str, log: Path | None = None, poll: float = 0.2) -> float:
    """Poll until condition() is true; return the seconds it took, or fail after timeout (with the log)."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        try:
            if condition():
                return time.monotonic() - began
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(poll)
    tail = log.read_text(errors="replace")[-5000:] if log and log.exists() else ""
    pytest.fail(f"Timed out after {timeout:.0f}s waiting for {what}\n{tail}")


def service_env(database_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    """Environment for a subprocess of this project against database_url (fast test password hasher)."""
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        DATABASE_URL=database_url,
        VETTED_VAR_DIR=str(var_dir),
        DEBUG="0",
        TESTING="1",  # the MD5 test hasher, as for the users the setup script makes
        SECRET_KEY="reliability-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL="http://127.0.0.1",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        PLAIN_HTTP="1",
        PATH=f"{BIN}:{os.environ.get('PATH', '')}",
        **extra,
    )
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 180) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def shell_json(env: dict[str, str], code: str) -> dict:
    """Run code in `manage.py shell`; it must print one line 'RESULT <json>'."""
    output = manage(env, "shell", "-c", code)
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


class Gunicorn:
    """`gunicorn cms.wsgi` on a free loopback port, logging to a file."""

    def __init__(self, env: dict[str, str], log: Path, workers: int = 4, preload: bool = False) -> None:
        self.port = free_port()
        self.log = log
        self._out = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            # --preload imports Django once, before the workers fork (as a busy
            # production server would, to share memory); each worker still opens
            # its own database connection on its first request.
            [str(BIN / "gunicorn"), "cms.wsgi", "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers)]
            + (["--preload"] if preload else []),
            cwd=ROOT,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        wait_until(lambda: Client(self.base).request("/healthz")[0] == 200, timeout=60, what="gunicorn", log=log)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._out.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """A browser-like HTTP client: keeps cookies, does not follow redirects."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def request(self, path: str, data: list[tuple[str, str]] | dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(urllib.request.Request(self.base + path, data=body), timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def login(self, username: str, password: str) -> None:
        status, html = self.request("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        status, _ = self.request(
            "/accounts/login/", {"csrfmiddlewaretoken": token, "username": username, "password": password}
        )
        assert status == 302, f"{username} could not sign in ({status})"


class FormFields(HTMLParser):
    """Collect the fields a browser would submit from the form with the given id (no JavaScript)."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: list[list[str]] = []
        self._textarea: list[str] | None = None
        self._select: str | None = None
        self._select_value: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and a.get("name") and a.get("type", "text") not in {"submit", "button", "file"}:
            if a.get("type") in {"checkbox", "radio"} and "checked" not in a:
                return
            self.fields.append([a["name"], a.get("value") or ("on" if a.get("type") == "checkbox" else "")])
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]
        elif tag == "select" and a.get("name"):
            self._select, self._select_value = a["name"], None
        elif tag == "option" and self._select is not None:
            if self._select_value is None or "selected" in a:
                self._select_value = a.get("value", "")

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            value = self._textarea[1]
            self.fields.append([self._textarea[0], value[1:] if value.startswith("\n") else value])
            self._textarea = None
        elif tag == "select" and self._select is not None:
            self.fields.append([self._select, self._select_value or ""])
            self._select = None


def form_fields(html: str, form_id: str) -> list[list[str]]:
    parser = FormFields(form_id)
    parser.feed(html)
    return parser.fields
