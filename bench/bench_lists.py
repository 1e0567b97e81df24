"""Every list page as its persona at one size: queries, p50/p95 latency, peak RSS (`python -m bench bench_lists`).

Needs a database it may fill: DATABASE_URL (PostgreSQL for real figures),
and BENCH_ARTICLES, the size (`make bench-lists ARTICLES=N` sets it); the generator (bench/seed.py)
tops the database up to that size, so 1,000 then 10,000 reuses the first
1,000. Each page is measured in its own fresh process (so its peak RSS is
the page's, not the generator's): one warm-up request, then BENCH_REQUESTS
(default 20) requests through Django's test client with the cache cleared
before each one, i.e. the uncached cost. Prints a Markdown table and the
load average, because the machine is shared.

BENCH_MEASURE_ONLY=1 (`make bench-lists-measure`) skips the migration and the
generator and measures the database as it is, e.g. 100,000 articles generated
earlier; BENCH_ARTICLES then only labels the output (the real count is printed).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time


def _pages() -> list[tuple[str, str, str]]:
    """Return (persona, username or "", URL) for every page measured, using generated rows for the URLs."""
    from django.db.models import Max

    from articles.models import Article
    from cms.pagination import PER_PAGE
    from publishing.models import CatalogueEntry

    article = Article.objects.filter(slug="bench-1").first() or Article.objects.order_by("pk").first()
    live = CatalogueEntry.objects.order_by("title", "id").values_list("slug", flat=True)
    live_count = live.count()
    last_index_page = max(1, (live_count + PER_PAGE - 1) // PER_PAGE)
    latest = CatalogueEntry.objects.aggregate(m=Max("id"))["m"]
    late = CatalogueEntry.objects.filter(pk=latest).first()
    cursor = ""
    if late is not None:
        from publishing.api import cursor_token

        cursor = cursor_token(late.title, late.pk)
    any_live = live.first() or ""
    board, editor, author = "bench-reviewer0", "bench-editor", "bench-author1"
    return [
        ("board member", board, "/review/"),
        ("board member", board, "/review/?page=9999"),
        ("editor", editor, "/review/editor/"),
        ("editor", editor, f"/review/{article.slug}/"),
        ("editor", editor, "/publishing/"),
        ("editor", editor, "/publishing/?live_page=9999"),
        ("editor", editor, "/publishing/inbox/?state=all"),
        ("editor", editor, f"/publishing/articles/{article.slug}/history/"),
        ("author", author, "/studio/"),
        ("author", author, "/studio/?page=9999"),
        ("author", author, f"/studio/{article.slug}/history/"),
        ("reader", "", "/"),
        ("reader", "", f"/?page={last_index_page}"),
        ("reader", "", "/?letter=M"),
        ("reader", "", "/search/?q=ivermectin"),
        ("reader", "", "/search/?q=herpes+zoster+treatment"),
        ("reader", "", "/search/?q=ivermectine+oseltamivr"),
        ("reader", "", "/sitemap.xml"),
        ("reader", "", "/sitemap-articles-1.xml"),
        ("reader", "", "/api/articles/"),
        ("reader", "", f"/api/articles/?cursor={cursor}"),
        ("reader", "", f"/articles/{any_live}/"),
    ]


def _peak_rss_mb() -> float:
    """Return this process's peak resident set size (VmHWM: unlike ru_maxrss it does not inherit the parent's)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_one(username: str, url: str, requests: int) -> dict:
    """Request one page `requests` times in this process; return its figures."""
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    if username:
        client.force_login(get_user_model().objects.get(username=username))
    cache.clear()
    status = client.get(url).status_code  # warm-up: templates, content types
    timings, queries, size = [], 0, 0
    for _ in range(requests):
        cache.clear()
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        queries, size, status = len(ctx), len(response.content), response.status_code
    timings.sort()
    return {
        "status": status,
        "queries": queries,
        "p50": statistics.median(timings),
        "p95": timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))],
        "rss_mb": _peak_rss_mb(),
        "kb": size / 1024,
    }


def measure_save(requests: int) -> dict:
    """Time saving a generated article through article_update (one revision with variants and references)."""
    from articles import services
    from articles.models import Article
    from textkit.content import REFERENCE_FIELDS

    # Its own article, so the generated copies keep their template's shape for the check.
    template = Article.objects.get(slug="bench-template-draft")
    article = Article.objects.filter(slug="bench-save").first() or services.article_create(
        acting_user=template.authors.first(),
        slug="bench-save",
        title="Benchmark article for timing saves",
        condition=template.condition,
        drugs=template.drugs,
        summary=template.summary,
        body=template.body,
        references=[{n: getattr(r, n) for n in REFERENCE_FIELDS} for r in template.references.all()],
    )
    timings = []
    for i in range(requests):
        article.refresh_from_db()
        started = time.perf_counter()
        services.article_update(
            article,
            acting_user=article.authors.first(),
            lock_version=article.lock_version,
            fields={"summary": f"Benchmark save {i} [@guide1]."},
        )
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {"p50": statistics.median(timings), "p95": timings[round(0.95 * (len(timings) - 1))]}


def main() -> None:
    from django.core.management import call_command
    from django.db import connection

    measure_only = os.environ.get("BENCH_MEASURE_ONLY") == "1"
    if not os.environ.get("DATABASE_URL") or not (os.environ.get("BENCH_ARTICLES") or measure_only):
        # It fills the database it is given: only when asked for by name (make bench-lists).
        print("skipped: bench_lists fills a database; run `make bench-lists ARTICLES=N` with DATABASE_URL set")
        return
    size = int(os.environ.get("BENCH_ARTICLES") or "1000")
    requests = int(os.environ.get("BENCH_REQUESTS", "20"))
    if os.environ.get("BENCH_MEASURE_ONLY") == "1":
        from articles.models import Article

        size = Article.objects.filter(slug__regex=r"^bench-[0-9]+$").count()
        print("measure only: the database is used as it is (no migration, no generation)")
    else:
        call_command("migrate", verbosity=0)
        call_command("bench_seed", articles=size, check=20)
    print(f"database: {connection.vendor}, {size:,} generated articles, {requests} requests per page (cache cleared)")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (2 cores, shared machine)")
    print()
    print("| persona | page | status | queries | p50 ms | p95 ms | peak RSS MB | KB |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    env.setdefault("ALLOWED_HOSTS", "testserver")
    for persona, username, url in _pages():
        out = subprocess.run(
            [sys.executable, "-m", "bench.bench_lists", "--one", username, url, str(requests)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        try:
            r = json.loads(out.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            print(f"| {persona} | `{url}` | failed: {out.stderr.strip().splitlines()[-1:]} | | | | | |")
            continue
        print(
            f"| {persona} | `{url[:60]}` | {r['status']} | {r['queries']} | {r['p50']:.1f} | {r['p95']:.1f} "
            f"| {r['rss_mb']:.0f} | {r['kb']:.0f} |"
        )
    save = measure_save(min(requests, 10))
    print(f"\nsaving an article (article_update): p50 {save['p50']:.1f} ms, p95 {save['p95']:.1f} ms")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__" and len(sys.argv) >= 2 and sys.argv[1] == "--one":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
    import django

    django.setup()
    print(json.dumps(measure_one(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
