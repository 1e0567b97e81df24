from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from articles import services as article_services
from articles.exceptions import ContentLocked
from articles.models import Article
from articles.selectors import article_latest_revision
from audit.models import WorkflowEvent
from cms import hooks
from review import services
from review.exceptions import (
    AlreadyDecided,
    CommentRequired,
    ContentCheckFailed,
    InvalidTransition,
    Recused,
    ReviewPermissionError,
    RevisionMismatch,
)
from review.models import BoardMember, ReviewComment, ReviewDecision, ReviewRound
from tests import factories

pytestmark = pytest.mark.django_db
S = Article.Status


def last_event(article: Article) -> WorkflowEvent:
    return WorkflowEvent.objects.filter(article=article).order_by("-pk").first()


# --- submit -------------------------------------------------------------------------


def test_submit_opens_a_round_pinned_to_the_latest_revision(article, author):
    revision = article_latest_revision(article)
    services.article_submit(article, acting_user=author, comment="Ready.")
    article.refresh_from_db()
    assert article.status == S.SUBMITTED
    round_ = ReviewRound.objects.get(article=article)
    assert round_.status == ReviewRound.Status.OPEN
    assert round_.revision == revision
    assert round_.content_hash == article_services.content_from_article(article).content_hash()
    assert round_.required_approvals == 1
    event = last_event(article)
    assert (event.action, event.from_status, event.to_status, event.actor) == ("submit", "draft", "submitted", author)
    assert event.revision == revision and event.comment == "Ready."


def test_submit_updates_the_callers_instance(article, author):
    services.article_submit(article, acting_user=author)
    assert article.status == S.SUBMITTED


def test_submit_uses_the_article_override_for_required_approvals(article, author, settings):
    settings.REVIEW_REQUIRED_APPROVALS = 1
    article.required_approvals = 3
    article.save(update_fields=["required_approvals"])
    services.article_submit(article, acting_user=author)
    assert ReviewRound.objects.get(article=article).required_approvals == 3


def test_submit_by_another_author_is_refused(article, author2):
    with pytest.raises(ReviewPermissionError):
        services.article_submit(article, acting_user=author2)
    article.refresh_from_db()
    assert article.status == S.DRAFT
    assert not ReviewRound.objects.exists() and not WorkflowEvent.objects.exists()


def test_submit_twice_is_an_invalid_transition(submitted, author):
    with pytest.raises(InvalidTransition):
        services.article_submit(submitted, acting_user=author)
    assert ReviewRound.objects.count() == 1


def test_submit_with_an_unknown_citation_lists_the_error(author):
    article = factories.make_article(author=author, slug="broken", body="## Dosing\n\nSee [@nosuchkey].")
    with pytest.raises(ContentCheckFailed) as excinfo:
        services.article_submit(article, acting_user=author)
    assert "nosuchkey" in str(excinfo.value)
    assert excinfo.value.results
    article.refresh_from_db()
    assert article.status == S.DRAFT


# --- claim and assign ------------------------------------------------------------------


def test_claim_moves_to_in_review_and_seats_the_reviewer(submitted, reviewer):
    services.review_claim(submitted, acting_user=reviewer)
    submitted.refresh_from_db()
    assert submitted.status == S.IN_REVIEW
    seat = ReviewDecision.objects.get()
    assert seat.reviewer.user == reviewer and seat.assigned_by == reviewer and seat.decision == ""
    event = last_event(submitted)
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        "claim",
        "submitted",
        "in_review",
        reviewer,
    )
    assert event.revision == ReviewRound.objects.get().revision


def test_claim_of_a_draft_is_an_invalid_transition(article, reviewer):
    with pytest.raises(InvalidTransition):
        services.review_claim(article, acting_user=reviewer)


def test_claim_by_an_author_without_board_seat_is_refused(submitted, author2):
    with pytest.raises(ReviewPermissionError):
        services.review_claim(submitted, acting_user=author2)


def test_author_who_is_also_a_board_member_cannot_claim_own_article(submitted, author):
    factories.BoardMemberFactory(user=author)
    author.groups.add(*factories.Group.objects.filter(name="Medical Advisory Board"))
    author = type(author).objects.get(pk=author.pk)
    with pytest.raises(ReviewPermissionError, match="author"):
        services.review_claim(submitted, acting_user=author)


