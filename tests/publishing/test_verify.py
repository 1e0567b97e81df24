"""The auditor's verifier and the page history: every live page is proven equal to what the board approved.

``verify_live`` reports nothing on an honest site, and each planted corruption
(a stored page, its compressed copy, a published page, a pinned glossary
definition, the publication's snapshot, an export file) in turn, naming the
article, the audience, the address and the check. ``what_was_live`` returns
the exact bytes a reader got at a past moment.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils import timezone

from articles.models import GlossaryDefinition, GlossaryTerm
from publishing import services, tasks
from publishing.export import export_site
from publishing.httpcache import etag_for
from publishing.models import Publication, PublishedPage, StoredPage, StoredPageVersion, VerifyFinding, VerifyRun
from publishing.pages import store_article_pages
from publishing.verify import verify_publications
from tests import factories
from tests.publishing.publish_helpers import approve, edit, request_and_publish
from tests.publishing.reader_fixtures import *  # noqa: F403 (fixtures)

pytestmark = pytest.mark.django_db
SLUG = "cmv-treatment"
URL = f"/articles/{SLUG}/"
PATIENT = URL + "for/patient/"
DEFINITION = "Swelling at the back of the eye that harms sight."


@pytest.fixture
def live(article, author, reviewer, editor, disclaimers):
    """The article live for every audience, with the glossary term "retinitis" pinned."""
    factories.make_glossary_term("retinitis", DEFINITION, editor=editor, board=reviewer)
    approve(article, author=author, reviewer=reviewer)
    publication = request_and_publish(article, editor=editor)
    assert publication.state == Publication.State.LIVE
    store_article_pages(SLUG)
    return publication


def verify(*args: str) -> tuple[int, list[str], str]:
    """Run the command; return its exit status, its finding lines and its stderr."""
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_live", *args, stdout=out, stderr=err)
        status = 0
    except SystemExit as exc:
        status = exc.code
    lines = [line for line in out.getvalue().splitlines() if line.startswith(SLUG)]
    return status, lines, err.getvalue()


def test_an_honest_site_verifies_clean_and_the_run_is_recorded(live):
    status, lines, err = verify()
    assert (status, lines) == (0, [])
    assert "checked 1/1 live articles" in err
    run = VerifyRun.objects.get()
    assert run.origin == VerifyRun.Origin.COMMAND and run.finished_at is not None
    assert (run.publications, run.drift, run.stale) == (1, 0, 0)
    assert run.pages == StoredPage.objects.count() >= 5


def test_a_corrupted_stored_page_is_reported_with_its_audience_and_address(live):
    StoredPage.objects.filter(path=PATIENT).update(
        body=bytes(StoredPage.objects.get(path=PATIENT).body).replace(b"back of the eye", b"front of the eye")
    )
    status, lines, _ = verify()
    assert status == 1
    assert lines and all(f"{SLUG} [patient] {PATIENT}:" in line for line in lines)
    kinds = {line.split(": ")[1] for line in lines}
    assert {"compression", "render"} <= kinds
    assert VerifyFinding.objects.filter(address=PATIENT, kind="render").exists()


def test_a_stored_page_missing_the_published_text_is_reported(live):
    page = PublishedPage.objects.get(publication=live, audience__slug="patient")
    stored = StoredPage.objects.get(path=PATIENT)
    body = bytes(stored.body).replace(page.summary_html.encode(), b"<p>Take twice the dose.</p>")
    # Consistent copies and ETag: only the comparison with the published text can catch it.
    StoredPage.objects.filter(pk=stored.pk).update(
        body=body, body_gzip=gzip.compress(body), body_br=b"", etag=etag_for(body)
    )
    status, lines, _ = verify()
    assert status == 1
    assert any(": stored: " in line and "summary_html" in line for line in lines)


def test_a_corrupted_published_page_is_reported(live):
    PublishedPage.objects.filter(publication=live, audience__isnull=True).update(
        body_html=Concat(F("body_html"), Value("<p>Unreviewed sentence.</p>"))
    )
    status, lines, _ = verify()
    assert status == 1
    assert any(f"{SLUG} [default]" in line and ": published: body_html at character" in line for line in lines)
    assert any(": published: " in line and "Unreviewed sentence" in line for line in lines)


def test_a_corrupted_glossary_row_is_reported(live):
    """The board's record of the pinned version no longer says what the page pinned."""
    term = GlossaryTerm.objects.get(term="retinitis")
    GlossaryDefinition.objects.filter(glossary_term=term, version=1).update(explanation="An eye infection.")
    status, lines, _ = verify()
    assert status == 1
    assert any(": glossary: " in line and "retinitis" in line and "An eye infection." in line for line in lines)


