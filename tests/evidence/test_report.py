"""The evidence report (/publishing/evidence/): who sees it, its order, its actions, its queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import Truncator

from articles.models import Article
from audit.models import WorkflowEvent
from evidence.exceptions import EvidencePermissionError, InvalidAlertAction
from evidence.models import EvidenceAlert
from evidence.services import alert_acknowledge, alert_open_re_review, alert_withdraw_page, evidence_match
from publishing.models import Publication
from tests import factories
from tests.evidence.conftest import import_samples

pytestmark = pytest.mark.django_db
URL = "/publishing/evidence/"


@pytest.fixture
def alerts(live_article):
    import_samples()
    return evidence_match()


def test_dashboard_shows_each_open_alert_with_its_message(client, alerts, editor, live_article):
    client.force_login(editor)
    html = client.get("/publishing/").content.decode()
    section = html[html.index('id="evidence-h"') : html.index("Act on them in the evidence report")]
    assert len(alerts) == 4
    for alert in alerts:
        assert escape(Truncator(alert.message).chars(240)) in section
    assert "Critical — Retracted paper</strong> in " + escape(live_article.title) in section
    alert_acknowledge(alerts[0], acting_user=editor)  # handled: off the dashboard
    html = client.get("/publishing/").content.decode()
    assert escape(Truncator(alerts[0].message).chars(240)) not in html


def test_report_is_for_editors_only(client, alerts, author, reviewer):
    assert client.get(URL).status_code == 302  # to the login page
    client.force_login(author)
    assert client.get(URL).status_code == 403
    client.force_login(reviewer)
    assert client.get(URL).status_code == 403


def test_report_lists_open_alerts_by_severity_then_age(client, alerts, editor):
    client.force_login(editor)
    html = client.get(URL).content.decode()
    kinds = ["Retracted paper", "Expression of concern", "Newer drug label", "Corrected paper"]
    positions = [html.index(f"<strong>{kind}</strong>") for kind in kinds]
    assert positions[0] < positions[1] and positions[0] < positions[2] and max(positions[1:3]) < positions[3]
    assert "Retraction Watch data imported" in html and "(5 records)" in html and "(2 labels)" in html


def test_acknowledge_from_the_report_is_audited(client, alerts, editor, live_article):
    client.force_login(editor)
    alert = EvidenceAlert.objects.get(reference_key="cohort2018")
    response = client.post(f"{URL}alerts/{alert.pk}/", {"action": "acknowledge", "note": "Typo fix only."})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.state == "acknowledged" and alert.handled_by == editor and alert.handled_note == "Typo fix only."
    event = WorkflowEvent.objects.get(article=live_article, action="evidence_acknowledged")
    assert event.actor == editor and "Typo fix only." in event.comment
    assert event.action_label == "acknowledged an evidence alert"
    assert "Acknowledged" in client.get(f"{URL}?state=acknowledged").content.decode()
    assert "cohort2018" not in client.get(URL).content.decode()  # no longer open


def test_open_re_review_makes_the_article_due_today(alerts, editor, live_article):
    Article.objects.filter(pk=live_article.pk).update(next_review_due=timezone.localdate().replace(year=2099))
    alert_open_re_review(alerts[0], acting_user=editor, note="Board to check the dosing section.")
    live_article.refresh_from_db()
    assert live_article.next_review_due == timezone.localdate()
    assert WorkflowEvent.objects.get(article=live_article, action="evidence_re_review").actor == editor


def test_withdraw_marks_the_page_in_one_step(client, alerts, editor, live_article):
    client.force_login(editor)
    alert = EvidenceAlert.objects.get(reference_key="trial2019")
    client.post(
        f"{URL}alerts/{alert.pk}/",
        {"action": "withdraw", "mode": "notice", "note": "A cited trial was retracted; under re-review."},
    )
    alert.refresh_from_db()
    assert alert.state == "withdrawn"
    publication = Publication.objects.get(article=live_article)
    assert publication.state == "withdrawn" and publication.withdrawal_mode == "notice"
    assert publication.withdrawal_reason == "A cited trial was retracted; under re-review."
    actions = list(WorkflowEvent.objects.filter(article=live_article).values_list("action", flat=True))
    assert "publication_withdrawn" in actions and "evidence_withdrawn" in actions
    page = client.get(f"/articles/{live_article.slug}/", follow=True)
    assert "A cited trial was retracted; under re-review." in page.content.decode()


def test_withdraw_needs_a_reason_and_a_page(client, alerts, editor, live_article):
    alert = EvidenceAlert.objects.get(reference_key="trial2019")
    with pytest.raises(InvalidAlertAction, match="Give a reason"):
        alert_withdraw_page(alert, acting_user=editor, reason=" ")
    alert_withdraw_page(alert, acting_user=editor, reason="Retracted trial.", mode="remove")
    other = EvidenceAlert.objects.get(reference_key="registry2020")
    client.force_login(editor)
    response = client.post(f"{URL}alerts/{other.pk}/", {"action": "withdraw", "note": "Again."}, follow=True)
    assert "has nothing live or waiting to go live" in response.content.decode()
    other.refresh_from_db()
    assert other.state == "open"  # the failed withdrawal changed nothing


def test_actions_follow_the_table_and_need_an_editor(alerts, editor, author):
    alert = alerts[0]
    with pytest.raises(EvidencePermissionError):
        alert_acknowledge(alert, acting_user=author)
    alert_acknowledge(alert, acting_user=editor)
    with pytest.raises(InvalidAlertAction, match="already “acknowledged”"):
        alert_acknowledge(alert, acting_user=editor)
    alert_open_re_review(alert, acting_user=editor)  # acknowledged → re-review is allowed


def _make_alerts(article, count: int, start: int) -> None:
    for n in range(start, start + count):
        EvidenceAlert.objects.create(
            article=article,
            kind="retraction",
            severity=3,
            reference_key=f"ref{n}",
            source_key=f"rw:{n}",
            message=f"Made-up alert {n}",
        )


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_report_and_dashboard_queries_do_not_grow_with_alerts(client, editor, author):
    articles = [factories.make_article(author=author, slug=f"a-{n}", title=f"Q{n}?") for n in range(3)]
    client.force_login(editor)
    _make_alerts(articles[0], 2, 0)
    report, dashboard = _queries(client, URL), _queries(client, "/publishing/")
    for article in articles:
        _make_alerts(article, 15, 100)
    assert _queries(client, URL) == report
    assert _queries(client, "/publishing/") == dashboard
    html = client.get(URL).content.decode()
    assert "Page 1 of 2" in html
    assert "10+" in client.get("/publishing/").content.decode()
