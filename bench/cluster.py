"""A small cluster on loopback, and what it does under load: `make cluster`, `make bench-cluster`.

``Stack`` starts, each in a temporary folder on spare loopback ports:

- a PostgreSQL primary and its streaming replica (``tests/scale/pg_cluster.py``:
  ``initdb``, ``pg_basebackup -R``, ``pg_ctl``), the app reading from both;
- its own Redis (broker, page cache, purge counter);
- two gunicorn instances of the app (2 sync workers each), as deployed
  (``cms.wsgi``: local copies on, replica router on);
- Varnish with ``deploy/varnish/vetted.vcl``, its one backend turned into a
  round-robin director over both instances with health probes and a retry on
  a failed fetch, purged by tag (``PURGE_BACKEND=varnish``);
- one Celery worker per queue (publish, mail, bulk).

``python -m bench.cluster --serve`` (``make cluster``) starts it with a small
catalogue and prints the addresses until Ctrl-C. ``python -m bench.cluster``
(``make bench-cluster``) seeds ``CLUSTER_ARTICLES`` articles (default 10,000,
of which 10 % approved and not yet live: the publish run) and measures, in
one run: reader throughput through Varnish (all hits; with 1 % misses; with
one app instance killed mid-run, counting every response that was not a 200
and the time until misses were answered again), purge-to-fresh latency at
the edge (from the go-live's commit to the new bytes at Varnish, p50/p99),
and publish throughput with the real publish workers (pages live per
second). Needs Debian's PostgreSQL server binaries, redis-server, varnishd
with varnish-modules, and wrk. Not a test; the machine is shared, so figures
vary from run to run (BENCHMARKS.md, RELIABILITY.md).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
CELERY = str(Path(PY).with_name("celery"))

WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  paths = {}
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  miss = tonumber(args[2]); bad = 0; n = 0
  math.randomseed(os.time() + #threads)
end
function request()
  n = n + 1
  local path = paths[math.random(#paths)]
  if miss > 0 and math.random() < miss then path = path .. "?miss=" .. n .. "-" .. math.random(1000000000) end
  return wrk.format("GET", path)
end
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("bad") end
  io.write(string.format("Not 200: %d\\n", total))
  io.write(string.format("p99 ms: %.2f\\n", latency:percentile(99) / 1000))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, process: subprocess.Popen | None, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"{what} exited early (code {process.returncode})")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{what} did not listen on {port}")


def missing(*, load: bool = True) -> str | None:
    """Return what this machine lacks for the cluster (and, with load, for loading it with wrk), or None."""
    sys.path.insert(0, str(ROOT))
    from tests.scale import pg_cluster

    reason = pg_cluster.missing_reason()
    if reason:
        return reason
    for tool in ("redis-server", "/usr/sbin/varnishd", *(["wrk"] if load else [])):
        if not shutil.which(tool):
            return f"needs {tool}"
    if not list(Path("/usr/lib").glob("*/varnish/vmods/libvmod_xkey.so")):
        return "needs varnish-modules (the xkey vmod)"
    return None


def director_vcl(vcl: str, backends: list[int]) -> str:
    """Turn the shipped VCL's one backend into a round-robin director over several, with probes and a retry."""
    start = vcl.index("backend app {")
    end = vcl.index("}", start) + 1
    blocks = "\n".join(
        f'backend app{i} {{\n    .host = "127.0.0.1";\n    .port = "{port}";\n'
        "    .connect_timeout = 1s;\n    .first_byte_timeout = 30s;\n"
        '    .probe = { .url = "/healthz"; .interval = 1s; .timeout = 1s;\n'
        "        .window = 3; .threshold = 2; .initial = 2; }\n}"
        for i, port in enumerate(backends)
    )
    adds = "\n".join(f"    apps.add_backend(app{i});" for i in range(len(backends)))
    vcl = vcl[:start] + blocks + f"\n\nsub vcl_init {{\n    new apps = directors.round_robin();\n{adds}\n}}" + vcl[end:]
    vcl = vcl.replace("import xkey;", "import xkey;\nimport directors;")
    vcl = vcl.replace("sub vcl_recv {", "sub vcl_recv {\n    set req.backend_hint = apps.backend();", 1)
    # A fetch that fails (an instance just died) is tried once more on the next instance.
    return vcl + "\nsub vcl_backend_error {\n    if (bereq.retries < 2) {\n        return (retry);\n    }\n}\n"