def test_board_member_whose_disclosure_names_a_drug_in_the_article_is_recused(submitted, reviewer):
    BoardMember.objects.filter(user=reviewer).update(disclosed_drugs="Valganciclovir")
    with pytest.raises(Recused) as excinfo:
        services.review_claim(submitted, acting_user=reviewer)
    assert excinfo.value.terms == ["Valganciclovir"]
    assert "Valganciclovir" in str(excinfo.value)


def test_disclosure_of_something_the_article_does_not_mention_is_no_conflict(submitted, reviewer):
    BoardMember.objects.filter(user=reviewer).update(disclosed_companies="Acme Ophthalmics", disclosed_drugs="aflib")
    services.review_claim(submitted, acting_user=reviewer)
    submitted.refresh_from_db()
    assert submitted.status == S.IN_REVIEW


def test_inactive_board_member_cannot_claim(submitted, reviewer):
    BoardMember.objects.filter(user=reviewer).update(active=False)
    with pytest.raises(ReviewPermissionError):
        services.review_claim(submitted, acting_user=reviewer)


def test_editor_assigns_board_members(submitted, editor, reviewer, reviewer2):
    members = list(BoardMember.objects.filter(user__in=[reviewer, reviewer2]))
    services.review_assign(submitted, acting_user=editor, reviewers=members)
    submitted.refresh_from_db()
    assert submitted.status == S.IN_REVIEW
    assert set(ReviewDecision.objects.values_list("reviewer__user", flat=True)) == {reviewer.pk, reviewer2.pk}
    event = last_event(submitted)
    assert (event.action, event.actor, event.to_status) == ("assign", editor, "in_review")
    assert event.revision == ReviewRound.objects.get().revision


def test_assign_by_a_board_member_is_refused(submitted, reviewer, reviewer2):
    with pytest.raises(ReviewPermissionError):
        services.review_assign(submitted, acting_user=reviewer, reviewers=[BoardMember.objects.get(user=reviewer2)])


def test_assign_of_a_draft_is_an_invalid_transition(article, editor, reviewer):
    with pytest.raises(InvalidTransition):
        services.review_assign(article, acting_user=editor, reviewers=[BoardMember.objects.get(user=reviewer)])


def test_recused_member_cannot_be_assigned_and_nobody_is(submitted, editor, reviewer, reviewer2):
    BoardMember.objects.filter(user=reviewer2).update(disclosed_conditions="cytomegalovirus")
    members = list(BoardMember.objects.filter(user__in=[reviewer, reviewer2]))
    with pytest.raises(Recused):
        services.review_assign(submitted, acting_user=editor, reviewers=members)
    assert not ReviewDecision.objects.exists()


# --- approve ---------------------------------------------------------------------------------


def test_approve_sets_the_approved_revision_hash_and_review_dates(in_review, reviewer, settings):
    settings.REVIEW_INTERVAL_MONTHS = 12
    round_ = ReviewRound.objects.get()
    services.review_approve(in_review, acting_user=reviewer, comment="Accurate.")
    in_review.refresh_from_db()
    round_.refresh_from_db()
    today = timezone.localdate()
    assert in_review.status == S.APPROVED
    assert in_review.last_approved_revision == round_.revision
    assert in_review.last_approved_hash == round_.content_hash
    assert in_review.last_reviewed == today
    due = in_review.next_review_due
    assert (due.year, due.month) == (today.year + 1, today.month)
    assert round_.status == ReviewRound.Status.APPROVED and round_.closed_at
    seat = ReviewDecision.objects.get()
    assert seat.decision == "approve" and seat.revision == round_.revision and seat.comment == "Accurate."
    event = last_event(in_review)
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        "approve",
        "in_review",
        "approved",
        reviewer,
    )
    assert event.revision == round_.revision and event.content_hash == round_.content_hash


def test_approve_uses_the_article_review_interval(in_review, reviewer):
    Article.objects.filter(pk=in_review.pk).update(review_interval_months=6)
    services.review_approve(in_review, acting_user=reviewer)
    in_review.refresh_from_db()
    assert (in_review.next_review_due - in_review.last_reviewed).days in range(181, 185)


def test_approve_of_a_submitted_unclaimed_article_is_an_invalid_transition(submitted, reviewer):
    with pytest.raises(InvalidTransition):
        services.review_approve(submitted, acting_user=reviewer)


def test_approve_by_a_board_member_who_is_not_a_reviewer_is_refused(in_review, reviewer2):
    with pytest.raises(ReviewPermissionError, match="Claim"):
        services.review_approve(in_review, acting_user=reviewer2)
    in_review.refresh_from_db()
    assert in_review.status == S.IN_REVIEW


