"""Reader delivery under load: `python -m bench.reader` (or `make bench-reader`).

Starts, on loopback ports from BENCH_PORT (default 18120) upwards:
- gunicorn with the app (2 sync workers, production settings, PostgreSQL and
  Redis from DATABASE_URL / REDIS_URL): as deployed ("local copy": a warm page
  replayed from the process's memory after one Redis read of the purge
  counter, publishing/localcopy.py), with local
  copies off ("cached": answered by the fast path from Redis) and with
  READER_CACHE_SECONDS=0 ("cold": stored bytes read from the database on
  every request);
- gunicorn with a bare WSGI app returning the same bytes (the practical
  ceiling of sync workers);
- Debian's nginx serving the static export and a plain file of the same size.

Loads each with wrk at 16 and 64 connections, three rounds interleaved
(BENCH_SECONDS each, default 5), and prints medians, errors and non-200
counts (a Lua script counts every response that is not a 200 carrying the
page's number of bytes on the gunicorn targets: wrk's own "Non-2xx or 3xx"
line misses redirects; on nginx serving files wrk's count of statuses above
399 is used, so the baseline is not slowed by the check; any such response
or socket error makes the run exit 1), ratios to nginx with `Connection:
close`, the peak RSS of a gunicorn worker and the load average. Needs wrk,
nginx, PostgreSQL and Redis. It is not a test; the machine is shared, so figures vary from run to run.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from bench.cluster import wait_port

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
SLUG = "bench-article"
ARTICLE = f"/articles/{SLUG}/"
# The gunicorn targets (which could redirect or answer something else) have
# each response checked in Lua; nginx serving files has its statuses above
# 399 counted by wrk, and every target is checked once before the load.
CHECKED_IN_LUA = frozenset(
    {
        "bare WSGI on gunicorn (ceiling)",
        "app, page cached (fast path)",
        "app, cache cold (stored bytes from PostgreSQL)",
        "app, local copy (as deployed)",
    }
)


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DEBUG="0",
        TESTING="0",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only-secret-key"),
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="cms.settings",
    )
    env.update(extra)
    return env


def _prepare(site_url: str, export_dir: Path) -> None:
    """Migrate, publish the benchmark article if it is not live, and export the site."""
    code = f"""
import django; django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
from publishing.models import Publication
if not Publication.objects.filter(slug={SLUG!r}, state="live").exists():
    from bench.bench_reader import _publish_demo_article
    _publish_demo_article()