def test_a_tampered_glossary_snapshot_breaks_the_hash(live):
    snapshot = [dict(item, explanation="A made-up definition.") for item in live.glossary]
    Publication.objects.filter(pk=live.pk).update(glossary=snapshot)
    status, lines, _ = verify()
    assert status == 1
    assert any(": hash: " in line for line in lines)
    assert any(": glossary: " in line for line in lines)


def test_a_corrupted_export_file_is_reported(live, tmp_path):
    export_site(tmp_path, static=False)
    status, lines, _ = verify("--export", str(tmp_path))
    assert (status, lines) == (0, [])
    page = tmp_path / "articles" / SLUG / "for" / "patient" / "index.html"
    page.write_bytes(page.read_bytes().replace(b"back of the eye", b"front of the eye"))
    api = tmp_path / "api" / "articles" / SLUG / "index.json"
    data = json.loads(api.read_text())
    data["body_html"] += "<p>Extra.</p>"
    api.write_text(json.dumps(data))
    status, lines, _ = verify("--export", str(tmp_path))
    assert status == 1
    assert any(f"[patient] {PATIENT}: export: " in line and "differs from the stored page" in line for line in lines)
    assert any(f"[default] {URL}: export: " in line and "body_html differs" in line for line in lines)
    (tmp_path / "articles" / SLUG / "index.html").unlink()
    _, lines, _ = verify("--export", str(tmp_path))
    assert any(f"[default] {URL}: export: " in line and "is missing" in line for line in lines)


def test_pages_awaiting_a_re_render_are_listed_but_are_not_drift(live):
    StoredPage.objects.filter(path=PATIENT).update(fingerprint="an-older-release")
    status, lines, err = verify()
    assert status == 0
    assert lines == [
        f"{SLUG} [patient] {PATIENT}: stale: Rendered with older templates or furniture; its re-render is pending."
    ]
    assert (VerifyRun.objects.get().drift, VerifyRun.objects.get().stale) == (0, 1)


def test_only_the_named_articles_are_checked_and_an_unknown_slug_is_an_error(live):
    status, lines, err = verify(SLUG, "--no-record")
    assert (status, lines) == (0, []) and not VerifyRun.objects.exists()
    with pytest.raises(CommandError, match="Nothing is live at: no-such-article"):
        call_command("verify_live", "no-such-article", stdout=StringIO(), stderr=StringIO())


def test_publications_are_checked_in_batches_by_id(live, author, reviewer, editor):
    """Each batch reads its own publications; the progress after each names the last id checked."""
    other = factories.make_article(
        author=author, slug="shingles-treatment", title="What is the treatment for shingles?"
    )
    approve(other, author=author, reviewer=reviewer)
    request_and_publish(other, editor=editor)
    store_article_pages("shingles-treatment")
    seen = []
    findings = list(verify_publications(batch=1, progress=lambda p: seen.append((p.publications, p.cursor))))
    assert findings == []
    ids = list(Publication.objects.filter(state=Publication.State.LIVE).order_by("pk").values_list("pk", flat=True))
    assert seen == [(1, ids[0]), (2, ids[1])]
    # A run resumed after the first id checks only the second.
    assert [p for p in _progress(after=ids[0])] == [(1, ids[1])]


def _progress(**options) -> list[tuple[int, int]]:
    seen: list[tuple[int, int]] = []
    list(verify_publications(batch=1, progress=lambda p: seen.append((p.publications, p.cursor)), **options))
    return seen


# --- the desk --------------------------------------------------------------------


