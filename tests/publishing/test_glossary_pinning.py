"""A published page explains its terms with the definitions approved with it, never the live glossary table.

An editor's new wording changes no page; the board's approval of it changes
no page either, until the article is re-approved or a board member refreshes
its glossary (an audited approval of the same revision with the new snapshot).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from articles.content import content_from_article
from audit.models import WorkflowEvent
from publishing import services, tasks
from publishing.exceptions import ContentHashMismatch, InvalidPublicationState
from publishing.models import Publication, PublicationGlossaryTerm, PublishedPage, StoredPage
from publishing.pages import store_article_pages
from review.models import ReviewRound
from tests import factories
from tests.publishing.publish_helpers import approve, edit, request_and_publish, run_publish
from tests.publishing.reader_fixtures import *  # noqa: F403 (fixtures)

pytestmark = pytest.mark.django_db
URL = "/articles/cmv-treatment/"
PATIENT = URL + "for/patient/"
OLD = "Swelling at the back of the eye that harms sight."
NEW = "Inflammation of the retina, the light-sensing layer at the back of the eye."


@pytest.fixture
def live(article, author, reviewer, editor, disclaimers):
    """The article live with "retinitis" v1 pinned (the default body says "CMV retinitis")."""
    term = factories.make_glossary_term("retinitis", OLD, editor=editor, board=reviewer)
    approve(article, author=author, reviewer=reviewer)
    publication = request_and_publish(article, editor=editor)
    assert publication.state == Publication.State.LIVE
    return term, publication


def _stored(path: str) -> bytes:
    store_article_pages("cmv-treatment")
    return bytes(StoredPage.objects.get(path=path).body)


def test_the_publication_pins_the_approved_definition_and_its_version(client, live):
    term, publication = live
    assert [(g["term"], g["version"]) for g in publication.glossary] == [("retinitis", 1)]
    assert list(PublicationGlossaryTerm.objects.values_list("term", "version")) == [(term.pk, 1)]
    assert OLD in client.get(PATIENT).content.decode()


def test_an_editors_new_wording_changes_no_page_until_approved_and_refreshed(client, live, editor, reviewer2):
    term, publication = live
    before = _stored(PATIENT)
    assert OLD.encode() in before
    factories.propose_term("retinitis", NEW, term=term, editor=editor)
    tasks.refresh_live_pages()
    assert _stored(PATIENT) == before
    # The board approves the new wording: still no page changes, whatever is re-rendered.
    factories.approve_definition(term.definitions.get(version=2), board=reviewer2)
    tasks.refresh_live_pages()
    assert _stored(PATIENT) == before and NEW not in client.get(PATIENT).content.decode()
    rows = list(PublishedPage.objects.filter(publication=publication).values_list("body_html", flat=True))
    assert all(NEW not in body for body in rows)
    # Publishing the same approved content again is refused (it is live)...
    with pytest.raises(InvalidPublicationState):
        services.publication_request(publication.article, acting_user=editor)
    # ...and rendering it again from scratch (withdrawn, then published anew) uses the pinned v1 wording.
    services.publication_withdraw(publication.article, acting_user=editor, reason="Re-render.")
    again = request_and_publish(publication.article, editor=editor)
    assert again.state == Publication.State.LIVE and [g["version"] for g in again.glossary] == [1]
    page = client.get(PATIENT).content.decode()
    assert OLD in page and NEW not in page


def test_publishing_with_a_tampered_snapshot_is_refused(live, editor):
    _term, publication = live
    article = publication.article
    services.publication_withdraw(article, acting_user=editor, reason="Checking.")
    pending = services.publication_request(article, acting_user=editor)
    pending.glossary = [{**pending.glossary[0], "explanation": "Never approved wording."}]
    pending.save(update_fields=["glossary"])
    with pytest.raises(ContentHashMismatch):
        services.publication_go_live(pending.pk)


def test_a_tampered_round_snapshot_is_refused_when_publication_is_requested(live, editor):
    _term, publication = live
    round_ = ReviewRound.objects.get(article=publication.article, status=ReviewRound.Status.APPROVED)
    round_.glossary = [{**round_.glossary[0], "explanation": "Never approved wording."}]
    round_.save(update_fields=["glossary"])
    services.publication_withdraw(publication.article, acting_user=editor, reason="Checking.")
    with pytest.raises(ContentHashMismatch):
        services.publication_request(publication.article, acting_user=editor)


def test_refreshing_the_glossary_puts_the_new_wording_live_audited_without_touching_the_article(
    client, live, author, editor, reviewer, reviewer2
):
    term, publication = live
    article = publication.article
    edit(article, author=author, title="A working draft title")  # a working draft after approval
    article.refresh_from_db()
    status, lock_version = article.status, article.lock_version
    factories.make_glossary_term("retinitis", NEW, term=term, editor=editor, board=reviewer2)

    client.force_login(reviewer)
    url = reverse("review:glossary_refresh", kwargs={"slug": article.slug})
    page = client.get(url).content.decode()
    assert OLD in page and NEW in page and "(v1)" in page and "(v2)" in page
    fresh_hash = content_from_article(article).content_hash()  # the draft: not what is approved
    assert fresh_hash not in page
    response = client.post(url, {"content_hash": page.split('name="content_hash" value="')[1].split('"')[0]})
    assert response.status_code == 302

    refresh = ReviewRound.objects.get(article=article, kind=ReviewRound.Kind.GLOSSARY_REFRESH)
    assert refresh.status == ReviewRound.Status.APPROVED and refresh.revision_id == publication.revision_id
    assert refresh.decisions.get().reviewer.user == reviewer
    event = WorkflowEvent.objects.get(article=article, action="glossary_refresh")
    assert event.actor == reviewer and event.round == refresh and event.content_hash == refresh.content_hash
    article.refresh_from_db()
    assert (article.status, article.lock_version, article.title) == (status, lock_version, "A working draft title")
    assert article.last_approved_hash == refresh.content_hash

    newer = Publication.objects.exclude(pk=publication.pk).get(article=article)
    assert newer.revision_id == publication.revision_id and newer.content_hash == refresh.content_hash
    newer = run_publish(newer)
    assert newer.state == Publication.State.LIVE
    body = client.get(PATIENT).content.decode()
    assert NEW in body and OLD not in body and "A working draft title" not in body
    assert [(g["term"], g["version"]) for g in newer.glossary] == [("retinitis", 2)]
    # The page still credits the board's review of the text, not the refresh.
    credited = PublishedPage.objects.filter(publication=newer, audience=None).get().review_snapshot["reviewers"]
    assert credited == PublishedPage.objects.get(publication=publication, audience=None).review_snapshot["reviewers"]
    # The review page still shows the text's own round.
    assert (
        "Glossary definitions approved with this text"
        in client.get(reverse("review:detail", kwargs={"slug": article.slug})).content.decode()
    )


def test_refresh_is_refused_to_editors_and_when_nothing_changed(client, live, editor):
    _term, publication = live
    url = reverse("review:glossary_refresh", kwargs={"slug": publication.article.slug})
    client.force_login(editor)
    assert client.post(url, {"content_hash": "x"}).status_code == 403
    page = client.get(url).content.decode()
    assert "Approve the newer definitions" not in page


def test_a_re_approval_pins_the_newer_definition(client, live, author, editor, reviewer, reviewer2):
    term, publication = live
    factories.make_glossary_term("retinitis", NEW, term=term, editor=editor, board=reviewer2)
    article = publication.article
    edit(article, author=author, summary=article.summary + " Ask your doctor.")
    approve(article, author=author, reviewer=reviewer)
    newer = request_and_publish(article, editor=editor)
    assert [(g["term"], g["version"]) for g in newer.glossary] == [("retinitis", 2)]
    assert NEW in client.get(PATIENT).content.decode()


def test_provenance_lists_the_glossary_terms_and_their_approved_versions(client, live):
    data = client.get(URL + "provenance.json").json()
    assert [(g["term"], g["version"]) for g in data["glossary"]] == [("retinitis", 1)]
    assert data["glossary"][0]["explanation"] == OLD


def test_the_desk_lists_live_pages_whose_glossary_is_older(
    client, live, editor, reviewer, reviewer2, author, django_assert_num_queries
):
    term, _publication = live
    desk = reverse("publishing:glossary_stale")
    client.force_login(editor)
    assert "Every live page uses the approved glossary definitions." in client.get(desk).content.decode()
    factories.make_glossary_term("retinitis", NEW, term=term, editor=editor, board=reviewer2)
    client.get(desk)
    with django_assert_num_queries(6) as first:
        page = client.get(desk).content.decode()
    assert "What is the treatment for CMV infection?" in page and "v1 on the page; v2 approved" in page
    for i in range(3):
        other = factories.make_article(author=author, slug=f"cmv-{i}", title=f"CMV question {i}?")
        # Pinned the old v2 wording before v3 is approved below.
        approve(other, author=author, reviewer=reviewer)
        request_and_publish(other, editor=editor)
    factories.make_glossary_term("retinitis", "Third wording.", term=term, editor=editor, board=reviewer2)
    with django_assert_num_queries(len(first.captured_queries)):
        page = client.get(desk).content.decode()
    assert page.count("Compare the definitions") == 4
