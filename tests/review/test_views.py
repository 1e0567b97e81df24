from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from reversion.models import Version

from articles import services as article_services
from articles.models import Article
from audit.models import WorkflowEvent
from review import services
from review.models import BoardMember, ReviewComment, ReviewDecision, ReviewRound
from tests import factories

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def test_review_page_shows_diff_preview_checks_and_history(client, in_review, reviewer):
    response = login(client, reviewer).get(reverse("review:detail", kwargs={"slug": in_review.slug}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "First version" in html  # diff against nothing: a first review
    assert "Dose changes" in html  # the dosing lines are flagged
    assert "As readers will see it" in html and "Patient" in html
    assert "Content checks" in html
    assert "Record my decision" in html
    assert "claimed the review" in html


def test_review_page_of_a_never_submitted_draft_is_404(client, article, reviewer):
    response = login(client, reviewer).get(reverse("review:detail", kwargs={"slug": article.slug}))
    assert response.status_code == 404


def test_recused_board_member_sees_why_and_no_claim_button(client, submitted, reviewer2):
    BoardMember.objects.filter(user=reviewer2).update(disclosed_drugs="ganciclovir")
    login(client, reviewer2)
    page = client.get(reverse("review:detail", kwargs={"slug": submitted.slug})).content.decode()
    assert "Recused" in page and "ganciclovir" in page
    assert "Claim this review" not in page
    queue = client.get(reverse("review:queue")).content.decode()
    assert "Recused" in queue and "ganciclovir" in queue


def test_queue_lists_waiting_and_my_reviews(client, submitted, reviewer, author):
    other = factories.make_article(author=author, slug="other")
    services.article_submit(other, acting_user=author)
    services.review_claim(other, acting_user=reviewer)
    page = login(client, reviewer).get(reverse("review:queue")).content.decode()
    mine = page.split("My open reviews")[1].split("Awaiting review")[0]
    awaiting = page.split("Awaiting review")[1]
    assert "/review/other/" in mine
    assert f"/review/{submitted.slug}/" in awaiting


def test_author_who_is_a_board_member_cannot_approve_through_the_view(client, submitted, author, editor):
    member = factories.BoardMemberFactory(user=author)
    author.groups.add(Group.objects.get(name="Medical Advisory Board"))
    ReviewRound.objects.get()  # the open round
    response = login(client, author).post(reverse("review:claim", kwargs={"slug": submitted.slug}))
    assert response.status_code == 403
    # Even with a seat, the decision is refused.
    Article.objects.filter(pk=submitted.pk).update(status="in_review")
    round_ = ReviewRound.objects.get()
    ReviewDecision.objects.create(round=round_, reviewer=member, assigned_by=editor, assigned_at=round_.submitted_at)
    response = client.post(
        reverse("review:decide", kwargs={"slug": submitted.slug}),
        {"decision": "approve", "content_hash": round_.content_hash},
    )
    assert response.status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == "in_review"
    assert ReviewDecision.objects.get().decision == ""


def test_request_changes_without_comment_shows_what_to_do(client, in_review, reviewer):
    round_ = ReviewRound.objects.get()
    response = login(client, reviewer).post(
        reverse("review:decide", kwargs={"slug": in_review.slug}),
        {"decision": "request_changes", "comment": "", "content_hash": round_.content_hash},
        follow=True,
    )
    assert "a comment for the author is required" in response.content.decode()
    in_review.refresh_from_db()
    assert in_review.status == "in_review"


def test_editor_assigns_from_the_editor_queue(client, submitted, editor, reviewer):
    login(client, editor)
    page = client.get(reverse("review:editor_queue")).content.decode()
    assert submitted.title in page
    member = BoardMember.objects.get(user=reviewer)
    response = client.post(
        reverse("review:assign", kwargs={"slug": submitted.slug}), {"reviewers": [member.pk], "next": "editor"}
    )
    assert response.status_code == 302 and response.url == reverse("review:editor_queue")
    submitted.refresh_from_db()
    assert submitted.status == "in_review"


def test_studio_panel_submits_and_withdraws(client, article, author):
    login(client, author)
    response = client.post(reverse("studio:review_submit", kwargs={"slug": article.slug}))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == "submitted"
    client.post(reverse("studio:review_withdraw", kwargs={"slug": article.slug}))
    article.refresh_from_db()
    assert article.status == "draft"


def test_studio_panel_renders_check_errors_comments_and_history(client, rf, in_review, author, reviewer):
    from django.template.loader import render_to_string

    services.review_request_changes(
        in_review,
        acting_user=reviewer,
        comment="Fix the dose.",
        section_comments=[services.CommentInput(text="Add renal dosing.", section="Dosing")],
    )
    in_review.refresh_from_db()
    article_services.article_update(
        in_review, acting_user=author, lock_version=in_review.lock_version, fields={"summary": "See [@missing]."}
    )
    in_review.refresh_from_db()
    request = rf.get("/studio/")
    request.user = author
    html = render_to_string("review/_studio_panel.html", {"article": in_review}, request=request)
    assert "missing" in html and "Fix these before submitting" in html
    assert "1 reviewer comment to resolve" in html
    # The comment itself, with its one-click resolve, is in the feedback block at the top of the editor.
    feedback = render_to_string("review/_studio_feedback.html", {"article": in_review}, request=request)
    assert "Add renal dosing." in feedback and "Mark resolved" in feedback and "Fix the dose." in feedback
    assert 'data-section="Dosing"' in feedback
    assert "requested changes" in html and "Fix the dose." in html


def test_whole_story_through_the_web(client, author, reviewer, reviewer2, settings, django_capture_on_commit_callbacks):
    """Submit; a reviewer requests changes with a section comment; resolve; resubmit; two approve; history."""
    settings.REVIEW_REQUIRED_APPROVALS = 2
    article = factories.make_article(author=author)
    slug = article.slug

    # The author submits from the studio.
    login(client, author)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("studio:review_submit", kwargs={"slug": slug})).status_code == 302

    # A board member opens it from the queue, reads the diff and requests changes on a section.
    login(client, reviewer)
    queue = client.get(reverse("review:queue")).content.decode()
    assert f"/review/{slug}/" in queue
    client.post(reverse("review:claim", kwargs={"slug": slug}))
    page = client.get(reverse("review:detail", kwargs={"slug": slug})).content.decode()
    assert "Dosing" in page and "diff-line" in page
    content_hash = ReviewRound.objects.get(status="open").content_hash
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("review:decide", kwargs={"slug": slug}),
            {
                "decision": "request_changes",
                "comment": "Please add how to adjust the dose for kidney function.",
                "section": "Dosing",
                "section_comment": "Add the renal dose adjustment.",
                "content_hash": content_hash,
            },
        )
    article.refresh_from_db()
    assert article.status == "changes_requested"

    # The author edits, resolves the comment and resubmits.
    login(client, author)
    article_services.article_update(
        article,
        acting_user=author,
        lock_version=article.lock_version,
        fields={"body": article.body + "- Lower the dose when kidney function is reduced [@kotton2018].\n"},
    )
    comment = ReviewComment.objects.get()
    client.post(reverse("studio:review_comment_resolve", kwargs={"pk": comment.pk}))
    comment.refresh_from_db()
    assert comment.resolved_by == author
    client.post(reverse("studio:review_submit", kwargs={"slug": slug}))
    article.refresh_from_db()
    assert article.status == "submitted"

    # Two board members approve (quorum 2).
    for person in (reviewer, reviewer2):
        login(client, person)
        client.post(reverse("review:claim", kwargs={"slug": slug}))
        page = client.get(reverse("review:detail", kwargs={"slug": slug})).content.decode()
        assert "kidney function" in page  # the diff shows the new line
        content_hash = ReviewRound.objects.get(status="open").content_hash
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                reverse("review:decide", kwargs={"slug": slug}),
                {"decision": "approve", "comment": "Accurate.", "content_hash": content_hash},
            )
    article.refresh_from_db()
    assert article.status == "approved"
    assert article.last_approved_hash == ReviewRound.objects.get(status="approved").content_hash

    # The history shows every step with who and when.
    actions = list(WorkflowEvent.objects.filter(article=article).values_list("action", "actor__username"))
    assert actions == [
        ("submit", "alice"),
        ("claim", "rita"),
        ("request_changes", "rita"),
        ("comment_resolved", "alice"),
        ("submit", "alice"),
        ("claim", "rita"),
        ("approve", "rita"),
        ("claim", "raj"),
        ("approve", "raj"),
    ]
    page = client.get(reverse("review:detail", kwargs={"slug": slug})).content.decode()
    for text in ("submitted it for review", "requested changes", "resolved a comment", "approved it"):
        assert text in page
    assert "UTC" in page