def test_author_who_is_also_a_board_member_cannot_approve_own_article(submitted, author, editor, reviewer):
    member = factories.BoardMemberFactory(user=author)
    author.groups.add(*factories.Group.objects.filter(name="Medical Advisory Board"))
    services.review_claim(submitted, acting_user=reviewer)
    # Even a seat created behind the service's back does not let an author decide.
    ReviewDecision.objects.create(
        round=ReviewRound.objects.get(), reviewer=member, assigned_by=editor, assigned_at=timezone.now()
    )
    author = type(author).objects.get(pk=author.pk)
    with pytest.raises(ReviewPermissionError, match="author"):
        services.review_approve(submitted, acting_user=author)
    submitted.refresh_from_db()
    assert submitted.status == S.IN_REVIEW


def test_lapsed_credential_cannot_approve(in_review, reviewer):
    BoardMember.objects.filter(user=reviewer).update(credential_verified_until=dt.date.today() - dt.timedelta(days=1))
    with pytest.raises(ReviewPermissionError, match="lapsed"):
        services.review_approve(in_review, acting_user=reviewer)
    in_review.refresh_from_db()
    assert in_review.status == S.IN_REVIEW
    assert ReviewDecision.objects.get().decision == ""


def test_decision_is_refused_when_the_reviewer_read_another_version(in_review, reviewer):
    with pytest.raises(RevisionMismatch):
        services.review_approve(in_review, acting_user=reviewer, content_hash="0" * 64)


def test_decision_is_refused_when_the_latest_revision_differs_from_the_round(in_review, reviewer):
    # Content changed behind the workflow's back (the lock only guards the services).
    Article.objects.filter(pk=in_review.pk).update(status=S.DRAFT)
    in_review.refresh_from_db()
    article_services.article_update(
        in_review, acting_user=in_review.authors.first(), lock_version=0, fields={"title": "Sneaky?"}
    )
    Article.objects.filter(pk=in_review.pk).update(status=S.IN_REVIEW)
    with pytest.raises(RevisionMismatch):
        services.review_approve(in_review, acting_user=reviewer)
    assert ReviewDecision.objects.get().decision == ""


def test_quorum_of_two_needs_two_distinct_reviewers(article, author, reviewer, reviewer2, settings):
    settings.REVIEW_REQUIRED_APPROVALS = 2
    services.article_submit(article, acting_user=author)
    services.review_claim(article, acting_user=reviewer)
    services.review_claim(article, acting_user=reviewer2)

    services.review_approve(article, acting_user=reviewer)
    article.refresh_from_db()
    assert article.status == S.IN_REVIEW
    assert last_event(article).to_status == "in_review"

    with pytest.raises(AlreadyDecided):
        services.review_approve(article, acting_user=reviewer)
    article.refresh_from_db()
    assert article.status == S.IN_REVIEW
    assert ReviewDecision.objects.filter(decision="approve").count() == 1

    services.review_approve(article, acting_user=reviewer2)
    article.refresh_from_db()
    assert article.status == S.APPROVED
    assert ReviewRound.objects.get().status == ReviewRound.Status.APPROVED


def test_approval_hook_runs_inside_the_approving_transaction(in_review, reviewer):
    calls = []

    def hook(article, round_, acting_user):
        calls.append((article.status, round_.status, acting_user))

    hooks.ON_APPROVAL.register(hook)
    try:
        services.review_approve(in_review, acting_user=reviewer)
    finally:
        hooks.ON_APPROVAL.unregister(hook)
    assert calls == [("approved", "approved", reviewer)]


# --- request changes and reject -----------------------------------------------------------


def test_request_changes_returns_it_to_the_author_with_section_comments(in_review, reviewer):
    services.review_request_changes(
        in_review,
        acting_user=reviewer,
        comment="Check the dose.",
        section_comments=[services.CommentInput(text="Give the renal adjustment.", section="Dosing")],
    )
    in_review.refresh_from_db()
    assert in_review.status == S.CHANGES_REQUESTED
    round_ = ReviewRound.objects.get()
    assert round_.status == ReviewRound.Status.CHANGES_REQUESTED
    comment = ReviewComment.objects.get()
    assert (comment.section, comment.author, comment.round) == ("Dosing", reviewer, round_)
    event = last_event(in_review)
    assert (event.action, event.to_status, event.comment, event.revision) == (
        "request_changes",
        "changes_requested",
        "Check the dose.",
        round_.revision,
    )


