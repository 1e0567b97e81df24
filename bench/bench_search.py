"""Reader search at several catalogue sizes: relevance (MRR, nDCG@10) and latency (p50/p95) per query.

``make bench-search SIZES=1000,10000,100000`` (DATABASE_URL: a PostgreSQL
database this may fill). For each size the generated catalogue of
bench/search_catalogue.py is topped up (a larger size reuses the smaller
one's rows), the judged set is scored, and each query of QUERIES is requested
as a reader through Django's test client, BENCH_REQUESTS times (default 30)
after one warm-up, the page cache cleared before each: the whole search page,
uncached. With BENCH_SEARCH_GIN=1 the same is measured again with the lead's
RUM indexes (text and the two prior tiers) replaced by one GIN index (the
fallback where the rum extension is absent), then RUM is put back. Prints Markdown tables and the load average (the
machine is shared).
"""

from __future__ import annotations

import os
import statistics
import time

# (kind, query string): common terms with thousands of matches at 100,000, rare ones, and the page's other paths.
QUERIES = (
    ("common", "q=cytomegalovirus"),
    ("common", "q=kidney+transplant"),
    ("common", "q=CMV"),
    ("common", "q=valganciclovir"),
    ("common", "q=transplant+fever"),
    ("common, filtered", "q=cytomegalovirus&audience=patient"),
    ("common, filtered", "q=kidney+transplant&drug=valganciclovir"),
    ("rare", "q=leflunomide"),
    ("rare", "q=Daraprim"),
    ("rare", "q=how+is+pneumocystis+pneumonia+prevented+after+a+kidney+transplant"),
    ("Spanish", "q=tratamiento+herpes+zoster"),
    ("misspelled", "q=valgancyclovir"),
    ("nothing", "q=zzqx+unknown"),
)


def _measure(url: str, requests: int) -> dict:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    cache.clear()
    client.get(url)
    timings, queries = [], 0
    for _ in range(requests):
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        queries = len(ctx)
    timings.sort()
    return {
        "status": response.status_code,
        "queries": queries,
        "p50": statistics.median(timings),
        "p95": timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))],
    }


def _swap_index(kind: str) -> None:
    """Give the lead the indexes of `kind`: "gin" (the text index only, as without the rum extension) or "rum"."""
    from django.db import connection

    from publishing.selectors.search import LEAD_INDEX, SEARCH_PRIOR_SPLIT, prior_order_forget

    using = "rum (tsv rum_tsvector_ops)" if kind == "rum" else "gin (tsv)"
    prior = "USING rum (tsv rum_tsvector_addon_ops, prior) WITH (attach = 'prior', to = 'tsv')"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {LEAD_INDEX}")
        cursor.execute("DROP INDEX IF EXISTS catalogue_lead_prior_high")
        cursor.execute("DROP INDEX IF EXISTS catalogue_lead_prior_low")
        # Fixed SQL: the index names, methods and the split are constants.
        cursor.execute(f"CREATE INDEX {LEAD_INDEX} ON publishing_cataloguelead USING {using}")  # nosec B608
        if kind == "rum":  # the two prior tiers of migration 0021
            cursor.execute(
                f"CREATE INDEX catalogue_lead_prior_high ON publishing_cataloguelead {prior}"
                f" WHERE prior >= {SEARCH_PRIOR_SPLIT}"
            )
            cursor.execute(
                f"CREATE INDEX catalogue_lead_prior_low ON publishing_cataloguelead {prior}"
                f" WHERE prior < {SEARCH_PRIOR_SPLIT}"
            )
        cursor.execute("ANALYZE publishing_cataloguelead")
    prior_order_forget()


def _table(size: int, kind: str, requests: int) -> None:
    from bench import search_catalogue

    started = time.perf_counter()
    figures = search_catalogue.evaluate()
    print(
        f"\n### {size:,} articles, {kind} index — relevance: MRR {figures['mrr']:.3f}, nDCG@10 {figures['ndcg10']:.3f},"
        f" best article in the top 3 for {figures['top3']:.0%} of {figures['queries']} judged queries"
        f" ({time.perf_counter() - started:.1f} s)"
    )
    misses = [r for r in figures["rows"] if r["rr"] < 1 / 3]
    for row in misses:
        print(f"- not in the top 3: {row['query']!r} ({row['kind']}) -> {row['top']}")
    print("\n| kind | query | status | queries | p50 ms | p95 ms |")
    print("| --- | --- | --- | --- | --- | --- |")
    p95s = []
    for label, query in QUERIES:
        r = _measure(f"/search/?{query}", requests)
        p95s.append(r["p95"])
        print(f"| {label} | `{query}` | {r['status']} | {r['queries']} | {r['p50']:.1f} | {r['p95']:.1f} |")
    print(f"\nworst p95: {max(p95s):.1f} ms; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> None:
    from django.core.management import call_command
    from django.db import connection

    from bench import search_catalogue
    from publishing.selectors.search import search_index_kind

    sizes = [int(s) for s in (os.environ.get("BENCH_SEARCH_SIZES") or "").split(",") if s.strip()]
    if not os.environ.get("DATABASE_URL") or not sizes:
        print("skipped: bench_search fills a database; run `make bench-search SIZES=1000,10000` with DATABASE_URL set")
        return
    requests = int(os.environ.get("BENCH_REQUESTS", "30"))
    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}; {requests} requests per query (page cache cleared before each)")
    for size in sizes:
        started = time.perf_counter()
        written = search_catalogue.generate(size, out=lambda *_: None)
        print(f"\n## {size:,} generated live articles ({written:,} written in {time.perf_counter() - started:.0f} s)")
        with connection.cursor() as cursor:  # fresh statistics and visibility for the rows just written
            cursor.execute("VACUUM (ANALYZE) publishing_cataloguelead, publishing_catalogueentry")
        kind = search_index_kind()
        _table(size, kind, requests)
        if os.environ.get("BENCH_SEARCH_GIN") == "1" and kind == "rum":
            _swap_index("gin")
            try:
                _table(size, "gin (fallback)", requests)
            finally:
                _swap_index("rum")