def test_editor_sets_quorum_on_the_review_page_and_bad_input_is_named(client, submitted, editor):
    url = reverse("review:policy", kwargs={"slug": submitted.slug})
    page = login(client, editor).get(reverse("review:detail", kwargs={"slug": submitted.slug}))
    assert "Review settings" in page.content.decode()

    response = client.post(url, {"required_approvals": "0", "review_interval_months": ""}, follow=True)
    assert "Approvals needed: Ensure this value is greater than or equal to 1." in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.required_approvals is None

    response = client.post(url, {"required_approvals": "2", "review_interval_months": "6"}, follow=True)
    assert "Review settings saved." in response.content.decode()
    submitted.refresh_from_db()
    assert (submitted.required_approvals, submitted.review_interval_months) == (2, 6)
    assert submitted.review_rounds.get(status="open").required_approvals == 2
    assert "changed how it is reviewed" in response.content.decode()


def test_review_diff_against_an_approved_revision_saved_before_normalisation_marks_only_the_body(
    client, article, author, reviewer
):
    """The last approved revision was stored before text was normalised: its summaries end in CRLFs.

    The author then edits only the body; the review page must not send the board to the summaries.
    """
    import json

    from tests.publishing.publish_helpers import approve, edit

    approve(article, author=author, reviewer=reviewer)
    base = article.last_approved_revision
    # Write the old, unnormalised text into the stored history, as revisions from before
    # migration 0004 hold it (the services would normalise it on the way in).
    touched = 0
    for version in base.version_set.all():
        data = json.loads(version.serialized_data)
        fields = data[0]["fields"]
        if "summary" in fields and fields["summary"]:
            fields["summary"] = fields["summary"].rstrip("\n").replace("\n", "\r\n") + "  \r\n\r\n"
            version.serialized_data = json.dumps(data)
            version.save(update_fields=["serialized_data"])
            touched += 1
    assert touched == 2  # the article's summary and the patient version's summary
    assert Version.objects.filter(revision=base, serialized_data__contains="\\r\\n").count() == 2

    edit(
        article, author=author, body=article.body.replace("twice daily is as effective", "twice a day is as effective")
    )
    services.article_submit(article, acting_user=author)
    html = login(client, reviewer).get(reverse("review:detail", kwargs={"slug": article.slug})).content.decode()
    diff = html.split('class="content-diff"')[1].split("As readers will see it")[0]
    assert "First version" not in diff  # compared with the approved revision
    assert "Article fields" not in diff and "Summary (the bottom line)" not in diff
    assert "Audience versions" not in diff
    assert "<del>daily</del>" in diff and "<ins>a day</ins>" in diff
    assert diff.count("diff-status--changed") == 1  # the Dosing section, nothing else


