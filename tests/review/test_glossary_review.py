"""The board decides on glossary wording; submission pins the approved definitions into the round's hash."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from articles.content import content_from_article
from articles.models import GlossaryDefinition, GlossaryTerm
from articles.selectors import glossary_entries
from review import services
from review.exceptions import AlreadyDecided, CommentRequired, ReviewPermissionError
from review.models import GlossaryApproval
from tests import factories
from tests.publishing.publish_helpers import edit

pytestmark = pytest.mark.django_db
QUEUE = reverse("review:glossary_queue")


def test_a_board_member_approves_a_proposal_and_the_previous_version_is_superseded(editor, reviewer):
    term = factories.make_glossary_term("retinitis", "Eye swelling.", editor=editor, board=reviewer)
    proposal = factories.propose_term("retinitis", "Swelling at the back of the eye.", term=term, editor=editor)
    services.glossary_definition_approve(proposal, acting_user=reviewer)
    term.refresh_from_db()
    assert (term.explanation, term.approved_version) == ("Swelling at the back of the eye.", 2)
    statuses = dict(term.definitions.values_list("version", "status"))
    assert statuses == {1: GlossaryDefinition.Status.SUPERSEDED, 2: GlossaryDefinition.Status.APPROVED}
    assert GlossaryApproval.objects.filter(definition=proposal, member__user=reviewer, decision="approve").exists()


def test_an_editor_cannot_approve_glossary_wording(editor):
    proposal = factories.propose_term("retinitis", "Eye swelling.", editor=editor)
    with pytest.raises(ReviewPermissionError):
        services.glossary_definition_approve(proposal, acting_user=editor)
    assert GlossaryTerm.objects.get().approved_version == 0 and glossary_entries() == []


def test_a_board_member_who_proposed_the_wording_cannot_approve_it(reviewer):
    reviewer.groups.add(Group.objects.get(name="Editors"))
    proposal = factories.propose_term("retinitis", "Eye swelling.", editor=reviewer)
    with pytest.raises(ReviewPermissionError):
        services.glossary_definition_approve(proposal, acting_user=reviewer)


def test_the_required_approvals_come_from_the_setting(settings, editor, reviewer, reviewer2):
    settings.GLOSSARY_REQUIRED_APPROVALS = 2
    proposal = factories.propose_term("retinitis", "Eye swelling.", editor=editor)
    services.glossary_definition_approve(proposal, acting_user=reviewer)
    proposal.refresh_from_db()
    assert proposal.status == GlossaryDefinition.Status.PROPOSED and glossary_entries() == []
    with pytest.raises(AlreadyDecided):
        services.glossary_definition_approve(proposal, acting_user=reviewer)
    services.glossary_definition_approve(proposal, acting_user=reviewer2)
    proposal.refresh_from_db()
    assert proposal.status == GlossaryDefinition.Status.APPROVED
    assert [e.explanation for e in glossary_entries()] == ["Eye swelling."]


def test_rejecting_needs_a_reason_and_keeps_the_approved_wording(editor, reviewer):
    term = factories.make_glossary_term("retinitis", "Eye swelling.", editor=editor, board=reviewer)
    proposal = factories.propose_term("retinitis", "Something wrong.", term=term, editor=editor)
    with pytest.raises(CommentRequired):
        services.glossary_definition_reject(proposal, acting_user=reviewer, comment=" ")
    services.glossary_definition_reject(proposal, acting_user=reviewer, comment="Not accurate.")
    proposal.refresh_from_db()
    term.refresh_from_db()
    assert proposal.status == GlossaryDefinition.Status.REJECTED and term.explanation == "Eye swelling."


def test_submission_pins_the_approved_definitions_into_the_rounds_hash(article, author, editor, reviewer):
    term = factories.make_glossary_term("retinitis", "Eye swelling.", editor=editor, board=reviewer)
    factories.propose_term("retinitis", "Not approved yet.", term=term, editor=editor)
    services.article_submit(article, acting_user=author)
    round_ = article.review_rounds.get()
    assert [(g["term"], g["explanation"], g["version"]) for g in round_.glossary] == [("retinitis", "Eye swelling.", 1)]
    content = content_from_article(article)
    assert round_.content_hash == content.with_glossary(round_.glossary).content_hash() != content.content_hash()
    # The decision checks use the same glossary-including hash.
    services.review_claim(article, acting_user=reviewer)
    services.review_approve(article, acting_user=reviewer, content_hash=round_.content_hash)
    article.refresh_from_db()
    assert article.status == "approved" and article.last_approved_hash == round_.content_hash


def test_the_board_queue_shows_old_and_new_wording_and_decides_through_the_url(client, editor, reviewer, reviewer2):
    term = factories.make_glossary_term("retinitis", "Eye swelling.", editor=editor, board=reviewer2)
    proposal = factories.propose_term("retinitis", "Swelling at the back of the eye.", term=term, editor=editor)
    client.force_login(reviewer)
    page = client.get(QUEUE).content.decode()
    assert "Eye swelling." in page and "Swelling at the back of the eye." in page and "Approve this wording" in page
    response = client.post(reverse("review:glossary_decide", kwargs={"pk": proposal.pk}), {"decision": "approve"})
    assert response.status_code == 302
    term.refresh_from_db()
    assert term.approved_version == 2


def test_editors_see_the_board_queue_without_buttons_and_cannot_decide(client, editor):
    proposal = factories.propose_term("retinitis", "Eye swelling.", editor=editor)
    client.force_login(editor)
    page = client.get(QUEUE).content.decode()
    assert "Eye swelling." in page and "Approve this wording" not in page
    assert "Only members of the Medical Advisory Board approve glossary definitions." in page
    url = reverse("review:glossary_decide", kwargs={"pk": proposal.pk})
    assert client.post(url, {"decision": "approve"}).status_code == 403


def test_board_glossary_queue_queries_do_not_grow(client, editor, reviewer, django_assert_num_queries):
    client.force_login(reviewer)
    factories.propose_term("t0", "x", editor=editor)
    client.get(QUEUE)
    with django_assert_num_queries(7) as first:
        client.get(QUEUE)
    for i in range(1, 40):
        term = factories.make_glossary_term(f"t{i}", "x", editor=editor)
        factories.propose_term(f"t{i}", "y", term=term, editor=editor)
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(QUEUE)
    assert "Approve this wording" in response.content.decode()


def test_a_refresh_needs_the_hash_the_member_was_shown_and_a_change_to_sign(
    article, author, editor, reviewer, reviewer2
):
    from review.exceptions import InvalidTransition, RevisionMismatch
    from review.models import ReviewRound

    term = factories.make_glossary_term("retinitis", "Eye swelling.", editor=editor, board=reviewer2)
    services.article_submit(article, acting_user=author)
    services.review_claim(article, acting_user=reviewer)
    services.review_approve(article, acting_user=reviewer)
    article.refresh_from_db()
    _round, _pinned, fresh = services.glossary_refresh_preview(article)
    with pytest.raises(InvalidTransition):  # nothing newer approved yet
        services.article_glossary_refresh(article, acting_user=reviewer, content_hash=fresh.content_hash())
    factories.make_glossary_term("retinitis", "Swelling at the back of the eye.", term=term, editor=editor)
    with pytest.raises(RevisionMismatch):  # the member looked before the newer wording was approved
        services.article_glossary_refresh(article, acting_user=reviewer, content_hash=fresh.content_hash())
    with pytest.raises(ReviewPermissionError):
        services.article_glossary_refresh(article, acting_user=editor, content_hash="x")
    _round, _pinned, fresh = services.glossary_refresh_preview(article)
    refresh = services.article_glossary_refresh(article, acting_user=reviewer, content_hash=fresh.content_hash())
    assert refresh.kind == ReviewRound.Kind.GLOSSARY_REFRESH and [g["version"] for g in refresh.glossary] == [2]
    article.refresh_from_db()
    assert article.status == "approved" and article.last_approved_hash == refresh.content_hash
    assert not article.publications.exists()  # nothing was live: an editor publishes it with the new glossary


def test_the_review_page_shows_the_definitions_the_board_approves_and_what_changed(
    client, article, author, editor, reviewer, reviewer2
):
    term = factories.make_glossary_term("retinitis", "Eye swelling.", editor=editor, board=reviewer2)
    services.article_submit(article, acting_user=author)
    services.review_claim(article, acting_user=reviewer)
    services.review_approve(article, acting_user=reviewer)
    factories.make_glossary_term(
        "retinitis", "Swelling at the back of the eye.", term=term, editor=editor, board=reviewer2
    )
    article.refresh_from_db()
    edit(article, author=author, summary=article.summary + " Ask your doctor.")
    services.article_submit(article, acting_user=author)
    client.force_login(reviewer)
    page = client.get(reverse("review:detail", kwargs={"slug": article.slug})).content.decode()
    section = page.split('id="glossary-title"')[1].split("</section>")[0]
    assert "Swelling at the back of the eye." in section and "v2" in section
    assert "changed" in section and "Before: Eye swelling. (v1)" in section
