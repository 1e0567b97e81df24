"""EXPLAIN ANALYZE the list queries whose indexes BENCHMARKS.md justifies (`python -m bench.explain`, PostgreSQL)."""

from __future__ import annotations

import os


def queries() -> dict:
    """Return the list queries, by name, exactly as the pages build them (first page)."""
    from articles.models import Article
    from publishing import selectors as ps
    from review import selectors as rs

    return {
        "dashboard live list": ps.publication_desk_live_list()[:50],
        "editors' queue, submitted": rs.in_flight_articles("submitted")[:20],
        "awaiting publication": ps.article_list_awaiting_publication()[:50],
        "reader index A-Z": ps.catalogue_index()[:50],
        "reader index, last page": ps.catalogue_index()[max(0, ps.catalogue_live().count() - 50) :],
        "API list, first page": ps.catalogue_live().order_by("title", "id")[:51],
        "search": ps.catalogue_search("herpes zoster treatment")[:50],
        "studio list": Article.objects.filter(authors__username="bench-author1").order_by("-updated_at", "-pk")[:50],
    }


def main() -> None:
    from django.db import connection, transaction

    wanted = set(os.environ.get("EXPLAIN_ONLY", "").split(",")) - {""}
    drop = [name for name in os.environ.get("EXPLAIN_WITHOUT", "").split(",") if name]
    with transaction.atomic():
        # "Before" plans: drop the named indexes inside a transaction that is rolled back.
        with connection.cursor() as cursor:
            for index in drop:
                cursor.execute(f'DROP INDEX "{index}"')
        _explain(wanted)
        transaction.set_rollback(True)


def _explain(wanted: set[str]) -> None:
    from django.db import connection

    for name, queryset in queries().items():
        if wanted and name not in wanted:
            continue
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = [row[0] for row in cursor.fetchall()]
        print(f"### {name}\n")
        print("```")
        print("\n".join(plan))
        print("```\n")


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
    import django

    django.setup()
    main()
