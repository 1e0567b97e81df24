"""The static export: every live page for every audience, nothing that is not live."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from articles.models import Audience
from publishing import services, tasks
from publishing.export import export_site, write_atomic
from publishing.models import PageRefresh, StoredPage
from tests import factories
from tests.publishing.publish_helpers import approve, request_and_publish
from tests.publishing.reader_fixtures import *  # noqa: F403 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_articles(author, reviewer, editor):
    live = approve(factories.make_article(author=author), author=author, reviewer=reviewer)
    request_and_publish(live, editor=editor)
    gone = approve(
        factories.make_article(author=author, slug="gone-article", title="What was withdrawn?"),
        author=author,
        reviewer=reviewer,
    )
    request_and_publish(gone, editor=editor)
    draft = factories.make_article(author=author, slug="draft-only", title="Not approved?")
    return live, gone, draft


def test_export_writes_every_live_page_for_every_audience_and_nothing_else(two_articles, editor, tmp_path):
    live, gone, draft = two_articles
    export_site(tmp_path, static=False)
    assert (tmp_path / "articles/gone-article/index.html").exists()

    services.publication_withdraw(gone, acting_user=editor, reason="Outdated.")
    result = export_site(tmp_path, static=False)

    page = (tmp_path / "articles/cmv-treatment/index.html").read_text()
    assert live.title in page
    for slug in Audience.objects.filter(active=True).values_list("slug", flat=True):
        assert (tmp_path / f"articles/cmv-treatment/for/{slug}/index.html").exists()
    patient = (tmp_path / "articles/cmv-treatment/for/patient/index.html").read_text()
    assert "antiviral medicine called valganciclovir" in patient
    assert (tmp_path / "index.html").exists() and (tmp_path / "sitemap.xml").exists()
    assert not (tmp_path / "articles/gone-article").exists()
    assert not (tmp_path / "articles/draft-only").exists()
    assert sorted(p.name for p in (tmp_path / "articles").iterdir()) == ["cmv-treatment"]
    assert "articles/gone-article" in result.removed
    assert not list(tmp_path.rglob("*.tmp"))


def test_export_site_command_copies_assets(two_articles, tmp_path, settings):
    settings.STATIC_ROOT = tmp_path / "collected"
    out = tmp_path / "out"
    call_command("export_site", str(out))
    assert (out / "static/vetted/site.css").exists()
    assert (out / "articles/cmv-treatment/index.html").exists()


def test_go_live_and_withdrawal_update_the_export_when_configured(
    author, reviewer, editor, tmp_path, django_capture_on_commit_callbacks
):
    article = approve(factories.make_article(author=author), author=author, reviewer=reviewer)
    with override_settings(STATIC_EXPORT_DIR=str(tmp_path)):
        with django_capture_on_commit_callbacks(execute=True):
            services.publication_request(article, acting_user=editor)
        assert (tmp_path / "articles/cmv-treatment/index.html").exists()
        with django_capture_on_commit_callbacks(execute=True):
            services.publication_withdraw(article, acting_user=editor, reason="Recall.")
        assert not (tmp_path / "articles/cmv-treatment").exists()


def test_a_failed_export_is_kept_and_retried_by_the_beat_job_until_it_succeeds(
    author, reviewer, editor, tmp_path, django_capture_on_commit_callbacks
):
    article = approve(factories.make_article(author=author), author=author, reviewer=reviewer)
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the export's parent folder should be")
    site = blocker / "site"
    with override_settings(STATIC_EXPORT_DIR=str(site)):
        with django_capture_on_commit_callbacks(execute=True):
            publication = services.publication_request(article, acting_user=editor)
        publication.refresh_from_db()
        assert publication.state == "live"  # the export failing never breaks publishing
        assert StoredPage.objects.filter(path="/articles/cmv-treatment/").exists()  # the rest of the refresh ran
        pending = PageRefresh.objects.get(slug="cmv-treatment")
        assert pending.attempts == 1 and pending.last_error.startswith("export: ")
        assert tasks.retry_purges()["refresh_failed"] == 1  # still failing: kept, counted
        assert PageRefresh.objects.get(slug="cmv-treatment").attempts == 2
        blocker.unlink()
        assert tasks.retry_purges()["refreshed"] == 1
        assert not PageRefresh.objects.exists()
        assert (site / "articles/cmv-treatment/index.html").exists()


def test_a_refresh_left_behind_by_a_crash_after_commit_is_completed_by_the_beat_job(
    author, reviewer, editor, tmp_path, client, django_capture_on_commit_callbacks
):
    article = approve(factories.make_article(author=author), author=author, reviewer=reviewer)
    with override_settings(STATIC_EXPORT_DIR=str(tmp_path)):
        with django_capture_on_commit_callbacks(execute=True):
            services.publication_request(article, acting_user=editor)
        assert client.get("/articles/cmv-treatment/").status_code == 200  # now in the page cache
        assert not PageRefresh.objects.exists()
        # The withdrawal commits, then the process dies before its callbacks run.
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.publication_withdraw(article, acting_user=editor, reason="Recall.", mode="remove")
        assert callbacks  # the work was due on commit, and is recorded in the database
        assert PageRefresh.objects.filter(slug="cmv-treatment").exists()
        assert client.get("/articles/cmv-treatment/").status_code == 200  # stale copy still cached
        # A fresh row may belong to a callback still running: the job leaves it for a minute.
        assert tasks.retry_purges()["refreshed"] == 0
        PageRefresh.objects.update(requested_at=timezone.now() - dt.timedelta(minutes=2))
        assert tasks.retry_purges()["refreshed"] == 1
        assert not PageRefresh.objects.exists()
        assert not StoredPage.objects.filter(path__startswith="/articles/cmv-treatment/").exists()
        assert client.get("/articles/cmv-treatment/").status_code == 404  # purged from the page cache
        assert not (tmp_path / "articles/cmv-treatment").exists()  # and from the export


def test_write_atomic_replaces_the_file_in_one_step(tmp_path):
    target = tmp_path / "a/b.html"
    write_atomic(target, b"one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["b.html"]


def test_export_holds_exactly_the_bytes_the_app_serves_and_swaps_trees_atomically(live_site, client, tmp_path):
    import gzip

    site = tmp_path / "site"
    first = export_site(site, static=False)
    folder = live_site.prefix.lstrip("/") + "/" if live_site.prefix else ""
    page = f"{folder}articles/{live_site.slug}"
    assert site.is_symlink() and (site / f"{page}/index.html").exists()
    files = [
        (live_site.article_url, f"{page}/index.html"),
        (live_site.audience_url("patient"), f"{page}/for/patient/index.html"),
        (live_site.article_url + "provenance.json", f"{page}/provenance.json"),
        (live_site.url(f"/api/articles/{live_site.slug}/"), f"{folder}api/articles/{live_site.slug}/index.json"),
        (
            live_site.url(f"/api/articles/{live_site.slug}/?for=patient"),
            f"{folder}api/articles/{live_site.slug}/for/patient.json",
        ),
        ("/sitemap.xml", "sitemap.xml"),
        ("/robots.txt", "robots.txt"),
        # The language's own site pages.
        (live_site.url("/"), f"{folder}index.html"),
        (live_site.url("/feed/"), f"{folder}feed/index.xml"),
        (live_site.url("/api/articles/"), f"{folder}api/articles/index.json"),
        (live_site.url("/board/"), f"{folder}board/index.html"),
        (live_site.url("/editorial-policy/"), f"{folder}editorial-policy/index.html"),
        (live_site.url("/?letter=C"), f"{folder}_query/index/letter-C.html"),
    ]
    for path, name in files:
        served = client.get(path)
        assert served.status_code == 200, path
        assert served.content == (site / name).read_bytes(), path
        zipped = client.get(path, HTTP_ACCEPT_ENCODING="gzip")
        assert zipped["Content-Encoding"] == "gzip"
        assert zipped.content == (site / f"{name}.gz").read_bytes()
        assert gzip.decompress(zipped.content) == served.content
    if folder:  # a Spanish page is never written at the English address, nor the reverse
        assert not (site / f"articles/{live_site.slug}").exists()
        assert not (site / f"{folder}articles/cmv-treatment").exists()
    second = export_site(site, static=False)
    assert second.tree != first.tree and os.path.realpath(site) == second.tree
    assert not list(tmp_path.glob(".site.link-*"))


# --- every list address: the index's pages and letters, sitemap sections, API pages ---------------

CATALOGUE = [
    ("cmv-treatment", "What is the treatment for CMV infection?", "Cytomegalovirus (CMV) infection"),
    ("cmv-prevention", "How is CMV prevented after a transplant?", "Cytomegalovirus (CMV) infection"),
    ("croup-steroids", "Do steroids help croup?", "Croup"),
    ("asthma-inhalers", "Which inhaler for mild asthma?", "Asthma"),
    ("anaemia-iron", "Iron tablets or infusion for anaemia?", "Anaemia"),
    ("hiv-prep", "Who should take HIV PrEP?", "2019 HIV guidance"),
]


@pytest.fixture
def small_pages(monkeypatch):
    """Two rows per page of the index and the API list, so six articles make several pages of each."""
    from publishing import api, presenters

    monkeypatch.setattr(presenters, "INDEX_PAGE_SIZE", 2)
    monkeypatch.setattr(api, "PAGE_SIZE", 2)


@pytest.fixture
def catalogue(small_pages, author, reviewer, editor):
    for slug, title, condition in CATALOGUE:
        article = approve(
            factories.make_article(author=author, slug=slug, title=title, condition=condition),
            author=author,
            reviewer=reviewer,
        )
        request_and_publish(article, editor=editor)


def _export_addresses(site) -> dict[str, str]:
    """Every public address and its file in the export, computed from the app's own links."""
    from publishing.export import SITE_FILES, list_file
    from publishing.pages import list_addresses

    addresses = dict(SITE_FILES)
    for address in list_addresses():
        addresses[address] = list_file(address)
    audiences = list(Audience.objects.filter(active=True).values_list("slug", flat=True))
    for slug, _, _ in CATALOGUE:
        addresses[f"/articles/{slug}/"] = f"articles/{slug}/index.html"
        addresses[f"/articles/{slug}/provenance.json"] = f"articles/{slug}/provenance.json"
        addresses[f"/api/articles/{slug}/"] = f"api/articles/{slug}/index.json"
        for audience in audiences:
            addresses[f"/articles/{slug}/for/{audience}/"] = f"articles/{slug}/for/{audience}/index.html"
            addresses[f"/api/articles/{slug}/?for={audience}"] = f"api/articles/{slug}/for/{audience}.json"
    return addresses


