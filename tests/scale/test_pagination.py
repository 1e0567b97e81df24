"""The shared pager: counts, links that keep the query string, and forgiving page numbers."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.test import RequestFactory

from cms.pagination import paginate


def _pager(query: dict, n: int = 12345, **kwargs):
    request = RequestFactory().get("/list/", query)
    return paginate(request, list(range(n)), **kwargs)


def test_first_page_counts_and_links():
    pager = _pager({"q": "cmv"})
    assert pager.label == "1–50 of 12,345"
    assert list(pager)[:2] == [0, 1] and len(pager) == 50
    assert pager.previous_url == "" and pager.next_url == "?q=cmv&page=2"
    numbers = [link.number for link in pager.links]
    assert numbers == [1, 2, 3, None, 247]


def test_middle_and_last_pages():
    pager = _pager({"page": "100"})
    assert pager.label == "4,951–5,000 of 12,345"
    assert [link.number for link in pager.links] == [1, None, 98, 99, 100, 101, 102, None, 247]
    assert pager.previous_url == "?page=99"
    last = _pager({"page": "247"})
    assert last.label == "12,301–12,345 of 12,345" and last.next_url == ""
    # Going back to page 1 drops the parameter but keeps the others.
    assert _pager({"page": "2", "state": "open"}).previous_url == "?state=open"


def test_bad_page_numbers_land_on_a_real_page():
    assert _pager({"page": "abc"}).page.number == 1
    assert _pager({"page": "99999"}).page.number == 247
    assert _pager({"page": "-3"}).page.number == 247


def test_own_parameter_per_list_and_empty_lists():
    pager = _pager({"page": "3", "mine_page": "2"}, n=120, param="mine_page")
    assert pager.page.number == 2 and pager.next_url == "?page=3&mine_page=3"
    empty = _pager({}, n=0)
    assert empty.label == "0 of 0" and not empty
    assert render_to_string("includes/pager.html", {"pager": empty}).strip() == ""


def test_template_renders_plain_links():
    html = render_to_string("includes/pager.html", {"pager": _pager({"page": "2"}), "pager_label": "articles"})
    assert 'aria-label="Pages of articles"' in html
    assert 'href="?page=3" rel="next"' in html and 'aria-current="page">2<' in html
    single = render_to_string("includes/pager.html", {"pager": _pager({}, n=3)})
    assert "1–3 of 3" in single and "<ul" not in single


def test_search_snippets_escape_the_text_and_mark_only_the_match():
    from publishing.selectors.search import MARK_START, MARK_STOP, _marked_to_html, _plain_snippet

    text = "Before <script>alert(1)</script> the dose & valganciclovir twice daily."
    html = str(_marked_to_html(_plain_snippet(text, ["VALGANCICLOVIR"])))
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp;" in html
    assert "<mark>valganciclovir</mark>" in html and html.count("<mark>") == 1
    # The match markers are the only thing that becomes markup.
    assert str(_marked_to_html(f"a {MARK_START}b{MARK_STOP} <i>")) == "a <mark>b</mark> &lt;i&gt;"


def test_ids_first_pages_hold_the_same_rows_in_the_same_order_as_plain_paging(db, django_assert_num_queries):
    from django.contrib.auth.models import Group

    for n in range(7):
        Group.objects.create(name=f"g{n}")
    groups = Group.objects.filter(name__startswith="g").order_by("-name", "pk")
    for page in ("1", "2", "3"):
        request = RequestFactory().get("/list/", {"page": page})
        plain = paginate(request, groups, per_page=3)
        with django_assert_num_queries(2):  # the count, then the page (its ids picked in a subquery)
            ids_first = paginate(request, groups, per_page=3, ids_first=True)
            rows = list(ids_first)
        assert rows == list(plain) and ids_first.label == plain.label