def test_editors_start_a_verification_on_the_desk_and_see_its_findings(
    client, live, editor, author, settings, django_capture_on_commit_callbacks
):
    url = reverse("publishing:verify")
    client.force_login(author)
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert not VerifyRun.objects.exists()
    client.force_login(editor)
    response = client.get(url)
    assert response.status_code == 200 and "No verification has run yet." in response.content.decode()
    PublishedPage.objects.filter(publication=live, audience__isnull=True).update(body_html="<p>Tampered.</p>")
    settings.VERIFY_BATCH_SIZE = 1
    with django_capture_on_commit_callbacks(execute=True):  # in-process tasks: the run completes at once
        response = client.post(url)
    response = client.get(response["Location"])
    run = VerifyRun.objects.get()
    assert run.origin == VerifyRun.Origin.DESK and run.started_by == editor and run.finished_at is not None
    page = response.content.decode()
    assert f"Verification {run.pk}: {run.drift} difference" in page
    assert "Tampered" in page and live.article.title in page
    # A second start while none runs starts a new one; findings are kept per run.
    client.post(url)
    assert VerifyRun.objects.count() == 2


def test_a_desk_run_continues_from_its_cursor_after_a_lost_job(live, editor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        run = services.verify_run_start(acting_user=editor)  # the job is never sent: the broker was down
    assert services.verify_run_start(acting_user=editor) == run  # one at a time
    VerifyRun.objects.filter(pk=run.pk).update(progressed_at=timezone.now() - dt.timedelta(minutes=5))
    sent = services.verify_run_resend()
    assert sent == [run.pk]
    run.refresh_from_db()
    assert run.finished_at is not None and run.publications == 1 and run.drift == 0


def test_sweep_sends_a_stalled_verification_again(live, editor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        run = services.verify_run_start(acting_user=editor)
    VerifyRun.objects.filter(pk=run.pk).update(progressed_at=timezone.now() - dt.timedelta(minutes=5))
    tasks.sweep_outbox()
    run.refresh_from_db()
    assert run.finished_at is not None


# --- what was live ---------------------------------------------------------------


def what_was_live(*args: str) -> tuple[int, bytes, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("what_was_live", *args, stdout=out, stderr=err)
        status = 0
    except SystemExit as exc:
        status = exc.code
    return status, out.getvalue().encode(), err.getvalue()


def test_every_write_of_a_stored_page_is_recorded_and_closes_the_previous_record(live):
    versions = StoredPageVersion.objects.filter(path=PATIENT)
    assert versions.count() == 1
    first = versions.get()
    assert gzip.decompress(bytes(first.body_gzip)) == bytes(StoredPage.objects.get(path=PATIENT).body)
    assert first.served_until is None and first.furniture == StoredPage.objects.get(path=PATIENT).furniture
    # Unchanged bytes write nothing.
    store_article_pages(SLUG)
    assert versions.count() == 1


def test_what_was_live_returns_the_bytes_of_a_past_moment(live, article, author, reviewer, editor, tmp_path):
    old_bytes = bytes(StoredPage.objects.get(path=PATIENT).body)
    between = timezone.now()
    edit(article, author=author, summary="A newer approved summary for the page.")
    approve(article, author=author, reviewer=reviewer)
    request_and_publish(article, editor=editor)
    store_article_pages(SLUG)
    new_bytes = bytes(StoredPage.objects.get(path=PATIENT).body)
    assert new_bytes != old_bytes
    out = tmp_path / "page.html"
    status, _, err = what_was_live("--at", between.isoformat(), SLUG, "--audience", "patient", "--output", str(out))
    assert status == 0 and out.read_bytes() == old_bytes
    status, _, _ = what_was_live("--at", timezone.now().isoformat(), PATIENT, "--output", str(out))
    assert status == 0 and out.read_bytes() == new_bytes
    status, info, _ = what_was_live("--at", between.isoformat(), SLUG, "--audience", "patient", "--info")
    record = json.loads(info)
    assert record["publication"] == live.pk and record["revision"] == live.revision_id
    assert record["furniture"]["disclaimer"]["id"] and record["served_until"]
    assert [g["term"] for g in record["glossary"]] == ["retinitis"]


def test_what_was_live_says_when_nothing_was_live(live, editor):
    status, _, err = what_was_live("--at", "2020-01-01T12:00", SLUG)
    assert status == 1 and "Nothing was served at /articles/cmv-treatment/" in err
    services.publication_withdraw(live.article, acting_user=editor, reason="Under revision.")
    store_article_pages(SLUG)
    assert StoredPageVersion.objects.filter(served_until__isnull=True).count() == 0
    status, _, _ = what_was_live("--at", timezone.now().isoformat(), SLUG)
    assert status == 1
    with pytest.raises(CommandError, match="is not a date and time"):
        call_command("what_was_live", "--at", "last tuesday", SLUG, stdout=StringIO(), stderr=StringIO())
