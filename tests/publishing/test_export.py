"""The static export: every live page for every audience, nothing that is not live."""

from __future__ import annotations

import os

import pytest
from django.core.management import call_command
from django.test import override_settings

from articles.models import Audience
from publishing import services
from publishing.export import export_site, write_atomic
from tests import factories
from tests.publishing.publish_helpers import approve, request_and_publish

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


def test_write_atomic_replaces_the_file_in_one_step(tmp_path):
    target = tmp_path / "a/b.html"
    write_atomic(target, b"one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["b.html"]


def test_export_holds_exactly_the_bytes_the_app_serves_and_swaps_trees_atomically(two_articles, client, tmp_path):
    import gzip

    site = tmp_path / "site"
    first = export_site(site, static=False)
    assert site.is_symlink() and (site / "articles/cmv-treatment/index.html").exists()
    for path, name in [
        ("/articles/cmv-treatment/", "articles/cmv-treatment/index.html"),
        ("/articles/cmv-treatment/for/patient/", "articles/cmv-treatment/for/patient/index.html"),
        ("/sitemap.xml", "sitemap.xml"),
        ("/feed/", "feed/index.xml"),
        ("/api/articles/", "api/articles/index.json"),
    ]:
        served = client.get(path)
        assert served.content == (site / name).read_bytes(), path
        zipped = client.get(path, HTTP_ACCEPT_ENCODING="gzip")
        assert zipped["Content-Encoding"] == "gzip"
        assert zipped.content == (site / f"{name}.gz").read_bytes()
        assert gzip.decompress(zipped.content) == served.content
    second = export_site(site, static=False)
    assert second.tree != first.tree and os.path.realpath(site) == second.tree
    assert not list(tmp_path.glob(".site.link-*"))