def test_request_changes_needs_a_comment(in_review, reviewer):
    with pytest.raises(CommentRequired):
        services.review_request_changes(in_review, acting_user=reviewer, comment="  ")
    in_review.refresh_from_db()
    assert in_review.status == S.IN_REVIEW


def test_request_changes_by_the_author_is_refused(in_review, author):
    with pytest.raises(ReviewPermissionError):
        services.review_request_changes(in_review, acting_user=author, comment="x")


def test_request_changes_on_a_draft_is_an_invalid_transition(article, reviewer):
    with pytest.raises(InvalidTransition):
        services.review_request_changes(article, acting_user=reviewer, comment="x")


def test_reject_closes_the_round_and_returns_to_draft(in_review, reviewer):
    services.review_reject(in_review, acting_user=reviewer, comment="Out of scope.")
    in_review.refresh_from_db()
    assert in_review.status == S.DRAFT
    round_ = ReviewRound.objects.get()
    assert round_.status == ReviewRound.Status.REJECTED
    event = last_event(in_review)
    assert (event.action, event.from_status, event.to_status, event.revision) == (
        "reject",
        "in_review",
        "draft",
        round_.revision,
    )


def test_reject_needs_a_comment_and_a_reviewer(in_review, reviewer, reviewer2):
    with pytest.raises(CommentRequired):
        services.review_reject(in_review, acting_user=reviewer, comment="")
    with pytest.raises(ReviewPermissionError):
        services.review_reject(in_review, acting_user=reviewer2, comment="No.")


def test_reject_of_an_approved_article_is_an_invalid_transition(in_review, reviewer):
    services.review_approve(in_review, acting_user=reviewer)
    with pytest.raises(InvalidTransition):
        services.review_reject(in_review, acting_user=reviewer, comment="Changed my mind.")


# --- locking, withdraw, archive ---------------------------------------------------------------


def test_editing_during_review_is_refused(in_review, author):
    in_review.refresh_from_db()
    with pytest.raises(ContentLocked):
        article_services.article_update(
            in_review, acting_user=author, lock_version=in_review.lock_version, fields={"title": "New?"}
        )


def test_withdraw_then_edit_works(in_review, author):
    services.article_withdraw(in_review, acting_user=author, comment="Need to fix a dose.")
    in_review.refresh_from_db()
    assert in_review.status == S.DRAFT
    round_ = ReviewRound.objects.get()
    assert round_.status == ReviewRound.Status.WITHDRAWN
    event = last_event(in_review)
    assert (event.action, event.from_status, event.to_status, event.revision) == (
        "withdraw",
        "in_review",
        "draft",
        round_.revision,
    )
    article_services.article_update(
        in_review, acting_user=author, lock_version=in_review.lock_version, fields={"title": "Fixed?"}
    )
    in_review.refresh_from_db()
    assert in_review.title == "Fixed?"


def test_withdraw_by_a_reviewer_is_refused(in_review, reviewer):
    with pytest.raises(ReviewPermissionError):
        services.article_withdraw(in_review, acting_user=reviewer)


def test_withdraw_of_a_draft_is_an_invalid_transition(article, author):
    with pytest.raises(InvalidTransition):
        services.article_withdraw(article, acting_user=author)


def test_resubmission_after_changes_opens_a_new_round_on_the_new_revision(in_review, author, reviewer):
    services.review_request_changes(in_review, acting_user=reviewer, comment="Fix it.")
    in_review.refresh_from_db()
    article_services.article_update(
        in_review, acting_user=author, lock_version=in_review.lock_version, fields={"title": "Fixed?"}
    )
    services.article_submit(in_review, acting_user=author)
    rounds = list(ReviewRound.objects.order_by("pk"))
    assert [r.status for r in rounds] == ["changes_requested", "open"]
    assert rounds[1].revision == article_latest_revision(in_review) != rounds[0].revision


def test_editor_archives_an_approved_article(in_review, reviewer, editor):
    services.review_approve(in_review, acting_user=reviewer)
    services.article_archive(in_review, acting_user=editor, comment="Superseded.")
    in_review.refresh_from_db()
    assert in_review.status == S.ARCHIVED
    event = last_event(in_review)
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        "archive",
        "approved",
        "archived",
        editor,
    )


