"""Query-count guard rails: a list page must cost the same number of queries at any size."""

from __future__ import annotations

from collections.abc import Callable

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories


def queries_for(client, url: str) -> tuple[int, str, list[str]]:
    """GET the URL and return (query count, body, the SQL run)."""
    cache.clear()  # count the worst case: nothing cached
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return len(ctx), response.content.decode(), [q["sql"] for q in ctx.captured_queries]


def assert_flat(client, url: str, grow: Callable[[], object], *, expect_more: Callable[[str], bool]) -> int:
    """Count the page's queries, grow the data, count again: the counts must be equal.

    `expect_more` checks the grown page shows the new rows, so the test fails
    if growing the data did not reach the page at all.
    """
    return assert_all_flat(client, {url: expect_more}, grow)[url]


def assert_all_flat(client, pages: dict[str, Callable[[str], bool]], grow: Callable[[], object]) -> dict[str, int]:
    """assert_flat for several pages around one growth: {url: expect_more}; returns each page's count.

    Growing the data is the slow part (every row goes through the real
    services), so pages that grow the same way share it.
    """
    for url in pages:
        client.get(url)  # warm per-process caches (content types, sessions)
    before = {url: queries_for(client, url) for url in pages}
    grow()
    problems = []
    for url, expect_more in pages.items():
        after, body, after_sql = queries_for(client, url)
        if not expect_more(body):
            problems.append(f"{url}: the grown data does not show on the page")
        elif after != before[url][0]:
            problems.append(
                f"{url} ran {before[url][0]} queries with a few rows and {after} with more: an N+1 is back.\n"
                + "\n".join(after_sql[len(before[url][2]) - 5 :])
            )
    assert not problems, "\n\n".join(problems)
    return {url: counts[0] for url, counts in before.items()}


def board_members(n: int, *, start: int = 0, disclosed_drugs: str = "") -> list:
    """Create n verified board members (their disclosures name `disclosed_drugs`)."""
    return [
        factories.BoardMemberFactory(user__username=f"board{start + i}", disclosed_drugs=disclosed_drugs)
        for i in range(n)
    ]
