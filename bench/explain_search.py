"""Where a search page's time goes: each query it runs, with its time and (PLANS=1) its EXPLAIN (ANALYZE, BUFFERS).

``DATABASE_URL=... DEBUG=0 SECRET_KEY=x TESTING=1 ALLOWED_HOSTS=testserver PYTHONPATH=.
.venv/bin/python bench/explain_search.py [word ...]`` requests each page of
bench_search.QUERIES (only those containing one of the words, if given) as a
reader through Django's test client, uncached, after a warm-up, and prints the
queries the page ran. The plans are run again by EXPLAIN on the same database.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def main(only: list[str]) -> None:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.bench_search import QUERIES

    client = Client()
    for label, query in QUERIES:
        if only and not any(word in query for word in only):
            continue
        url = f"/search/?{query}"
        cache.clear()
        client.get(url)
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
        print(f"\n## {label}: `{query}` — {response.status_code}, {elapsed:.1f} ms, {len(ctx)} queries\n")
        for captured in ctx.captured_queries:
            sql = captured["sql"]
            print(f"- {float(captured['time']) * 1000:.1f} ms: `{sql[:160]}…`")
            if os.environ.get("PLANS") == "1" and sql.lstrip().upper().startswith(("SELECT", "WITH")):
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    print("\n```\n" + "\n".join(row[0] for row in cursor.fetchall()) + "\n```\n")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
    import django

    django.setup()
    main(sys.argv[1:])