def _crawl_list_links(client) -> set[str]:
    """Follow the links the lists themselves give (pager, letters, API next, sitemap index)."""
    import json
    import re

    from django.conf import settings

    found: set[str] = set()
    todo = ["/", "/api/articles/", "/sitemap.xml"]
    while todo:
        address = todo.pop()
        if address in found:
            continue
        found.add(address)
        body = client.get(address).content.decode()
        if address.startswith("/api/articles/"):
            following = json.loads(body)["next"]
            if following:
                todo.append(following.removeprefix(settings.SITE_URL))
        elif address == "/sitemap.xml":
            todo += [loc.removeprefix(settings.SITE_URL) for loc in re.findall(r"<loc>([^<]+)</loc>", body)]
        elif address.startswith("/?") or address == "/":
            for href in re.findall(r'href="(\?[^"]+)"', body):
                todo.append("/" + href.replace("&amp;", "&"))
    return found


def test_export_writes_every_list_address_byte_identical_to_the_app(catalogue, client, tmp_path):
    from publishing.pages import list_addresses

    site = tmp_path / "site"
    result = export_site(site, static=False)
    assert not [skip for skip in result.skipped if "left to the app" in skip]
    addresses = _export_addresses(site)
    lists = set(list_addresses())
    # The addresses the export writes are every one the site's lists link to (and all 27 letters).
    linked = {a for a in _crawl_list_links(client) if a not in ("/", "/api/articles/", "/sitemap.xml")}
    assert linked <= lists
    assert {"/?page=2", "/?page=3", "/?letter=C", "/?letter=C&page=2", "/?letter=0-9", "/?letter=Q"} <= lists
    assert "/sitemap-articles-1.xml" in lists and "/sitemap-pages-1.xml" in lists
    cursors = [a for a in lists if a.startswith("/api/articles/?cursor=")]
    assert len(cursors) == 2  # six articles, two a page: pages 2 and 3
    for address, name in addresses.items():
        served = client.get(address)
        assert served.status_code == 200, address
        assert (site / name).read_bytes() == served.content, address
        if name.endswith((".html", ".json", ".xml")):
            zipped = client.get(address, HTTP_ACCEPT_ENCODING="gzip")
            assert (site / f"{name}.gz").read_bytes() == zipped.content, address
    page_two = (site / "_query/index/page-2.html").read_text()
    assert "?page=3" in page_two and "?page=1" not in page_two