def test_archive_by_an_author_is_refused(article, author):
    with pytest.raises(ReviewPermissionError):
        services.article_archive(article, acting_user=author)


def test_archive_while_in_review_is_an_invalid_transition(in_review, editor):
    with pytest.raises(InvalidTransition):
        services.article_archive(in_review, acting_user=editor)


def test_archive_hook_runs_inside_the_archiving_transaction(article, editor):
    calls = []

    def hook(article, acting_user):
        calls.append((Article.objects.get(pk=article.pk).status, last_event(article).action, acting_user))

    hooks.ON_ARCHIVE.register(hook)
    try:
        services.article_archive(article, acting_user=editor)
    finally:
        hooks.ON_ARCHIVE.unregister(hook)
    assert calls == [("archived", "archive", editor)]


def test_a_failing_archive_hook_rolls_the_archiving_back(article, editor):
    def hook(article, acting_user):
        raise RuntimeError("page could not be taken down")

    events_before = WorkflowEvent.objects.count()
    hooks.ON_ARCHIVE.register(hook)
    try:
        with pytest.raises(RuntimeError):
            services.article_archive(article, acting_user=editor)
    finally:
        hooks.ON_ARCHIVE.unregister(hook)
    article.refresh_from_db()
    assert article.status == S.DRAFT
    assert WorkflowEvent.objects.count() == events_before


def test_refused_archive_runs_no_hook(article, author):
    calls = []

    def hook(article, acting_user):
        calls.append(article)

    hooks.ON_ARCHIVE.register(hook)
    try:
        with pytest.raises(ReviewPermissionError):
            services.article_archive(article, acting_user=author)
    finally:
        hooks.ON_ARCHIVE.unregister(hook)
    assert calls == []


# --- comments ---------------------------------------------------------------------------------


def test_reviewer_comments_and_author_resolves(in_review, reviewer, author):
    comment = services.review_comment_add(in_review, acting_user=reviewer, text="Cite the label.", section="Dosing")
    assert last_event(in_review).action == "comment"
    services.review_comment_resolve(comment, acting_user=author)
    comment.refresh_from_db()
    assert comment.resolved_by == author and comment.resolved_at
    assert last_event(in_review).action == "comment_resolved"


def test_only_an_author_resolves_and_only_a_reviewer_comments(in_review, reviewer, reviewer2, author2):
    with pytest.raises(ReviewPermissionError):
        services.review_comment_add(in_review, acting_user=reviewer2, text="Drive-by.")
    comment = services.review_comment_add(in_review, acting_user=reviewer, text="Cite the label.")
    with pytest.raises(ReviewPermissionError):
        services.review_comment_resolve(comment, acting_user=author2)
    with pytest.raises(ReviewPermissionError):
        services.review_comment_resolve(comment, acting_user=reviewer)


def test_editor_sets_quorum_and_open_round_without_decisions_takes_it(article, author, editor):
    services.article_submit(article, acting_user=author)
    article = services.article_review_policy_set(
        article, acting_user=editor, required_approvals=2, review_interval_months=6
    )
    assert (article.required_approvals, article.review_interval_months) == (2, 6)
    assert article.review_rounds.get(status="open").required_approvals == 2
    event = WorkflowEvent.objects.filter(article=article, action="review_policy").get()
    assert event.actor == editor
    assert "Needs 2 approvals; re-review every 6 months. The open round now needs this quorum." == event.comment


def test_quorum_change_after_a_decision_waits_for_the_next_round(article, author, editor, reviewer):
    services.article_submit(article, acting_user=author)
    services.article_review_policy_set(article, acting_user=editor, required_approvals=2, review_interval_months=None)
    services.review_claim(article, acting_user=reviewer)
    services.review_approve(article, acting_user=reviewer)
    services.article_review_policy_set(article, acting_user=editor, required_approvals=3, review_interval_months=None)
    assert article.review_rounds.get(status="open").required_approvals == 2


def test_only_editors_change_review_policy_and_out_of_range_is_refused(article, author, editor):
    from review.exceptions import InvalidReviewPolicy

    with pytest.raises(ReviewPermissionError):
        services.article_review_policy_set(
            article, acting_user=author, required_approvals=1, review_interval_months=None
        )
    with pytest.raises(InvalidReviewPolicy, match="between 1 and 9"):
        services.article_review_policy_set(
            article, acting_user=editor, required_approvals=0, review_interval_months=None
        )
    article.refresh_from_db()
    assert article.required_approvals is None