class Stack:
    """Everything of the cluster, started and stopped together (see the module docstring)."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.processes: dict[str, subprocess.Popen] = {}
        self.app_ports = [free_port(), free_port()]
        self.varnish_port = free_port()
        self.redis_port = free_port()
        self.primary = self.replica = None

    @property
    def edge(self) -> str:
        return f"http://127.0.0.1:{self.varnish_port}"

    def env(self, **extra: str) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key not in {"TESTING", "DATABASE_REPLICA_URL"}}
        env.update(
            DJANGO_SETTINGS_MODULE="cms.settings",
            DATABASE_URL=self.primary.url,
            DATABASE_REPLICA_URL=self.replica.url,
            REDIS_URL=f"redis://127.0.0.1:{self.redis_port}/0",
            REDIS_CACHE_URL=f"redis://127.0.0.1:{self.redis_port}/1",
            CELERY_BROKER_URL=f"redis://127.0.0.1:{self.redis_port}/0",
            CELERY_TASK_ALWAYS_EAGER="0",
            PURGE_BACKEND="varnish",
            PURGE_HTTP_URL=self.edge,
            SITE_URL=self.edge,
            DEBUG="0",
            SECRET_KEY="cluster-bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            PLAIN_HTTP="1",
            SECURE_SSL_REDIRECT="0",
            REQUIRE_STAFF_2FA="0",
            LOG_LEVEL="WARNING",
            VETTED_VAR_DIR=str(self.work / "var"),
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        )
        env.update(extra)
        return env

    def _spawn(self, name: str, argv: list[str], **extra: str) -> subprocess.Popen:
        log = open(self.work / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            argv, cwd=ROOT, env=self.env(**extra), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.processes[name] = process
        return process

    def start(self, *, articles: int, out=print) -> None:
        from tests.scale import pg_cluster

        (self.work / "var").mkdir(parents=True, exist_ok=True)
        self.primary, self.replica = pg_cluster.start_pair()
        out(f"PostgreSQL primary :{self.primary.port}, replica :{self.replica.port}")
        redis = self._spawn(
            "redis",
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        )
        wait_port(self.redis_port, redis, "redis-server")
        started = time.monotonic()
        code = (
            "import django; django.setup()\n"
            "from django.core.management import call_command\n"
            "call_command('migrate', verbosity=0)\n"
            "call_command('collectstatic', interactive=False, verbosity=0)\n"
            "from bench.seed import seed\n"
            f"seed({articles}, out=lambda line: print(line, flush=True))\n"
        )
        subprocess.run(
            [PY, "-c", code], cwd=ROOT, env=self.env(CELERY_TASK_ALWAYS_EAGER="1", PURGE_BACKEND="none"), check=True
        )
        out(f"migrated and seeded {articles} articles in {time.monotonic() - started:.0f} s")
        for i, port in enumerate(self.app_ports):
            self._spawn(
                f"app{i}",
                [PY, "-m", "gunicorn", "cms.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
            )
        for i, port in enumerate(self.app_ports):
            wait_port(port, self.processes[f"app{i}"], f"app instance {i}")
        vcl = self.work / "cluster.vcl"
        vcl.write_text(director_vcl((ROOT / "deploy" / "varnish" / "vetted.vcl").read_text(), self.app_ports))
        varnish = self._spawn(
            "varnish",
            [
                "/usr/sbin/varnishd",
                "-F",
                "-j",
                "none",
                "-n",
                str(self.work / "varnish"),
                "-a",
                f"127.0.0.1:{self.varnish_port}",
                "-T",
                "none",
                "-f",
                str(vcl),
                "-s",
                "malloc,256m",
            ],  # fmt: skip
        )
        wait_port(self.varnish_port, varnish, "varnishd")
        deadline = time.monotonic() + 30
        while fetch(f"{self.edge}/healthz")[0] != 200:
            if time.monotonic() > deadline:
                raise SystemExit("Varnish did not reach the app instances")
            time.sleep(0.2)
        for queue, concurrency in (("publish", 2), ("mail", 1), ("bulk", 1)):
            self._spawn(
                f"worker-{queue}",
                [CELERY, "-A", "cms", "worker", "-Q", queue, "-n", f"{queue}@cluster", "--loglevel=WARNING",
                 f"--concurrency={concurrency}", "--without-gossip", "--without-mingle"],
            )  # fmt: skip
        out(f"two app instances :{self.app_ports[0]} :{self.app_ports[1]}, Varnish {self.edge}, workers per queue")

    def kill(self, name: str) -> None:
        process = self.processes[name]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        for server in (self.replica, self.primary):
            if server is not None:
                try:
                    server.stop("immediate")
                except Exception:  # already down
                    pass
        if self.primary is not None:
            shutil.rmtree(self.primary.data.parent, ignore_errors=True)


# --- measuring ------------------------------------------------------------------------


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310  # nosec B310 (loopback)
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return 0, b""


def wrk(url: str, paths: Path, *, miss: float, seconds: int, connections: int = 64) -> dict:
    script = paths.with_suffix(".lua")
    script.write_text(WRK_SCRIPT)
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script), url, "--", str(paths), str(miss)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "not_200": int(re.search(r"Not 200: (\d+)", out).group(1)),
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
        "p99_ms": float(re.search(r"p99 ms: ([\d.]+)", out).group(1)),
    }


def live_paths(limit: int = 600) -> list[str]:
    """Return reader addresses of live articles: each one's plain page and its patient and professional pages."""
    from publishing.models import Publication

    slugs = Publication.objects.filter(state="live").order_by("pk").values_list("slug", "article__slug")[: limit // 3]
    paths = []
    for slug, article_slug in slugs:
        base = f"/articles/{slug or article_slug}/"
        paths += [base, f"{base}for/patient/", f"{base}for/professional/"]
    return paths


def kill_run(stack: Stack, paths: Path, seconds: int) -> dict:
    """wrk with 1 % misses while app instance 0 is killed a third of the way in; a poller times the recovery."""
    failures: list[float] = []
    stop = threading.Event()
    first = paths.read_text().split()[0]

    def poll() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            status, _ = fetch(f"{stack.edge}{first}?probe={n}")  # a miss: answered by an app instance
            if status != 200:
                failures.append(time.monotonic())
            time.sleep(0.02)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    killer = threading.Timer(seconds / 3, lambda: (killed.append(time.monotonic()), stack.kill("app0")))
    killed: list[float] = []
    killer.start()
    result = wrk(stack.edge, paths, miss=0.01, seconds=seconds)
    stop.set()
    poller.join()
    result["probe_failures"] = len(failures)
    result["recovered_after_s"] = round(max(failures) - killed[0], 2) if failures and killed else 0.0
    return result


def purge_to_fresh(stack: Stack, rounds: int, out=print) -> list[float]:
    """Edit, approve and publish a live article through the real publish worker; time commit → new bytes at Varnish."""
    from articles.models import Article
    from bench import seed
    from publishing import services
    from publishing.models import Publication
    from review import services as review_services

    people = seed._people()
    live = list(
        Publication.objects.filter(state="live", article__slug__regex=rf"^{seed.PREFIX}-[0-9]+$")
        .select_related("article")
        .order_by("pk")[:rounds]
    )
    latencies = []
    for index, publication in enumerate(live):
        article = Article.objects.get(pk=publication.article_id)
        url = f"{stack.edge}/articles/{publication.slug or article.slug}/for/professional/"
        fetch(url)
        _, old = fetch(url)  # cached at the edge now
        author = article.authors.order_by("pk").first()
        article = seed._edit(article, author, 100 + index, "valganciclovir")
        review_services.article_submit(article, acting_user=author)
        review_services.review_claim(article, acting_user=people.board[0])
        review_services.review_approve(article, acting_user=people.board[0])
        new = services.publication_request(article, acting_user=people.editor)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status, body = fetch(url)
            if status == 200 and body != old:
                fresh = time.time()
                break
            time.sleep(0.002)
        else:
            out(f"  {url}: no new bytes within 60 s")
            continue
        went_live = Publication.objects.values_list("live_at", flat=True).get(pk=new.pk)
        latencies.append(fresh - went_live.timestamp())
    return latencies


def publish_run(stack: Stack, out=print) -> dict:
    """Request publication of every approved, never published article; time until all are live (real workers)."""
    from articles.models import Article
    from bench import seed
    from publishing import services
    from publishing.models import Publication, PublishedPage

    people = seed._people()
    waiting = list(
        Article.objects.filter(slug__regex=rf"^{seed.PREFIX}-[0-9]+$", status="approved", publications__isnull=True)
    )
    started = time.monotonic()
    ids = [services.publication_request(article, acting_user=people.editor).pk for article in waiting]
    requested = time.monotonic() - started
    deadline = time.monotonic() + 1800
    while Publication.objects.filter(pk__in=ids, state="live").count() < len(ids):
        if time.monotonic() > deadline:
            break
        time.sleep(0.5)
    seconds = time.monotonic() - started
    pages = PublishedPage.objects.filter(publication_id__in=ids).count()
    live = Publication.objects.filter(pk__in=ids, state="live").count()
    return {
        "articles": len(ids),
        "live": live,
        "pages": pages,
        "seconds": round(seconds, 1),
        "requests_seconds": round(requested, 1),
        "pages_per_second": round(pages / seconds, 1) if seconds else 0.0,
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def bench(articles: int, seconds: int, rounds: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="vetted-cluster-"))
    stack = Stack(work)
    try:
        stack.start(articles=articles)
        os.environ.update(stack.env())
        import django

        django.setup()
        paths = live_paths()
        for path in paths:  # fill the edge (and store the pages)
            fetch(stack.edge + path)
        listing = work / "paths.txt"
        listing.write_text("\n".join(paths) + "\n")
        results = {"articles": articles, "paths": len(paths)}
        results["hits"] = wrk(stack.edge, listing, miss=0.0, seconds=seconds)
        results["misses_1pct"] = wrk(stack.edge, listing, miss=0.01, seconds=seconds)
        latencies = purge_to_fresh(stack, rounds)
        results["purge_to_fresh_ms"] = {
            "rounds": len(latencies),
            "p50": round(statistics.median(latencies) * 1000, 1) if latencies else None,
            "p99": round(percentile(latencies, 99) * 1000, 1) if latencies else None,
        }
        results["publish"] = publish_run(stack)
        results["instance_killed"] = kill_run(stack, listing, seconds * 2)
        results["load_average"] = os.getloadavg()
        return results
    finally:
        stack.stop()
        shutil.rmtree(work, ignore_errors=True)


def serve(articles: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="vetted-cluster-"))
    stack = Stack(work)
    try:
        stack.start(articles=articles)
        print(f"Serving through Varnish at {stack.edge}/ (logs in {work}); Ctrl-C stops everything.")
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--serve", action="store_true", help="start the cluster and serve until Ctrl-C")
    parser.add_argument("--articles", type=int, default=int(os.environ.get("CLUSTER_ARTICLES", "10000")))
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", "10")))
    parser.add_argument("--rounds", type=int, default=40, help="go-lives timed for purge-to-fresh")
    args = parser.parse_args()
    reason = missing()
    if reason:
        print(f"bench.cluster: skipped, {reason}.")
        return
    if args.serve:
        serve(min(args.articles, 200) if "CLUSTER_ARTICLES" not in os.environ else args.articles)
        return
    print(json.dumps(bench(args.articles, args.seconds, args.rounds), indent=2))


if __name__ == "__main__":
    main()