def test_go_live_rewrites_the_lists_and_drops_pages_that_no_longer_exist(
    catalogue, client, author, reviewer, editor, tmp_path
):
    from articles.models import Article
    from publishing.export import export_article

    site = tmp_path / "site"
    export_site(site, static=False)
    assert (site / "_query/index/page-3.html").exists() and not (site / "_query/index/page-4.html").exists()
    article = approve(
        factories.make_article(author=author, slug="zoster-vaccine", title="Zoster vaccine?", condition="Zoster"),
        author=author,
        reviewer=reviewer,
    )
    request_and_publish(article, editor=editor)
    before = os.path.realpath(site)
    export_article("zoster-vaccine", site)
    assert os.path.realpath(site) != before  # a new tree, swapped in
    for address, name in [
        ("/?page=4", "_query/index/page-4.html"),
        ("/?letter=Z", "_query/index/letter-Z.html"),
        ("/?letter=C&page=2", "_query/index/letter-C-page-2.html"),
        ("/api/articles/zoster-vaccine/?for=patient", "api/articles/zoster-vaccine/for/patient.json"),
    ]:
        assert (site / name).read_bytes() == client.get(address).content, address
    assert "Zoster vaccine?" in (site / "_query/index/letter-Z.html").read_text()
    assert len(list((site / "_query/api/cursor").glob("*.json"))) == 3  # seven articles: API pages 2 to 4

    services.publication_withdraw(article, acting_user=editor, reason="Recall.")
    services.publication_withdraw(Article.objects.get(slug="hiv-prep"), acting_user=editor, reason="Recall.")
    export_article("zoster-vaccine", site)
    # Five articles at two a page: the fourth index page and API page are gone, the rest rewritten.
    assert not (site / "_query/index/page-4.html").exists()
    assert (site / "_query/index/page-3.html").read_bytes() == client.get("/?page=3").content
    assert len(list((site / "_query/api/cursor").glob("*.json"))) == 2
    assert (site / "_query/index/letter-0-9.html").read_bytes() == client.get("/?letter=0-9").content
    assert not (site / "api/articles/zoster-vaccine").exists()


def test_the_purger_lists_every_list_address_in_a_few_queries_whatever_the_rows(
    catalogue, author, reviewer, editor, django_assert_max_num_queries
):
    from publishing.pages import list_addresses, site_addresses

    with django_assert_max_num_queries(8) as before:
        addresses = site_addresses()
    assert set(list_addresses()) <= set(addresses)
    assert {"/?letter=C&page=2", "/?page=3", "/sitemap-articles-1.xml"} <= set(addresses)
    # And one page past each list's end, which a withdrawal may just have emptied.
    assert {"/?page=4", "/?letter=C&page=3", "/?letter=Q&page=2", "/sitemap-articles-2.xml"} <= set(addresses)
    assert len([a for a in addresses if "cursor=" in a]) == 2
    article = approve(
        factories.make_article(author=author, slug="zoster-vaccine", title="Zoster?", condition="Zoster"),
        author=author,
        reviewer=reviewer,
    )
    request_and_publish(article, editor=editor)
    with django_assert_max_num_queries(len(before.captured_queries)):
        assert len([a for a in site_addresses() if "cursor=" in a]) == 3
