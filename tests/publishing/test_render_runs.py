"""Deploys re-render safely: stale stored pages are re-rendered in background batches, the article never re-derived."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone

from publishing import services, tasks
from publishing.furniture import _fingerprint_of, render_fingerprint
from publishing.models import PublishedPage, RenderRun, StoredPage
from tests.publishing.publish_helpers import approve, broker, make_disclaimers

pytestmark = pytest.mark.django_db

MARKER = "<!-- deploy 2026-12-06 -->"


@pytest.fixture
def live(article, author, reviewer, editor, django_capture_on_commit_callbacks):
    make_disclaimers()
    approve(article, author=author, reviewer=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_request(article, acting_user=editor)
    assert StoredPage.objects.count() >= 4
    return article


@pytest.fixture
def new_template(tmp_path, settings):
    """A deploy that changed the article template: a folder before the project's with an edited copy."""
    source = Path(django_settings.BASE_DIR) / "templates" / "publishing" / "reader" / "article.html"
    target = tmp_path / "publishing" / "reader" / "article.html"
    target.parent.mkdir(parents=True)
    target.write_text(source.read_text().replace("{% block content %}", "{% block content %}" + MARKER, 1))
    engine = dict(settings.TEMPLATES[0])
    engine["DIRS"] = [tmp_path, *engine["DIRS"]]
    settings.TEMPLATES = [engine, *settings.TEMPLATES[1:]]
    _fingerprint_of.cache_clear()
    yield
    _fingerprint_of.cache_clear()


def test_the_fingerprint_covers_templates_and_stylesheets(tmp_path, settings):
    before = render_fingerprint()
    (tmp_path / "site.css").write_text("body { color: red }")
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, tmp_path]
    assert render_fingerprint() != before
    assert all(page.fingerprint for page in StoredPage.objects.all())


def test_the_fingerprint_covers_the_translation_catalogues(tmp_path, settings):
    before = render_fingerprint()
    catalogue = tmp_path / "es" / "LC_MESSAGES" / "django.po"
    catalogue.parent.mkdir(parents=True)
    catalogue.write_text('msgid "Last updated"\nmsgstr "Actualizado"\n')
    settings.LOCALE_PATHS = [*settings.LOCALE_PATHS, tmp_path]
    changed = render_fingerprint()
    catalogue.write_text('msgid "Last updated"\nmsgstr "Última actualización"\n')
    _fingerprint_of.cache_clear()
    assert before != changed != render_fingerprint()


def test_a_deploy_re_renders_every_page_in_batches_and_keeps_the_articles_identical(
    live, new_template, settings, django_capture_on_commit_callbacks
):
    settings.RENDER_BATCH_SIZE = 2
    published_before = list(PublishedPage.objects.order_by("pk").values())
    pages = StoredPage.objects.count()
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):  # eager here: the batches run in a loop
        call_command("refresh_live_pages", "--background", stdout=out)
    assert f"{pages} stored page(s)" in out.getvalue()
    run = RenderRun.objects.get()
    assert (run.total, run.done, run.failed) == (pages, pages, 0) and run.finished_at is not None
    assert run.cursor == StoredPage.objects.order_by("-pk").values_list("pk", flat=True).first()
    for page in StoredPage.objects.all():
        assert MARKER.encode() in bytes(page.body)
        assert page.fingerprint == render_fingerprint()
    # Only the page around the article was rendered again: every PublishedPage field is as at go-live.
    assert list(PublishedPage.objects.order_by("pk").values()) == published_before
    # Current pages: a second deploy with the same files has nothing to do.
    out = StringIO()
    call_command("refresh_live_pages", "--background", stdout=out)
    assert "nothing to re-render" in out.getvalue() and RenderRun.objects.count() == 1


def test_serving_does_not_wait_broker_down_the_run_waits_for_the_sweep(
    client, live, new_template, django_capture_on_commit_callbacks
):
    with broker("redis://127.0.0.1:1/0"), django_capture_on_commit_callbacks(execute=True):
        call_command("refresh_live_pages", "--background", stdout=StringIO())
    run = RenderRun.objects.get()
    assert run.done == 0 and run.finished_at is None
    # Meanwhile every address still serves its whole old page.
    old = client.get("/articles/cmv-treatment/")
    assert old.status_code == 200 and MARKER not in old.content.decode() and b"</html>" in old.content
    RenderRun.objects.filter(pk=run.pk).update(progressed_at=timezone.now() - dt.timedelta(minutes=2))
    tasks.sweep_outbox.apply()
    run.refresh_from_db()
    assert run.finished_at is not None and run.done == run.total


def test_a_batch_is_idempotent_and_a_finished_run_does_nothing(live, new_template, settings):
    settings.RENDER_BATCH_SIZE = 100
    with_run = services.render_run_start_deploy()
    first = services.render_run_batch(with_run.pk)
    etags = dict(StoredPage.objects.values_list("path", "etag"))
    assert first.finished_at is not None
    assert services.render_run_batch(with_run.pk) is None  # redelivered: the run is finished
    assert tasks.render_batch.apply(args=[with_run.pk]).get() == "finished"
    assert dict(StoredPage.objects.values_list("path", "etag")) == etags


def test_a_page_that_fails_is_counted_and_the_run_goes_on(live, new_template, settings, monkeypatch):
    from publishing import pages

    real = pages.render_page
    failing = StoredPage.objects.order_by("pk").first()

    def render(publication, audience, state):
        if (audience.pk if audience else None) == failing.audience_id:
            raise RuntimeError("template blew up")
        return real(publication, audience, state)

    monkeypatch.setattr(pages, "render_page", render)
    run = services.render_run_start_deploy()
    tasks.render_batch.apply(args=[run.pk])
    run.refresh_from_db()
    assert run.failed == 1 and run.done == run.total - 1 and "template blew up" in run.last_error
    assert run.finished_at is not None
    assert MARKER.encode() not in bytes(StoredPage.objects.get(pk=failing.pk).body)  # old page kept whole


def test_re_rendering_current_pages_writes_nothing(live):
    from publishing.pages import store_article_pages

    rows = dict(StoredPage.objects.values_list("path", "rendered_at"))
    assert store_article_pages("cmv-treatment") == []
    assert dict(StoredPage.objects.values_list("path", "rendered_at")) == rows


def test_the_verifier_proves_a_deploy_re_render_kept_every_article(
    live, new_template, django_capture_on_commit_callbacks
):
    """Before the background run the pages are stale (not drift); after it they equal a fresh render."""
    out, err = StringIO(), StringIO()
    call_command("verify_live", "--no-record", stdout=out, stderr=err)
    pages = StoredPage.objects.count()
    assert out.getvalue().count(": stale: ") == pages
    with django_capture_on_commit_callbacks(execute=True):
        call_command("refresh_live_pages", "--background", stdout=StringIO())
    out = StringIO()
    call_command("verify_live", "--no-record", stdout=out, stderr=StringIO())  # exits 1 on any drift
    assert ": stale: " not in out.getvalue() and "0 difference(s), 0 page(s) awaiting" in out.getvalue()