from publishing.pages import refresh_all_live
refresh_all_live()
from publishing.export import export_site
export_site({str(export_dir)!r}, static=False)
"""
    subprocess.run([PY, "-c", code], cwd=ROOT, env=_env(SITE_URL=site_url, CELERY_TASK_ALWAYS_EAGER="1"), check=True)


def _gunicorn(app: str, port: int, **extra: str) -> subprocess.Popen:
    command = [PY, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}", "--workers", "2"]
    command += ["--worker-class", "sync", "--log-level", "warning"]
    process = subprocess.Popen(command, cwd=ROOT, env=_env(**extra), stdout=subprocess.DEVNULL)
    wait_port(port, process, f"gunicorn {app}")
    return process


def _nginx(folder: Path, port: int, export_dir: Path, file_dir: Path) -> subprocess.Popen:
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    user = "user root;\n" if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(
        f"""{user}worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {folder}/body; proxy_temp_path {folder}/proxy;
  fastcgi_temp_path {folder}/fastcgi; uwsgi_temp_path {folder}/uwsgi; scgi_temp_path {folder}/scgi;
  types {{ text/html html; }}
  charset utf-8;
  server {{
    listen 127.0.0.1:{port};
    root {export_dir};
    index index.html;
    location = /same-size.html {{ root {file_dir}; }}
  }}
}}
"""
    )
    process = subprocess.Popen(
        ["/usr/sbin/nginx", "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"]
    )
    wait_port(port, process, "nginx")
    return process


WRK_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
WRK_NON2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")  # statuses above 399 only
WRK_NON200 = re.compile(r"Not 200 with the page's length:\s+(\d+)")
# Counts, across wrk's threads, the responses that are not a 200 with the
# expected body length (wrk only counts statuses above 399 as errors, so a
# redirect loop would pass unnoticed). `#body` is O(1) in Lua.
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) expected = tonumber(args[1]); bad = 0 end
function response(status, headers, body)
  if status ~= 200 or #body ~= expected then bad = bad + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("bad") end
  io.write(string.format("Not 200 with the page's length: %d\\n", total))
end
"""
WRK_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def _wrk(
    url: str, connections: int, seconds: int, close: bool, script: Path | None, length: int
) -> tuple[float, int, int]:
    """Run wrk once; return requests/s, responses that were not the page, and socket errors.

    With ``script`` every response is checked in Lua (status 200 and the
    page's length). Without it only wrk's own count of statuses above 399 is
    available: used for nginx serving a file, which cannot redirect, so that
    wrk's cost of handing each 47 KB body to Lua does not lower the baseline
    the app is compared with.
    """
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if close:
        command += ["-H", "Connection: close"]
    command += ["-s", str(script), url, "--", str(length)] if script else [url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(WRK_RATE.search(out).group(1))
    if script:
        non200 = WRK_NON200.search(out)
        if non200 is None:
            raise SystemExit(f"wrk printed no count of non-200 responses for {url}:\n{out}")
        bad = int(non200.group(1))
    else:
        bad = int(WRK_NON2XX.search(out).group(1)) if WRK_NON2XX.search(out) else 0
    errors = sum(int(n) for n in WRK_ERRORS.search(out).groups()) if WRK_ERRORS.search(out) else 0
    return rate, bad, errors


def _peak_rss_mb(master: subprocess.Popen) -> float:
    """Return the largest VmHWM (peak resident set) among the master's worker processes, in MB."""
    peak = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if f"PPid:\t{master.pid}\n" in text:
            match = re.search(r"VmHWM:\s+(\d+) kB", text)
            if match:
                peak = max(peak, int(match.group(1)))
    return peak / 1024


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx is an answer to check, not to follow


_OPENER = urllib.request.build_opener(_NoRedirects)


def _fetch(url: str, headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with _OPENER.open(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
        return error.code, error.read()


def main() -> None:
    """Run the whole benchmark once and print the table."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        print("bench.reader: skipped, needs DATABASE_URL=postgres://… and REDIS_URL (production-like services).")
        return
    for tool in ("wrk", "/usr/sbin/nginx"):
        if not shutil.which(tool):
            print(f"bench.reader: skipped, needs {tool}.")
            return
    base = int(os.environ.get("BENCH_PORT", "18120"))
    seconds = int(os.environ.get("BENCH_SECONDS", "5"))
    ports = {"cached": base, "cold": base + 1, "bare": base + 2, "nginx": base + 3, "local": base + 4}
    work = Path(tempfile.mkdtemp(prefix="vetted-bench-"))
    processes: list[subprocess.Popen] = []
    failed = True
    try:
        site_url = f"http://127.0.0.1:{ports['cached']}"
        export_dir = work / "export"
        _prepare(site_url, export_dir)
        page = (export_dir / "articles" / SLUG / "index.html").read_bytes()
        file_dir = work / "file"
        file_dir.mkdir()
        (file_dir / "same-size.html").write_bytes(b"x" * len(page))
        os.environ["BENCH_BARE_BODY"] = str(file_dir / "same-size.html")

        local = _gunicorn("cms.wsgi", ports["local"], SITE_URL=site_url, LOCAL_COPIES="1")
        cached = _gunicorn("cms.wsgi", ports["cached"], SITE_URL=site_url, LOCAL_COPIES="0")
        cold = _gunicorn("cms.wsgi", ports["cold"], SITE_URL=site_url, READER_CACHE_SECONDS="0", LOCAL_COPIES="0")
        bare = _gunicorn(
            "bench.reader.bare:application", ports["bare"], BENCH_BARE_BODY=str(file_dir / "same-size.html")
        )
        nginx = _nginx(work / "nginx", ports["nginx"], export_dir, file_dir)
        processes += [local, cached, cold, bare, nginx]

        targets = {
            "nginx, same-size file, Connection: close": (f"http://127.0.0.1:{ports['nginx']}/same-size.html", True),
            "nginx, same-size file, keep-alive": (f"http://127.0.0.1:{ports['nginx']}/same-size.html", False),
            "export behind nginx, Connection: close": (f"http://127.0.0.1:{ports['nginx']}{ARTICLE}", True),
            "bare WSGI on gunicorn (ceiling)": (f"http://127.0.0.1:{ports['bare']}/", False),
            "app, local copy (as deployed)": (f"http://127.0.0.1:{ports['local']}{ARTICLE}", False),
            "app, page cached (fast path)": (f"http://127.0.0.1:{ports['cached']}{ARTICLE}", False),
            "app, cache cold (stored bytes from PostgreSQL)": (f"http://127.0.0.1:{ports['cold']}{ARTICLE}", False),
        }
        # Every target answers 200 (redirects not followed) with a body of the
        # page's size before any load, and the app (cached and cold) answers
        # exactly the export's bytes, for each encoding a reader may ask for.
        for name, (url, _) in targets.items():
            status, body = _fetch(url)
            if status != 200 or len(body) != len(page):
                raise SystemExit(f"{name}: {status}, {len(body)} bytes (expected 200, {len(page)} bytes)")
        for name in (
            "app, local copy (as deployed)",
            "app, page cached (fast path)",
            "app, cache cold (stored bytes from PostgreSQL)",
        ):
            for _twice in range(2):  # the cached app: a miss, then a hit
                if _fetch(targets[name][0])[1] != page:
                    raise SystemExit(f"{name}: bytes differ from the export's {ARTICLE}")
            export_gz = (export_dir / "articles" / SLUG / "index.html.gz").read_bytes()
            if _fetch(targets[name][0], {"Accept-Encoding": "gzip"})[1] != export_gz:
                raise SystemExit(f"{name}: gzip bytes differ from the export's index.html.gz")
        if _fetch(targets["export behind nginx, Connection: close"][0])[1] != page:
            raise SystemExit("nginx does not serve the export's bytes")
        identical = True
        script = work / "count-non-200.lua"
        script.write_text(WRK_SCRIPT)
        results: dict[tuple[str, int], list[tuple[float, int, int]]] = {}
        for _round in range(3):
            for connections in (16, 64):
                for name, (url, close) in targets.items():
                    checked = script if name in CHECKED_IN_LUA else None
                    results.setdefault((name, connections), []).append(
                        _wrk(url, connections, seconds, close, checked, len(page))
                    )
        rss = max(_peak_rss_mb(local), _peak_rss_mb(cached), _peak_rss_mb(cold))

        print(f"Reader delivery, {len(page)} byte article page, {seconds} s rounds, 3 interleaved rounds, medians")
        print(f"load average at the end: {os.getloadavg()}  (shared machine: other work competes for the cores)")
        print(f"app bytes == export bytes: {identical}")
        for connections in (16, 64):
            baseline = statistics.median(
                r[0] for r in results[("nginx, same-size file, Connection: close", connections)]
            )
            ceiling = statistics.median(r[0] for r in results[("bare WSGI on gunicorn (ceiling)", connections)])
            print(f"\n{connections} connections")
            print(f"{'target':52} {'req/s':>9} {'ratio':>6} {'×ceil.':>6} {'non-200':>8} {'errors':>7}")
            for name in targets:
                runs = results[(name, connections)]
                rate = statistics.median(r[0] for r in runs)
                print(
                    f"{name:52} {rate:9.0f} {rate / baseline:6.3f} {rate / ceiling:6.3f} "
                    f"{sum(r[1] for r in runs):8d} {sum(r[2] for r in runs):7d}"
                )
        print(f"\npeak RSS of a gunicorn worker: {rss:.1f} MB")
        bad = sum(run[1] + run[2] for runs in results.values() for run in runs)
        if bad:
            print(f"FAILED: {bad} responses were not a 200 with the page's bytes, or were socket errors")
            failed = True
        else:
            failed = False
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(work, ignore_errors=True)
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
