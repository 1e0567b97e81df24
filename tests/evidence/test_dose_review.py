"""The dose check in the studio and on the review page; a mismatch blocks approval until a reviewer says why."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import WorkflowEvent
from evidence.exceptions import EvidencePermissionError
from evidence.files import read_label_document
from evidence.models import DoseCheckAcceptance
from evidence.services import dose_mismatch_accept, label_document_import
from review import services as review_services
from review.exceptions import ApprovalBlocked
from tests import factories
from tests.evidence.conftest import SAMPLES

pytestmark = pytest.mark.django_db
SET_ID = "5a0b6c3d-4e8f-4a5b-9c7d-6b9c0d1e2f34"
LABEL_REF = {
    "key": "valg-label",
    "kind": "fda_label",
    "title": "Valganciclovir tablets (sample label)",
    "source": "U.S. Food and Drug Administration",
    "spl_set_id": SET_ID,
    "spl_version": 1,
}


def _import(version: int = 1) -> None:
    path = str(SAMPLES / f"spl_valganciclovir_v{version}.xml")
    label_document_import(read_label_document(path), source=path)


def _article(author, dose: str = "900 mg", slug: str = "valg"):
    body = f"## Treatment\n\n- Valganciclovir {dose} orally twice daily for 21 days [@valg-label].\n"
    return factories.make_article(
        author=author, slug=slug, drugs="valganciclovir", summary="Antivirals [@valg-label].", body=body,
        references=[LABEL_REF], variants=[],
    )  # fmt: skip


def _submit_and_claim(article, author, reviewer):
    review_services.article_submit(article, acting_user=author)
    review_services.review_claim(article, acting_user=reviewer)


def test_matching_doses_approve_as_before(author, reviewer):
    _import()
    article = _article(author)
    _submit_and_claim(article, author, reviewer)
    review_services.review_approve(article, acting_user=reviewer)
    article.refresh_from_db()
    assert article.status == "approved"


def test_a_mismatch_blocks_approval_until_a_reviewer_records_a_reason(author, reviewer):
    _import()
    article = _article(author, dose="9000 mg")
    _submit_and_claim(article, author, reviewer)
    with pytest.raises(ApprovalBlocked, match="9000 mg"):
        review_services.review_approve(article, acting_user=reviewer)
    article.refresh_from_db()
    assert article.status == "in_review"
    assert not article.review_rounds.get().decisions.filter(decision="approve").exists()  # nothing half-written

    acceptance = dose_mismatch_accept(article, acting_user=reviewer, reason="Checked: a deliberate test of the alarm.")
    assert acceptance.mismatches[0]["code"] == "outside_range"
    event = WorkflowEvent.objects.filter(article=article, action="dose_mismatch_accepted").get()
    assert event.actor == reviewer and "deliberate test" in event.comment
    review_services.review_approve(article, acting_user=reviewer)
    article.refresh_from_db()
    assert article.status == "approved"


def test_only_a_reviewer_of_the_round_who_is_not_an_author_may_record_the_reason(author, reviewer, reviewer2):
    _import()
    article = _article(author, dose="9000 mg")
    _submit_and_claim(article, author, reviewer)
    for user in (author, reviewer2):
        with pytest.raises(EvidencePermissionError):
            dose_mismatch_accept(article, acting_user=user, reason="Looks fine.")
    with pytest.raises(EvidencePermissionError, match="reason is required"):
        dose_mismatch_accept(article, acting_user=reviewer, reason="   ")
    assert not DoseCheckAcceptance.objects.exists()


def test_studio_preview_shows_each_statement_and_the_mismatch(client, author):
    _import()
    article = _article(author, dose="9000 mg")
    client.force_login(author)
    response = client.get(reverse("studio:article_preview", kwargs={"slug": article.slug}))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-dose-code="outside_range"' in html and "9000 mg orally twice daily for 21 days" in html


def test_saving_in_the_studio_shows_the_check_on_the_page_the_save_lands_on(client, author):
    from tests.articles.test_studio_views import _edit_data

    _import()
    article = _article(author)
    client.force_login(author)
    edit_url = reverse("studio:article_edit", kwargs={"slug": article.slug})
    data = _edit_data(article, body=article.body.replace("900 mg", "9000 mg"))
    data.update({"references-0-spl_set_id": SET_ID, "references-0-spl_version": 1})
    response = client.post(edit_url, data, follow=True)
    html = response.content.decode()
    assert response.redirect_chain == [(edit_url, 302)]  # saved, then the editor with its preview
    article.refresh_from_db()
    assert "9000 mg" in article.body and article.references.get().spl_set_id == SET_ID
    assert 'data-dose-code="outside_range"' in html and "9000 mg orally twice daily" in html
    # The live preview, as the author types the fix, runs the same check on the unsaved text.
    data = _edit_data(article, body=article.body.replace("9000 mg", "900 mg"))
    data.update({"references-0-spl_set_id": SET_ID, "references-0-spl_version": 1})
    fragment = client.post(
        reverse("studio:article_preview", kwargs={"slug": article.slug}), data, headers={"X-Studio-Preview": "1"}
    )
    assert 'data-dose-code="match"' in fragment.content.decode()
    assert 'data-dose-code="outside_range"' not in fragment.content.decode()


def test_studio_preview_warns_about_an_unreadable_dose(client, author):
    _import()
    article = _article(author, dose="2 tablets")
    client.force_login(author)
    html = client.get(reverse("studio:article_preview", kwargs={"slug": article.slug})).content.decode()
    assert "Could not read this dose" in html and "2 tablets" in html


def test_review_page_shows_the_result_and_the_reason_form_and_the_post_records_it(client, author, reviewer):
    _import()
    article = _article(author, dose="9000 mg")
    _submit_and_claim(article, author, reviewer)
    client.force_login(reviewer)
    html = client.get(reverse("review:detail", kwargs={"slug": article.slug})).content.decode()
    assert 'data-dose-code="outside_range"' in html
    assert reverse("evidence:dose_accept", kwargs={"slug": article.slug}) in html
    response = client.post(
        reverse("evidence:dose_accept", kwargs={"slug": article.slug}), {"reason": "Deliberate, see note."}
    )
    assert response.status_code == 302
    assert DoseCheckAcceptance.objects.get().reason == "Deliberate, see note."
    html = client.get(reverse("review:detail", kwargs={"slug": article.slug})).content.decode()
    assert "Deliberate, see note." in html


def test_an_author_posting_a_reason_is_refused(client, author, reviewer):
    _import()
    article = _article(author, dose="9000 mg")
    _submit_and_claim(article, author, reviewer)
    client.force_login(author)
    response = client.post(reverse("evidence:dose_accept", kwargs={"slug": article.slug}), {"reason": "Trust me."})
    assert response.status_code in (403, 404)
    assert not DoseCheckAcceptance.objects.exists()


def test_who_may_post_a_dose_reason(client, author, reviewer, reviewer2, editor):
    _import()
    article = _article(author, dose="9000 mg")
    _submit_and_claim(article, author, reviewer)
    url = reverse("evidence:dose_accept", kwargs={"slug": article.slug})
    response = client.post(url, {"reason": "x"})
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    for user, code in ((author, 403), (editor, 403), (reviewer2, 403)):  # reviewer2: board, not on this round
        client.force_login(user)
        assert client.post(url, {"reason": "x"}).status_code == code, user
    client.force_login(reviewer)
    assert client.get(url).status_code == 405
    assert client.post(url, {"reason": "x"}).status_code == 302
    assert DoseCheckAcceptance.objects.get().recorded_by == reviewer


def test_dose_sections_cost_the_same_queries_for_few_or_many_statements(client, author, reviewer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _import()
    few = _article(author, dose="9000 mg", slug="few")
    many = factories.make_article(
        author=author, slug="many", drugs="valganciclovir", summary="Antivirals [@valg-label].",
        body="".join(f"- Valganciclovir {n}00 mg orally twice daily [@valg-label].\n" for n in range(1, 40)),
        references=[LABEL_REF], variants=[],
    )  # fmt: skip
    counts = {}
    for article in (few, many):
        _submit_and_claim(article, author, reviewer)
        client.force_login(reviewer)
        url = reverse("review:detail", kwargs={"slug": article.slug})
        client.get(url)  # warm per-process caches
        with CaptureQueriesContext(connection) as review_page:
            assert client.get(url).status_code == 200
        client.force_login(author)
        preview = reverse("studio:article_preview", kwargs={"slug": article.slug})
        client.get(preview)
        with CaptureQueriesContext(connection) as studio_page:
            assert client.get(preview).status_code == 200
        counts[article.slug] = (len(review_page), len(studio_page))
    assert counts["few"] == counts["many"]


def test_doses_in_code_spans_are_not_statements():
    from evidence.doses import dose_report
    from textkit.content import ArticleContent

    content = ArticleContent(
        slug="x", title="x", drugs="valganciclovir", body="Write `{dose drug=valganciclovir}900 mg daily{/dose}`."
    )
    assert dose_report(content).rows == []
    content = ArticleContent(slug="x", title="x", drugs="valganciclovir", body="Valganciclovir 900 mg daily.")
    assert [row.text for row in dose_report(content).rows] == ["900 mg daily"]
