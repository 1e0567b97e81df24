"""Submitting with a flagged reference: blocked unless an author justifies it; the board sees the evidence."""

from __future__ import annotations

import pytest

from audit.models import WorkflowEvent
from evidence.exceptions import EvidencePermissionError, InvalidAlertAction
from evidence.models import EvidenceJustification
from evidence.services import justification_record
from review import services as review_services
from review.exceptions import ContentCheckFailed
from tests.evidence.conftest import import_samples

pytestmark = pytest.mark.django_db
REASON = "The retraction concerned one secondary table; the primary outcome was re-analysed and stands."


def test_submission_with_a_retracted_reference_is_blocked_with_a_clear_message(evidence_article, author):
    import_samples()
    with pytest.raises(ContentCheckFailed) as caught:
        review_services.article_submit(evidence_article, acting_user=author)
    message = str(caught.value)
    assert "[@trial2019]" in message and "retraction notice" in message
    assert "[@cohort2018]" in message and "correction notice" in message
    assert "[@registry2020]" in message and "expression of concern notice" in message
    assert f"/publishing/evidence/articles/{evidence_article.slug}/" in message
    codes = {(r.code, r.level) for r in caught.value.results}
    assert ("flagged-reference", "error") in codes and ("outdated-label", "warning") in codes
    evidence_article.refresh_from_db()
    assert evidence_article.status == "draft"


def test_justified_references_let_the_submission_through(evidence_article, author):
    import_samples()
    for key in ("trial2019", "cohort2018", "registry2020"):
        justification_record(evidence_article, acting_user=author, reference_key=key, text=REASON)
    review_services.article_submit(evidence_article, acting_user=author)
    evidence_article.refresh_from_db()
    assert evidence_article.status == "submitted"
    event = WorkflowEvent.objects.filter(article=evidence_article, action="evidence_justified").first()
    assert event.action_label == "recorded why a flagged reference is still cited" and REASON in event.comment


def test_only_an_author_may_justify_and_it_must_say_something(evidence_article, editor, author):
    with pytest.raises(EvidencePermissionError):
        justification_record(evidence_article, acting_user=editor, reference_key="trial2019", text=REASON)
    with pytest.raises(InvalidAlertAction, match="at least 20 characters"):
        justification_record(evidence_article, acting_user=author, reference_key="trial2019", text="ok")
    assert not EvidenceJustification.objects.exists()


def test_submission_without_imports_is_unaffected(evidence_article, author):
    review_services.article_submit(evidence_article, acting_user=author)
    evidence_article.refresh_from_db()
    assert evidence_article.status == "submitted"


def test_author_records_a_justification_through_the_evidence_page(client, evidence_article, author, editor):
    import_samples()
    from review.models import ReviewRound

    assert not ReviewRound.objects.exists()
    url = f"/publishing/evidence/articles/{evidence_article.slug}/"
    client.force_login(author)
    page = client.get(url).content.decode()
    assert "Retraction" in page and "Why is this paper still cited?" in page
    response = client.post(url, {"reference_key": "trial2019", "text": REASON})
    assert response.status_code == 302
    assert EvidenceJustification.objects.get(reference_key="trial2019").text == REASON


def test_strangers_cannot_see_an_articles_evidence(client, evidence_article, author2, editor, author):
    url = f"/publishing/evidence/articles/{evidence_article.slug}/"
    assert client.get(url).status_code == 404
    client.force_login(author2)
    assert client.get(url).status_code == 403
    client.force_login(editor)  # a draft never submitted is its authors' business only
    assert client.get(url).status_code == 404
    review_services.article_submit(evidence_article, acting_user=author)
    assert client.get(url).status_code == 200
    # editors and the board read it but only authors justify
    assert client.post(url, {"reference_key": "trial2019", "text": REASON}).status_code == 403


def test_board_sees_status_justification_and_grades_on_the_review_page(client, evidence_article, author, reviewer):
    import_samples()
    justification_record(evidence_article, acting_user=author, reference_key="trial2019", text=REASON)
    for key in ("cohort2018", "registry2020"):
        justification_record(evidence_article, acting_user=author, reference_key=key, text=REASON)
    review_services.article_submit(evidence_article, acting_user=author)
    client.force_login(reviewer)
    html = client.get(f"/review/{evidence_article.slug}/").content.decode()
    assert 'id="evidence-title"' in html and "3 flagged" not in html  # label is flagged too: 4
    assert "4 flagged" in html
    assert "Author&#x27;s justification" in html or "Author's justification" in html
    assert REASON in html
    assert "Newer label</strong>: cites version 5, current is 7." in html
    assert "Graded recommendations" in html and "Inventavir 450 mg twice daily for 21 days." in html
    assert 'class="evidence-grade evidence-grade--moderate"' in html  # badges in the preview too
    assert "Record justification" not in html  # the board reads, only authors write
