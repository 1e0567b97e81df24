"""Matching approved articles against the imports: alerts, re-review dates, email, the daily job."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from audit.models import WorkflowEvent
from cms.celery import app as celery_app
from evidence import tasks
from evidence.models import EvidenceAlert
from evidence.services import evidence_match
from tests.evidence.conftest import LABELS, import_samples, make_evidence_article
from tests.publishing.publish_helpers import edit

pytestmark = pytest.mark.django_db


def _alerts(article):
    return {(a.reference_key, a.kind, a.severity) for a in EvidenceAlert.objects.filter(article=article)}


def test_live_article_citing_moved_evidence_gets_one_alert_per_finding(
    live_article, editor, reviewer, author, django_capture_on_commit_callbacks
):
    import_samples()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        raised = evidence_match()
    assert _alerts(live_article) == {
        ("trial2019", "retraction", 3),  # by DOI, matched although the file has it upper case behind doi.org
        ("cohort2018", "correction", 1),  # by PMID
        ("registry2020", "expression_of_concern", 2),
        ("inventavir", "label", 2),  # cites version 5; version 7 is current
    }
    assert len(raised) == 4
    trial = EvidenceAlert.objects.get(article=live_article, reference_key="trial2019")
    assert trial.source_key == "rw:900001" and trial.revision_id == live_article.last_approved_revision_id
    assert "retraction notice on 2024-03-15 (Retraction Watch record 900001)" in trial.message
    label = EvidenceAlert.objects.get(article=live_article, kind="label")
    assert "cites version 5" in label.message and "version 7, published 2025-03-04 is current" in label.message

    live_article.refresh_from_db()
    assert live_article.next_review_due == timezone.localdate()
    recipients = sorted(m.to[0] for m in mail.outbox)
    # editors (and EDITORS_EMAIL) and the board, not the author
    assert recipients == sorted([*settings.EDITORS_EMAIL, editor.email, reviewer.email])
    assert author.email not in recipients
    assert mail.outbox[0].subject == "[Vetted] Evidence alert: 4 approved articles cite changed evidence"
    assert "Retraction Watch record 900001" in mail.outbox[0].body
    assert "/publishing/evidence/" in mail.outbox[0].body


def test_label_import_command_alerts_editors_and_board_about_a_live_page_citing_an_older_label(
    live_article, editor, reviewer, author, client, django_capture_on_commit_callbacks
):
    # Readers see the page; its approved text cites version 5 of the INVENTAVIR label.
    assert client.get(f"/articles/{live_article.slug}/").status_code == 200
    mail.outbox.clear()
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_label_versions", str(LABELS), stdout=out, stderr=StringIO())
    assert "Matched approved articles: 1 new evidence alert(s)." in out.getvalue()
    alert = EvidenceAlert.objects.get(article=live_article)
    assert (alert.kind, alert.reference_key, alert.state) == ("label", "inventavir", "open")
    assert alert.source_key == "spl:1b7f2c9e-0a4d-4c1e-9f3a-2d5e6b7c8a90:7"
    assert alert.revision_id == live_article.last_approved_revision_id
    live_article.refresh_from_db()
    assert live_article.next_review_due == timezone.localdate()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([*settings.EDITORS_EMAIL, editor.email, reviewer.email])
    body = mail.outbox[0].body
    assert f"Newer drug label in “{live_article.title}”" in body
    assert "cites version 5 of the FDA label" in body and "version 7, published 2025-03-04 is current" in body
    assert mail.outbox[0].subject == "[Vetted] Evidence alert: 1 approved article cites changed evidence"
    # The reader page is untouched until an editor decides.
    assert client.get(f"/articles/{live_article.slug}/").status_code == 200


def test_matching_again_raises_nothing_new(live_article, django_capture_on_commit_callbacks):
    import_samples()
    evidence_match()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert evidence_match() == []
    assert EvidenceAlert.objects.filter(article=live_article).count() == 4
    assert mail.outbox == []


def test_acknowledged_finding_is_not_raised_again(live_article, editor):
    from evidence.services import alert_acknowledge

    import_samples()
    for alert in evidence_match():
        alert_acknowledge(alert, acting_user=editor)
    assert evidence_match() == []


def test_only_the_approved_text_counts_not_the_working_copy(approved_article, author):
    # The author removes the retracted paper in a new draft; readers still see the approved text.
    edit(approved_article, author=author, summary="Inventavir by mouth is the usual first treatment [@cohort2018].")
    import_samples()
    evidence_match()
    assert ("trial2019", "retraction", 3) in _alerts(approved_article)


def test_articles_never_approved_or_archived_are_not_watched(author, editor, live_article):
    from evidence.services import watched_articles
    from review import services as review_services

    draft = make_evidence_article(author, slug="draft-one")
    import_samples()
    assert list(watched_articles()) == [live_article]  # the samples would flag it (see the first test)
    review_services.article_archive(live_article, acting_user=editor, comment="Superseded.")
    live_article.refresh_from_db()
    assert live_article.status == Article.Status.ARCHIVED
    assert live_article.last_approved_revision_id is not None  # approved once, but archived
    assert evidence_match() == []
    assert not EvidenceAlert.objects.exists()
    assert draft.status == Article.Status.DRAFT


def test_current_label_and_reinstatement_raise_nothing(live_article):
    import_samples()
    evidence_match()
    keys = {key for key, _, _ in _alerts(live_article)}
    assert "fictomycin" not in keys and "reinstated2017" not in keys


def test_a_later_due_date_is_brought_forward_but_an_earlier_one_kept(live_article):
    earlier = timezone.localdate() - dt.timedelta(days=3)
    Article.objects.filter(pk=live_article.pk).update(next_review_due=earlier)
    import_samples()
    evidence_match()
    live_article.refresh_from_db()
    assert live_article.next_review_due == earlier


def test_import_command_matches_at_once(live_article):
    from django.core.management import call_command

    from tests.evidence.conftest import RETRACTIONS

    call_command("import_retractions", str(RETRACTIONS), stdout=open("/dev/null", "w"), stderr=open("/dev/null", "w"))
    assert {key for key, _, _ in _alerts(live_article)} == {"trial2019", "cohort2018", "registry2020"}


def test_daily_job_is_scheduled_and_raises_alerts(live_article):
    entry = celery_app.conf.beat_schedule["match-evidence"]
    assert entry["task"] == "evidence.tasks.match_evidence"
    import_samples()
    assert tasks.match_evidence.apply().get() == 4
    assert tasks.match_evidence.apply().get() == 0


def test_editors_queue_says_the_article_is_due_because_of_its_evidence_alerts(live_article, client, editor):
    import_samples()
    evidence_match()
    from evidence.services import alert_acknowledge

    # An acknowledged alert still explains the early date; a resolved one would not.
    alert_acknowledge(EvidenceAlert.objects.get(reference_key="cohort2018"), acting_user=editor)
    client.force_login(editor)
    page = client.get(reverse("review:editor_queue")).content.decode()
    overdue = page[page.index("Overdue for re-review") : page.index("</table>", page.index("Overdue for re-review"))]
    assert live_article.title in overdue
    assert "Evidence alert — retracted: “Induction therapy with an invented antiviral” [@trial2019]" in overdue
    assert "Evidence alert — corrected: “A made-up cohort of invented patients” [@cohort2018]" in overdue
    assert "Evidence alert — newer drug label: “INVENTAVIR tablets: prescribing information” [@inventavir]" in overdue
    assert "Scheduled re-review" not in overdue


def test_reviews_due_email_gives_the_evidence_alert_as_the_reason(live_article, editor):
    from review.tasks import flag_reviews_due

    import_samples(retractions=False)  # only the label moved
    evidence_match()
    mail.outbox.clear()
    assert flag_reviews_due() == 1
    body = mail.outbox[0].body
    assert f"- {live_article.title} — due" in body
    assert "Why: Evidence alert — newer drug label: “INVENTAVIR tablets: prescribing information” [@inventavir]" in body
    # Once the alert is resolved by a newer approval, the reason goes with it.
    EvidenceAlert.objects.update(state=EvidenceAlert.State.RESOLVED)
    mail.outbox.clear()
    flag_reviews_due()
    assert "Why: scheduled re-review" in mail.outbox[0].body


def test_a_newer_approval_without_the_paper_resolves_its_alert(live_article, author, reviewer):
    from tests.evidence.conftest import REFERENCES, SUMMARY
    from tests.publishing.publish_helpers import approve

    import_samples()
    evidence_match()
    from articles import services as article_services
    from evidence.services import justification_record

    live_article.refresh_from_db()
    body = live_article.body.replace("[@trial2019; @cohort2018]", "[@cohort2018]")
    article_services.article_update(
        live_article,
        acting_user=author,
        lock_version=live_article.lock_version,
        fields={"summary": SUMMARY.replace("[@trial2019]", "[@cohort2018]"), "body": body},
        references=[r for r in REFERENCES if r["key"] != "trial2019"],
    )
    for key in ("cohort2018", "registry2020"):
        justification_record(
            live_article, acting_user=author, reference_key=key, text="Still valid: minor notice only."
        )
    approve(live_article, author=author, reviewer=reviewer)
    assert evidence_match() == []
    states = dict(EvidenceAlert.objects.filter(article=live_article).values_list("reference_key", "state"))
    assert states == {"trial2019": "resolved", "cohort2018": "open", "registry2020": "open", "inventavir": "open"}
    event = WorkflowEvent.objects.filter(article=live_article, action="evidence_resolved").get()
    live_article.refresh_from_db()
    assert event.actor == reviewer  # whose approval resolved it
    assert event.revision_id == live_article.last_approved_revision_id
    assert event.content_hash == live_article.last_approved_hash
    assert event.comment.startswith("Retracted paper [@trial2019]: [@trial2019] “Induction therapy")
    assert "the newly approved text no longer cites this evidence" in event.comment
    assert event.action_label == "evidence alert resolved by a newer approval"
    evidence_match()  # resolved once, recorded once
    assert WorkflowEvent.objects.filter(action="evidence_resolved").count() == 1
