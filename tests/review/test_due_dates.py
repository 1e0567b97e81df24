"""Due dates on review seats: the policy, editors moving them, reminders sent once, declining, the reviewers' load."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from audit.models import WorkflowEvent
from review import selectors, services, tasks
from review.exceptions import AlreadyDecided, CommentRequired, ReviewError, ReviewPermissionError
from review.models import BoardMember, ReviewDecision, ReviewReminder, ReviewRound

pytestmark = pytest.mark.django_db


def _assigned(count: int, member: BoardMember, editor, *, slug: str) -> list:
    """Submit `count` new articles and assign each to `member` (one new author writes them)."""
    from tests import factories

    author = factories.UserFactory(username=f"author-{slug}", groups=["Authors"])
    articles = []
    for i in range(count):
        article = factories.make_article(author=author, slug=f"{slug}-{i}", title=f"{slug} {i}")
        services.article_submit(article, acting_user=author)
        services.review_assign(article, acting_user=editor, reviewers=[member])
        articles.append(article)
    return articles


def seat_of(article, user) -> ReviewDecision:
    return ReviewDecision.objects.get(round__article=article, round__status="open", reviewer__user=user)


def test_a_claimed_seat_is_due_after_the_default_days(in_review, reviewer, settings):
    seat = seat_of(in_review, reviewer)
    assert seat.due_on == timezone.localdate(seat.assigned_at) + dt.timedelta(days=settings.REVIEW_DUE_DAYS)


def test_the_articles_condition_can_override_the_due_days(submitted, editor, reviewer, settings):
    settings.REVIEW_DUE_DAYS_BY_CONDITION = {submitted.condition.lower(): 14}
    services.review_assign(submitted, acting_user=editor, reviewers=[BoardMember.objects.get(user=reviewer)])
    seat = seat_of(submitted, reviewer)
    assert seat.due_on == timezone.localdate(seat.assigned_at) + dt.timedelta(days=14)


def test_an_editor_moves_a_due_date_and_it_is_audited(in_review, reviewer, editor):
    seat = seat_of(in_review, reviewer)
    new = timezone.localdate() + dt.timedelta(days=20)
    services.review_seat_due_set(seat, acting_user=editor, due_on=new)
    seat.refresh_from_db()
    assert seat.due_on == new
    event = WorkflowEvent.objects.filter(article=in_review, action="review_due_changed").get()
    assert event.actor == editor and new.isoformat() in event.comment


def test_only_editors_move_due_dates_and_not_into_the_past(in_review, reviewer, editor):
    seat = seat_of(in_review, reviewer)
    before = seat.due_on
    with pytest.raises(ReviewPermissionError):
        services.review_seat_due_set(seat, acting_user=reviewer, due_on=before + dt.timedelta(days=1))
    with pytest.raises(ReviewError):
        services.review_seat_due_set(seat, acting_user=editor, due_on=timezone.localdate() - dt.timedelta(days=1))
    seat.refresh_from_db()
    assert seat.due_on == before
    assert not WorkflowEvent.objects.filter(action="review_due_changed").exists()


def test_the_due_date_view_is_for_editors_and_reports_bad_input(client, in_review, reviewer, editor):
    seat = seat_of(in_review, reviewer)
    url = reverse("review:due_set", kwargs={"slug": in_review.slug, "pk": seat.pk})
    client.force_login(reviewer)
    assert client.post(url, {"due_on": "2030-01-01"}).status_code == 403
    client.force_login(editor)
    response = client.post(url, {"due_on": "not a date"}, follow=True)
    assert "Enter the due date as a date" in response.content.decode()
    seat.refresh_from_db()
    new = timezone.localdate() + dt.timedelta(days=3)
    client.post(url, {"due_on": new.isoformat()})
    seat.refresh_from_db()
    assert seat.due_on == new


def _make_due(seat: ReviewDecision, days_from_today: int) -> None:
    ReviewDecision.objects.filter(pk=seat.pk).update(due_on=timezone.localdate() + dt.timedelta(days=days_from_today))


def test_one_reminder_before_the_due_date_and_never_twice(in_review, reviewer, settings):
    settings.REVIEW_REMINDER_DAYS_BEFORE = 2
    seat = seat_of(in_review, reviewer)
    _make_due(seat, 5)
    assert tasks.remind_reviewers() == 0  # not yet
    _make_due(seat, 2)
    mail.outbox.clear()
    assert tasks.remind_reviewers() == 1
    assert [m.to for m in mail.outbox] == [[reviewer.email]]
    assert in_review.title in mail.outbox[0].subject
    assert tasks.remind_reviewers() == 0
    assert len(mail.outbox) == 1
    assert ReviewReminder.objects.filter(seat=seat, kind="due_soon").count() == 1


def test_overdue_reminds_the_reviewer_then_the_editors_once(in_review, reviewer, editor, settings):
    settings.EDITORS_EMAIL = ["editors@example.org"]
    seat = seat_of(in_review, reviewer)
    _make_due(seat, -1)
    mail.outbox.clear()
    assert tasks.remind_reviewers() == 1
    assert mail.outbox[0].to == [reviewer.email]
    assert {m.to[0] for m in mail.outbox[1:]} == {"editors@example.org", editor.email}
    assert "overdue" in mail.outbox[1].subject.lower()
    sent = len(mail.outbox)
    assert tasks.remind_reviewers() == 0
    assert len(mail.outbox) == sent


def test_a_moved_due_date_earns_new_reminders(in_review, reviewer, editor):
    seat = seat_of(in_review, reviewer)
    _make_due(seat, -1)
    tasks.remind_reviewers()
    services.review_seat_due_set(seat, acting_user=editor, due_on=timezone.localdate() + dt.timedelta(days=1))
    mail.outbox.clear()
    assert tasks.remind_reviewers() == 1
    assert "due" in mail.outbox[0].subject.lower() and mail.outbox[0].to == [reviewer.email]


def test_decided_seats_get_no_reminder(in_review, reviewer):
    seat = seat_of(in_review, reviewer)
    _make_due(seat, -3)
    services.review_approve(in_review, acting_user=reviewer)
    assert tasks.remind_reviewers() == 0


def test_the_reminder_row_is_unique_per_seat_kind_and_date(in_review, reviewer):
    seat = seat_of(in_review, reviewer)
    ReviewReminder.objects.create(seat=seat, kind="overdue", due_on=seat.due_on, sent_at=timezone.now())
    with pytest.raises(IntegrityError):
        ReviewReminder.objects.create(seat=seat, kind="overdue", due_on=seat.due_on, sent_at=timezone.now())


def test_the_reminder_task_is_in_the_beat_schedule():
    from cms.celery import app

    assert "review.tasks.remind_reviewers" in {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert tasks.remind_reviewers.name == "review.tasks.remind_reviewers"


def test_a_reviewer_declines_with_a_reason_and_the_editors_are_told(
    in_review, reviewer, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.review_decline(in_review, acting_user=reviewer, reason="I advise the manufacturer.")
    assert not ReviewDecision.objects.filter(round__article=in_review, reviewer__user=reviewer).exists()
    event = WorkflowEvent.objects.filter(article=in_review, action="review_declined").get()
    assert "I advise the manufacturer." in event.comment and event.actor == reviewer
    assert editor.email in {m.to[0] for m in mail.outbox}
    assert reviewer.email not in {m.to[0] for m in mail.outbox}
    assert all("I advise the manufacturer." in m.body for m in mail.outbox)
    # Back with the editors: they can assign the seat again.
    services.review_assign(in_review, acting_user=editor, reviewers=[BoardMember.objects.get(user=reviewer)])
    assert seat_of(in_review, reviewer).decision == ""


def test_declining_needs_a_reason_a_seat_and_no_decision(in_review, reviewer, reviewer2):
    with pytest.raises(CommentRequired):
        services.review_decline(in_review, acting_user=reviewer, reason="  ")
    with pytest.raises(ReviewPermissionError):
        services.review_decline(in_review, acting_user=reviewer2, reason="Busy.")
    services.review_claim(in_review, acting_user=reviewer2)
    ReviewRound.objects.filter(article=in_review, status="open").update(required_approvals=2)
    services.review_approve(in_review, acting_user=reviewer2)  # 1 of 2: the round stays open
    with pytest.raises(AlreadyDecided):
        services.review_decline(in_review, acting_user=reviewer2, reason="Changed my mind.")
    assert seat_of(in_review, reviewer2).decision == "approve"
    assert seat_of(in_review, reviewer).decision == ""


def test_decline_view_redirects_to_the_queue(client, in_review, reviewer):
    client.force_login(reviewer)
    url = reverse("review:decline", kwargs={"slug": in_review.slug})
    response = client.post(url, {"reason": ""}, follow=True)
    assert "Say why you decline" in response.content.decode()
    assert ReviewDecision.objects.filter(round__article=in_review, reviewer__user=reviewer).exists()
    response = client.post(url, {"reason": "Out of my field."})
    assert response.status_code == 302 and response.url == reverse("review:queue")


def test_board_queue_shows_due_dates_and_filters_overdue(client, in_review, reviewer):
    client.force_login(reviewer)
    seat = seat_of(in_review, reviewer)
    page = client.get(reverse("review:queue")).content.decode()
    assert seat.due_on.strftime("%-d %b %Y") in page
    assert "Overdue" not in page.split("Awaiting review")[0]
    assert (
        in_review.title
        not in client.get(reverse("review:queue") + "?due=overdue").content.decode().split("Awaiting review")[0]
    )
    _make_due(seat, -2)
    overdue_page = client.get(reverse("review:queue") + "?due=overdue").content.decode()
    mine = overdue_page.split("Awaiting review")[0]
    assert in_review.title in mine and "Overdue" in mine


def test_mine_sorts_by_due_date(reviewer, editor):
    member = BoardMember.objects.get(user=reviewer)
    articles = _assigned(3, member, editor, slug="due-order")
    for a, days in zip(articles, (9, 1, 5), strict=True):
        _make_due(seat_of(a, reviewer), days)
    order = [r.article_id for r in selectors.review_rounds_mine(member)]
    assert order == [articles[1].pk, articles[2].pk, articles[0].pk]


def test_editor_queue_lists_late_reviews_and_the_reviewers_load(client, in_review, reviewer, reviewer2, editor):
    seat = seat_of(in_review, reviewer)
    _make_due(seat, -4)
    client.force_login(editor)
    page = client.get(reverse("review:editor_queue")).content.decode()
    late = page.split("Reviews past their due date")[1].split("Reviewers&#x27; load")[0]
    assert in_review.title in late and "Dr. Rita Reviewer" in late
    assert f"latest {selectors.TURNAROUND_SAMPLE} decisions of the past year" in page  # what the median covers
    load = selectors.reviewer_load()
    by_name = {m.display_name: m for m in load}
    assert by_name["Dr. Rita Reviewer"].open_seats == 1 and by_name["Dr. Rita Reviewer"].overdue_seats == 1
    assert by_name["Dr. Raj Second"].open_seats == 0
    assert list(load)[0].display_name == "Dr. Rita Reviewer"  # busiest first


def test_the_reviewers_load_counts_only_open_seats_of_open_rounds(in_review, reviewer, editor):

    member = BoardMember.objects.get(user=reviewer)
    seats = [seat_of(article, reviewer) for article in _assigned(4, member, editor, slug="load")]
    _make_due(seat_of(in_review, reviewer), 6)
    _make_due(seats[0], -3)  # open and late
    _make_due(seats[1], 2)  # open, the soonest due
    services.review_approve(ReviewRound.objects.get(pk=seats[2].round_id).article, acting_user=reviewer)  # decided
    ReviewRound.objects.filter(pk=seats[3].round_id).update(status=ReviewRound.Status.WITHDRAWN)  # round closed
    loaded = selectors.reviewer_load().get(pk=member.pk)
    assert (loaded.open_seats, loaded.overdue_seats) == (3, 1)  # in_review, seats 0 and 1
    assert loaded.oldest_due == timezone.localdate() - dt.timedelta(days=3)
    idle = selectors.reviewer_load().exclude(pk=member.pk).first()
    assert idle is None or (idle.open_seats, idle.overdue_seats, idle.oldest_due) == (0, 0, None)


def test_median_turnaround_is_per_reviewer(in_review, reviewer):
    member = BoardMember.objects.get(user=reviewer)
    now = timezone.now()
    seat = seat_of(in_review, reviewer)
    ReviewDecision.objects.filter(pk=seat.pk).update(assigned_at=now - dt.timedelta(days=4))
    services.review_approve(in_review, acting_user=reviewer)
    medians = selectors.median_turnaround_days([member])
    assert medians[member.pk] == pytest.approx(4.0, abs=0.1)


def test_median_turnaround_reads_each_members_latest_decisions_within_the_year(in_review, reviewer, monkeypatch):
    member = BoardMember.objects.get(user=reviewer)
    services.review_approve(in_review, acting_user=reviewer)
    decided = ReviewDecision.objects.exclude(decision="").get(reviewer=member)
    now = timezone.now()

    def seat(*, decided_days_ago: float, took_days: float) -> None:
        """A closed round of the same article with this member's decision, taking that long."""
        round_ = ReviewRound.objects.get(pk=decided.round_id)
        round_.pk, round_.status = None, ReviewRound.Status.APPROVED
        round_.save()
        copy = ReviewDecision.objects.get(pk=decided.pk)
        at = now - dt.timedelta(days=decided_days_ago)
        copy.pk, copy.round = None, round_
        copy.decided_at, copy.assigned_at = at, at - dt.timedelta(days=took_days)
        copy.save()

    ReviewDecision.objects.filter(pk=decided.pk).update(
        decided_at=now - dt.timedelta(days=1), assigned_at=now - dt.timedelta(days=3)
    )
    seat(decided_days_ago=2, took_days=5)
    seat(decided_days_ago=10, took_days=30)
    seat(decided_days_ago=400, took_days=90)  # before the year: never counted
    assert selectors.median_turnaround_days([member]) == {member.pk: pytest.approx(5.0, abs=0.1)}  # 2, 5, 30
    monkeypatch.setattr(selectors, "TURNAROUND_SAMPLE", 2)
    assert selectors.median_turnaround_days([member]) == {member.pk: pytest.approx(3.5, abs=0.1)}  # 2 and 5
    monkeypatch.setattr(selectors, "TURNAROUND_SAMPLE", 1)
    assert selectors.median_turnaround_days([member]) == {member.pk: pytest.approx(2.0, abs=0.1)}


def test_editor_queue_queries_do_not_grow_with_reviewers(client, editor, in_review, reviewer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests import factories

    client.force_login(editor)
    client.get(reverse("review:editor_queue"))  # the session is read and cached the same way on both runs
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("review:editor_queue"))
    for i in range(6):
        factories.BoardMemberFactory(user__username=f"extra{i}", display_name=f"Dr. Extra {i}")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("review:editor_queue"))
    assert len(many.captured_queries) <= len(few.captured_queries)
