"""A newer label re-runs the dose check: an evidence alert only on the articles whose checked dose changed."""

from __future__ import annotations

import pytest

from evidence.files import read_label_document
from evidence.models import EvidenceAlert
from evidence.services import evidence_match, label_document_import
from tests import factories
from tests.evidence.conftest import SAMPLES
from tests.evidence.test_dose_review import LABEL_REF
from tests.publishing.publish_helpers import approve

pytestmark = pytest.mark.django_db


def _import(version: int) -> None:
    path = str(SAMPLES / f"spl_valganciclovir_v{version}.xml")
    label_document_import(read_label_document(path), source=path)


def _approved(author, reviewer, slug: str, body: str):
    article = factories.make_article(
        author=author, slug=slug, drugs="valganciclovir", summary="Antivirals [@valg-label].", body=body,
        references=[LABEL_REF], variants=[],
    )  # fmt: skip
    return approve(article, author=author, reviewer=reviewer)


def test_only_the_article_whose_checked_dose_changed_gets_an_alert(author, reviewer):
    _import(1)
    renal = _approved(
        author, reviewer, "renal", "- For CrCl 10 to 24 mL/min, valganciclovir 450 mg every 2 days [@valg-label].\n"
    )
    usual = _approved(author, reviewer, "usual", "- Valganciclovir 900 mg orally twice daily [@valg-label].\n")
    no_doses = _approved(author, reviewer, "no-doses", "- Valganciclovir is taken with food [@valg-label].\n")
    assert evidence_match() == []  # the cited version is current
    _import(2)
    raised = evidence_match()
    assert [alert.article for alert in raised] == [renal]
    (alert,) = raised
    assert alert.kind == EvidenceAlert.Kind.LABEL and alert.source_key.endswith(":2")
    assert "450 mg every 2 days" in alert.message and "match → different frequency" in alert.message
    assert not EvidenceAlert.objects.filter(article__in=[usual, no_doses]).exists()
    assert evidence_match() == []  # idempotent


def test_without_the_cited_versions_statements_the_version_alert_stays(author, reviewer):
    # Only the new version's statements were imported: the check cannot tell, so every citing article is told.
    usual = _approved(author, reviewer, "usual", "- Valganciclovir 900 mg orally twice daily [@valg-label].\n")
    _import(2)
    assert [alert.article for alert in evidence_match()] == [usual]