def _readability_row(html: str, label: str) -> list[str]:
    """Return the cell texts (tags removed) of one version's row in a readability table."""
    import re

    for row in re.findall(r'<tr class="readability-row[^"]*">(.*?)</tr>', html, re.S):
        if label in row:
            return [
                re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
            ]
    raise AssertionError(f"no readability row for {label!r}")


def test_review_page_shows_the_studios_readability_figures_and_warnings(client, author, reviewer):
    from articles.models import Audience

    factories.make_glossary_term("viremia", "virus in the blood")
    patient = Audience.objects.get(slug="patient")
    long_sentence = (
        "Your doctor will check your blood every week while you take the medicine because the amount of "
        "virus in the blood tells them whether the treatment is working well enough for you."
    )
    article = factories.make_article(
        author=author,
        variants=[
            article_services.VariantInput(
                audience_id=patient.pk,
                summary=f"Doctors treat viremia with antiviral medication [@kotton2018]. {long_sentence}",
            )
        ],
    )
    studio = login(client, author).get(reverse("studio:article_edit", kwargs={"slug": article.slug}))
    studio_row = _readability_row(studio.content.decode(), "Patient version")
    services.article_submit(article, acting_user=author)

    html = login(client, reviewer).get(reverse("review:detail", kwargs={"slug": article.slug})).content.decode()
    row = _readability_row(html, "Patient version")
    # Version, Flesch–Kincaid, Coleman–Liau, target, long sentences, jargon: the studio's figures.
    assert row[1:3] == studio_row[1:3] and float(row[1]) > 0
    assert row[3].startswith(str(patient.reading_grade)) and "above" in row[3]  # against the audience's target
    assert row[4] == studio_row[4] == "1"
    assert row[5] == studio_row[5] == "viremia"
    assert '<abbr title="virus in the blood">viremia</abbr>' in html  # the explanation, as in the studio
    checks = html.split('id="checks-title"')[1].split('id="readability-title"')[0]
    assert f"the target for this audience is grade {patient.reading_grade}" in checks
    assert "1 sentence longer than 25 words" in checks
    assert "“viremia” is medical jargon for this audience" in checks
