"""review.actions.available_actions: what a user may do on the review page, and why not; the page renders it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from articles import services as article_services
from articles.models import Article
from review import actions, selectors, services, workflow
from tests import factories

pytestmark = pytest.mark.django_db


def actions_for(article: Article, user) -> dict:
    article.refresh_from_db()
    round_ = selectors.review_round_latest(article)
    member = selectors.board_member_for(user)
    reason = workflow.ineligibility_reason(member, article, user=user) if member else ""
    return actions.available_actions(
        article,
        user,
        round_=round_,
        decisions=list(selectors.review_round_decisions(round_)),
        member=member,
        reason=reason,
    )


def test_a_board_member_may_claim_then_decide_and_comment(submitted, reviewer):
    before = actions_for(submitted, reviewer)
    assert before["claim"].allowed and before["claim"].url == reverse("review:claim", kwargs={"slug": submitted.slug})
    assert not before["decide"] and "Claim the review" in before["decide"].reason
    assert not before["comment"]

    services.review_claim(submitted, acting_user=reviewer)
    after = actions_for(submitted, reviewer)
    assert not after["claim"] and "already hold a seat" in after["claim"].reason
    assert after["decide"].allowed and after["comment"].allowed
    assert not after["assign"] and after["assign"].reason == "Only editors can do this."


def test_a_recused_member_is_refused_with_the_reason(submitted):
    recused = factories.BoardMemberFactory(user__username="coi", disclosed_drugs="ganciclovir").user
    result = actions_for(submitted, recused)
    assert not result["claim"]
    assert "Recused" in result["claim"].reason and "ganciclovir" in result["claim"].reason


def test_an_editor_may_assign_and_change_settings_but_not_claim(submitted, editor):
    result = actions_for(submitted, editor)
    assert result["assign"].allowed and result["policy"].allowed
    assert not result["claim"] and "Only members of the Medical Advisory Board" in result["claim"].reason


def test_a_closed_round_offers_nothing_to_the_board(submitted, reviewer, reviewer2):
    services.review_claim(submitted, acting_user=reviewer)
    services.review_approve(submitted, acting_user=reviewer)
    result = actions_for(submitted, reviewer2)
    assert not result["claim"] and result["claim"].reason == actions.CLOSED
    assert not result["decide"] and not result["comment"]


def test_the_review_page_renders_only_the_allowed_buttons(client, submitted, reviewer, editor):
    client.force_login(reviewer)
    page = client.get(reverse("review:detail", kwargs={"slug": submitted.slug})).content.decode()
    assert reverse("review:claim", kwargs={"slug": submitted.slug}) in page
    assert reverse("review:decide", kwargs={"slug": submitted.slug}) not in page
    assert reverse("review:assign", kwargs={"slug": submitted.slug}) not in page

    client.force_login(editor)
    page = client.get(reverse("review:detail", kwargs={"slug": submitted.slug})).content.decode()
    assert reverse("review:claim", kwargs={"slug": submitted.slug}) not in page
    assert reverse("review:assign", kwargs={"slug": submitted.slug}) in page


def test_the_queue_offers_claim_only_where_the_member_may(client, submitted, reviewer):
    recused = factories.BoardMemberFactory(user__username="coi2", disclosed_drugs="valganciclovir").user
    claim = reverse("review:claim", kwargs={"slug": submitted.slug})
    client.force_login(reviewer)
    assert claim in client.get(reverse("review:queue")).content.decode()
    client.force_login(recused)
    assert claim not in client.get(reverse("review:queue")).content.decode()


def test_one_rule_says_when_an_articles_text_is_locked(article, author, editor):
    assert article_services.article_edit_refusal(article) == ""
    services.article_submit(article, acting_user=author)
    article.refresh_from_db()
    assert "with the Medical Advisory Board" in article_services.article_edit_refusal(article)
    services.article_withdraw(article, acting_user=author)
    article.refresh_from_db()
    services.article_archive(article, acting_user=editor)
    article.refresh_from_db()
    assert article_services.article_is_locked(article)
    assert "archived and read-only" in article_services.article_edit_refusal(article)
