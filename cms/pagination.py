"""One pager for every list: Django's Paginator plus links that keep the rest of the query string.

Views call ``paginate(request, queryset)`` and pass the result to the
``includes/pager.html`` template (``{% include "includes/pager.html" with pager=... %}``).
Links are plain ``<a href>`` so paging works without JavaScript. A page number
that is not a number, or past the end, shows the nearest real page instead of
an error, so an old bookmark still lands somewhere useful.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.utils.formats import number_format
from django.utils.translation import gettext

PER_PAGE = 50


@dataclass
class PageLink:
    number: int | None  # None: an ellipsis between page numbers
    url: str = ""
    current: bool = False


@dataclass
class Pager:
    """A page of a list, with what the pager template needs to show it."""

    page: Page
    param: str
    label: str
    previous_url: str = ""
    next_url: str = ""
    links: list[PageLink] = field(default_factory=list)
    # What the view built from the page's rows (e.g. queue items), when it is more than the rows.
    items: list = field(default_factory=list)

    @property
    def object_list(self) -> Any:
        return self.page.object_list

    @property
    def count(self) -> int:
        return self.page.paginator.count

    @property
    def has_other_pages(self) -> bool:
        return self.page.has_other_pages()

    def __iter__(self):
        return iter(self.page.object_list)

    def __len__(self) -> int:
        return len(self.page.object_list)

    def __bool__(self) -> bool:
        return self.count > 0


def _url(request: HttpRequest, param: str, number: int) -> str:
    query = request.GET.copy()
    if number == 1:
        query.pop(param, None)
    else:
        query[param] = str(number)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else request.path


def _numbers(current: int, last: int, *, around: int = 2) -> list[int | None]:
    """Return the page numbers to link: the first, the last and a window round the current page."""
    shown = {1, last} | set(range(max(1, current - around), min(last, current + around) + 1))
    numbers: list[int | None] = []
    previous = 0
    for number in sorted(shown):
        if number - previous > 1:
            numbers.append(None)
        numbers.append(number)
        previous = number
    return numbers


def range_label(page: Page) -> str:
    """Return "1–50 of 12,345" for a page ("0 of 0" for an empty list)."""
    total = page.paginator.count
    count = number_format(total, force_grouping=True)
    if not total:
        return gettext("%(span)s of %(count)s") % {"span": count, "count": count}
    first, last = page.start_index(), page.end_index()
    span = number_format(first, force_grouping=True)
    if last != first:
        span += f"–{number_format(last, force_grouping=True)}"
    # Translators: a list's range, "1–50 of 12,345".
    return gettext("%(span)s of %(count)s") % {"span": span, "count": count}


class IdsFirst:
    """A list for the Paginator whose page picks its ids first, then reads only those rows.

    ``OFFSET`` makes the database walk every row before the page. Here the
    page's ids are chosen in a subquery that can stay inside an index, and
    joined columns and related rows are read for those rows only: still one
    query per page, the same on every page. At 100,000 articles the desk's
    last page of live pages went from 100 ms of SQL to a few (BENCHMARKS.md).

    ``counted`` (default: ``rows``) is what is counted and what the ids are
    picked from, in ``rows``' order; a narrower queryset over the same rows
    lets both be read from a covering index (the reader catalogue does this).
    """

    ordered = True  # the Paginator warns about unordered lists

    def __init__(self, rows, counted=None):
        self.rows = rows
        self.counted = rows if counted is None else counted

    def count(self) -> int:
        return self.counted.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        if not isinstance(key, slice):
            raise TypeError(f"{type(self).__name__} only gives pages (slices).")
        return list(self.page_query(key))

    def page_query(self, key: slice):
        """Return the query of one page (bench/explain.py shows its plan)."""
        ids = self.counted.order_by(*self.rows.query.order_by).values("pk")[key]
        return self.rows.filter(pk__in=ids)


def paginate(
    request: HttpRequest, items, *, per_page: int = PER_PAGE, param: str = "page", ids_first: bool = False
) -> Pager:
    """Return one page of `items` (a queryset or list) chosen by ``?<param>=``, with its links.

    Two queries for a queryset: its count and the page's rows (with
    ``ids_first``, the rows of a page chosen by ids first: see IdsFirst).
    """
    paginator = Paginator(IdsFirst(items) if ids_first else items, per_page)
    page = paginator.get_page(request.GET.get(param))
    pager = Pager(page=page, param=param, label=range_label(page))
    if page.has_previous():
        pager.previous_url = _url(request, param, page.previous_page_number())
    if page.has_next():
        pager.next_url = _url(request, param, page.next_page_number())
    if paginator.num_pages > 1:
        pager.links = [
            PageLink(n, _url(request, param, n), n == page.number) if n is not None else PageLink(None)
            for n in _numbers(page.number, paginator.num_pages)
        ]
    return pager
