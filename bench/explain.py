"""EXPLAIN ANALYZE the list queries whose indexes BENCHMARKS.md justifies (`python -m bench.explain`, PostgreSQL)."""

from __future__ import annotations

import os


def queries() -> dict:
    """Return the list queries, by name, exactly as the pages build them (first page)."""
    from articles.models import Article
    from publishing import selectors as ps
    from publishing.sitemaps import ArticleSitemap
    from review import selectors as rs

    member = _member()
    total = ps.catalogue_count()
    sitemap = ArticleSitemap()
    return {
        "dashboard live list": ps.publication_desk_live_list()[:50],
        "editors' queue, submitted": rs.in_flight_articles("submitted")[:20],
        "awaiting publication": ps.article_list_awaiting_publication()[:50],
        "reader index A-Z": ps.catalogue_index().page_query(slice(0, 50)),
        "reader index last page": ps.catalogue_index().page_query(slice(max(0, total - 50), total)),
        "reader index letter M": ps.catalogue_index("M").page_query(slice(0, 50)),
        "API list, first page": ps.catalogue_live().order_by("title", "id")[:51],
        "sitemap section 3": sitemap.items().page_query(slice(2 * sitemap.limit, 3 * sitemap.limit)),
        # Search is raw SQL, not a queryset (publishing/selectors/search.py): `make bench-search` measures it.
        "studio list": Article.objects.filter(authors__username="bench-author1").order_by("-updated_at", "-pk")[:50],
        "board queue awaiting, first page": rs.review_rounds_awaiting(member)[:50],
        "board queue mine, first page": rs.review_rounds_mine(member)[:50],
    }


def counts() -> dict:
    """Return the pagers' counts ("1-50 of N") of the slow staff pages, as callables (their SQL is captured)."""
    from publishing import selectors as ps
    from publishing.models import Publication
    from publishing.sitemaps import ArticleSitemap
    from review import selectors as rs

    member = _member()
    return {
        "count: board queue awaiting": rs.review_rounds_awaiting(member).count,
        "count: board queue mine": rs.review_rounds_mine(member).count,
        "count: editors' queue, submitted": rs.in_flight_articles("submitted").count,
        "count: editors' queue, stale": rs.review_rounds_stale().count,
        "count: editors' queue, overdue": rs.articles_due_for_review().count,
        "count: desk awaiting publication": ps.article_list_awaiting_publication().count,
        "count: desk live": ps.publication_desk_live_list().count,
        "count: desk pending": ps.publication_list_in_state(Publication.State.PENDING).count,
        "count: reader index (and API)": ps.catalogue_count,
        "count: reader index letter M": ps.catalogue_index("M").count,
        "reader index letters": ps.catalogue_letters,
        "count: search ivermectin (capped)": ps.catalogue_search("ivermectin").count,
        "count: sitemap": ArticleSitemap().items().count,
        "sitemap lastmod": ArticleSitemap().get_latest_lastmod,
    }


def _member():
    from review.models import BoardMember

    return BoardMember.objects.filter(user__username="bench-reviewer0").first()


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
    from django.test.utils import CaptureQueriesContext

    for name, queryset in queries().items():
        if wanted and name not in wanted:
            continue
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = [row[0] for row in cursor.fetchall()]
        _print(name, plan)
    for name, count in counts().items():
        if wanted and name not in wanted:
            continue
        with CaptureQueriesContext(connection) as captured:
            count()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + captured.captured_queries[-1]["sql"])
            _print(name, [row[0] for row in cursor.fetchall()])


def _print(name: str, plan: list[str]) -> None:
    print(f"### {name}\n")
    print("```")
    print("\n".join(plan))
    print("```\n")


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
    import django

    django.setup()
    main()
