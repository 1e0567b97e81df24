"""Invited outside reviewers: the signed link, the emailed code, the scoped review page and the quorum."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from audit.models import WorkflowEvent
from review import invitations, services
from review.exceptions import InvitationError, Recused, ReviewPermissionError
from review.models import BoardMember, Invitation, ReviewDecision
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mail_at_once(monkeypatch):
    """Emails go out when the task is enqueued (these tests run inside one transaction that never commits)."""
    from cms import tasks as cms_tasks

    def run_now(task, *args, **kwargs):
        kwargs.pop("run_inline_if_broker_down", None)
        task(*args)

    monkeypatch.setattr("review.invitations.enqueue_on_commit", run_now)
    monkeypatch.setattr(cms_tasks, "enqueue_on_commit", cms_tasks.enqueue_on_commit)


def invite(article, editor, *, voting=True, email="nephro@example.org", **extra) -> Invitation:
    fields = {
        "email": email,
        "name": "Dr. Nadia Nephro",
        "credentials": "MD, Nephrology",
        "voting": voting,
        "expires_on": timezone.localdate() + dt.timedelta(days=10),
    }
    fields.update(extra)
    return invitations.invitation_create(article, acting_user=editor, **fields)


def link_from(message) -> str:
    return re.search(r"https?://\S+?(/invited/\S+/)", message.body).group(1)


def code_from(message) -> str:
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def sign_in(client, invitation, token=None) -> str:
    """Open the link, ask for a code and enter it; return the token."""
    token = token or invitations.invitation_token(invitation)
    mail.outbox.clear()
    client.post(reverse("invited:send_code", kwargs={"token": token}))
    code = code_from(mail.outbox[-1])
    response = client.post(reverse("invited:verify_code", kwargs={"token": token}), {"code": code})
    assert response.status_code == 302 and response.url == reverse("invited:review", kwargs={"token": token})
    return token


def test_an_invited_specialist_approves_and_the_quorum_completes(
    client, submitted, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(submitted, editor, voting=True)
    assert mail.outbox[-1].to == ["nephro@example.org"]
    link = link_from(mail.outbox[-1])
    page = client.get(link)
    assert page.status_code == 200
    assert submitted.body[:20] not in page.content.decode()  # nothing shown before the code
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link + "code/send/")
    code_mail = mail.outbox[-1]
    assert code_mail.to == ["nephro@example.org"]
    response = client.post(link + "code/", {"code": code_from(code_mail)})
    assert response.url == link + "review/"
    review_page = client.get(link + "review/")
    body = review_page.content.decode()
    assert review_page.status_code == 200 and submitted.title in body
    cache_control = review_page["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control and "noindex" in review_page["X-Robots-Tag"]
    seat = ReviewDecision.objects.get(reviewer=invitation.member)
    client.post(link + "decide/", {"decision": "approve", "comment": "", "content_hash": seat.round.content_hash})
    submitted.refresh_from_db()
    assert submitted.status == Article.Status.APPROVED
    actions = set(WorkflowEvent.objects.filter(article=submitted).values_list("action", flat=True))
    assert {"invitation_code_sent", "invitation_opened", "approve"} <= actions
    opened = WorkflowEvent.objects.get(article=submitted, action="invitation_opened")
    assert f"Invitation {invitation.pk}" in opened.comment


def test_an_advisory_seat_does_not_count_or_close_the_round(submitted, editor):
    approver = invite(submitted, editor, voting=False).member.user
    critic = invite(submitted, editor, voting=False, email="critic@example.org").member.user
    services.review_approve(submitted, acting_user=approver)
    submitted.refresh_from_db()
    assert submitted.status == Article.Status.IN_REVIEW  # quorum 1, but the approval is advisory
    with pytest.raises(ReviewPermissionError):
        services.review_reject(submitted, acting_user=critic, comment="No.")
    services.review_request_changes(submitted, acting_user=critic, comment="Check the eGFR cut-off.")
    submitted.refresh_from_db()
    assert submitted.status == Article.Status.IN_REVIEW  # advice only: the round stays open for the board
    assert ReviewDecision.objects.get(reviewer__user=critic).decision == "request_changes"


def test_recusal_applies_to_invitees_and_nothing_is_left_behind(submitted, editor):
    drug = submitted.drug_list()[0] if submitted.drug_list() else "ganciclovir"
    Article.objects.filter(pk=submitted.pk).update(drugs=drug)
    with pytest.raises(Recused):
        invite(submitted, editor, disclosed_terms=drug)
    assert not Invitation.objects.exists()
    assert not BoardMember.objects.filter(external=True).exists()


def test_only_editors_invite_and_bad_input_is_refused(submitted, author, reviewer, editor):
    with pytest.raises(ReviewPermissionError):
        invite(submitted, reviewer)
    with pytest.raises(services.ReviewError):
        invite(submitted, editor, expires_on=timezone.localdate() + dt.timedelta(days=31))
    with pytest.raises(services.ReviewError):
        invite(submitted, editor, email="not-an-address")
    assert not Invitation.objects.exists()


def test_invitees_are_not_on_the_board_page_or_the_assign_list(submitted, editor):
    from publishing.selectors.reader import board_member_public_list
    from review.selectors import board_member_choices

    invitation = invite(submitted, editor)
    assert invitation.member not in board_member_public_list()
    assert invitation.member not in [m for m, _why in board_member_choices(submitted)]


# --- failing closed -----------------------------------------------------------------------------


def test_a_forwarded_link_shows_nothing_without_the_code(client, submitted, editor):
    invitation = invite(submitted, editor)
    token = invitations.invitation_token(invitation)
    response = client.get(reverse("invited:review", kwargs={"token": token}))
    assert response.status_code == 302 and response.url == reverse("invited:open", kwargs={"token": token})
    assert client.post(reverse("invited:decide", kwargs={"token": token}), {"decision": "approve"}).status_code == 302
    assert not ReviewDecision.objects.filter(reviewer=invitation.member).exclude(decision="").exists()


@pytest.mark.parametrize("how", ["revoked", "expired", "tampered", "garbage"])
def test_dead_links_fail_closed_with_a_message(client, submitted, editor, how):
    invitation = invite(submitted, editor)
    token = sign_in(client, invitation)
    if how == "revoked":
        invitations.invitation_revoke(invitation, acting_user=editor)
        message = "withdrawn"
    elif how == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
        message = "expired"
    elif how == "tampered":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        message = "not valid"
    else:
        token = "nothing-signed-here"
        message = "not valid"
    for name in ("open", "review"):
        response = client.get(reverse(f"invited:{name}", kwargs={"token": token}))
        assert response.status_code == 403, (how, name)
        assert message in response.content.decode()
        assert submitted.title not in response.content.decode()


def test_a_revoked_link_fails_even_for_the_verified_session_and_removes_the_seat(client, submitted, editor):
    invitation = invite(submitted, editor)
    token = sign_in(client, invitation)
    invitations.invitation_revoke(invitation, acting_user=editor)
    assert client.get(reverse("invited:review", kwargs={"token": token})).status_code == 403
    assert not ReviewDecision.objects.filter(reviewer=invitation.member).exists()
    with pytest.raises(ReviewPermissionError):
        services.review_approve(submitted, acting_user=invitation.member.user)


def test_a_code_is_used_once(client, submitted, editor):
    invitation = invite(submitted, editor)
    token = invitations.invitation_token(invitation)
    client.post(reverse("invited:send_code", kwargs={"token": token}))
    code = code_from(mail.outbox[-1])
    client.post(reverse("invited:verify_code", kwargs={"token": token}), {"code": code})
    other = client.__class__()
    response = other.post(reverse("invited:verify_code", kwargs={"token": token}), {"code": code}, follow=True)
    assert "not right" in response.content.decode()
    assert other.get(reverse("invited:review", kwargs={"token": token})).status_code == 302


def test_an_expired_code_is_refused(submitted, editor):
    invitation = invite(submitted, editor)
    invitations.invitation_code_send(invitation)
    code = code_from(mail.outbox[-1])
    Invitation.objects.filter(pk=invitation.pk).update(code_expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(InvitationError, match="expired"):
        invitations.invitation_code_verify(invitation, code)


def test_brute_forcing_the_code_locks_the_invitation(client, submitted, editor, settings):
    settings.INVITATION_CODE_ATTEMPTS = 5
    invitation = invite(submitted, editor)
    token = invitations.invitation_token(invitation)
    client.post(reverse("invited:send_code", kwargs={"token": token}))
    code = code_from(mail.outbox[-1])
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        client.post(reverse("invited:verify_code", kwargs={"token": token}), {"code": wrong})
    invitation.refresh_from_db()
    assert invitation.locked_at is not None
    response = client.post(reverse("invited:verify_code", kwargs={"token": token}), {"code": code})
    assert response.status_code == 403 and "locked" in response.content.decode()
    assert WorkflowEvent.objects.filter(action="invitation_code_failed").count() == 5


def test_codes_are_throttled_and_stored_hashed(submitted, editor):
    invitation = invite(submitted, editor)
    invitations.invitation_code_send(invitation)
    code = code_from(mail.outbox[-1])
    invitation.refresh_from_db()
    assert code not in invitation.code_hash and len(invitation.code_hash) == 64
    with pytest.raises(InvitationError, match="less than a minute"):
        invitations.invitation_code_send(invitation)


def test_a_session_verified_for_one_article_does_not_open_another(client, submitted, editor, author):
    first = invite(submitted, editor)
    sign_in(client, first)
    other = factories.make_article(author=author, slug="other-article", title="Another article")
    services.article_submit(other, acting_user=author)
    second = invite(other, editor, email="second@example.org")
    token = invitations.invitation_token(second)
    assert client.get(reverse("invited:review", kwargs={"token": token})).status_code == 302
    # A token naming the second invitation but carrying the first's nonce is refused.
    forged = signing.dumps({"i": second.pk, "n": first.nonce}, salt=invitations.SALT, compress=True)
    assert client.get(reverse("invited:review", kwargs={"token": forged})).status_code == 403


def test_an_invitee_cannot_use_staff_urls(client, submitted, editor):
    invitation = invite(submitted, editor)
    sign_in(client, invitation)
    for url in (
        reverse("review:queue"),
        reverse("review:editor_queue"),
        reverse("studio:article_list"),
        reverse("review:detail", kwargs={"slug": submitted.slug}),
    ):
        response = client.get(url)
        assert response.status_code in (302, 404), url
        if response.status_code == 302:
            assert response.url.startswith("/accounts/login/")
    # Their user has no password to log in with.
    assert not invitation.member.user.has_usable_password()


def test_invite_and_revoke_views_are_for_editors(client, submitted, editor, reviewer):
    url = reverse("review:invite", kwargs={"slug": submitted.slug})
    data = {
        "name": "Dr. P. Harm",
        "email": "pharm@example.org",
        "credentials": "PharmD",
        "expires_on": (timezone.localdate() + dt.timedelta(days=5)).isoformat(),
        "voting": "on",
    }
    client.force_login(reviewer)
    assert client.post(url, data).status_code == 403
    client.force_login(editor)
    client.post(url, data)
    invitation = Invitation.objects.get()
    assert invitation.voting and invitation.email == "pharm@example.org"
    client.force_login(reviewer)
    revoke = reverse("review:invitation_revoke", kwargs={"slug": submitted.slug, "pk": invitation.pk})
    assert client.post(revoke).status_code == 403
    client.force_login(editor)
    client.post(revoke)
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


INVITED_URLS = ("open", "send_code", "verify_code", "review", "comment", "decide")


@pytest.mark.parametrize("persona", ["anonymous", "reviewer", "editor"])
def test_every_invited_url_refuses_a_bad_token_whoever_asks(client, submitted, reviewer, editor, persona):
    """The invited pages' own permission matrix: nothing opens without a live token, staff or not."""
    from django.urls import get_resolver

    resolver = next(p for p in get_resolver().url_patterns if getattr(p, "namespace", None) == "invited")
    assert {p.name for p in resolver.url_patterns} == set(INVITED_URLS)  # a new invited URL joins this list
    if persona != "anonymous":
        client.force_login({"reviewer": reviewer, "editor": editor}[persona])
    for name in INVITED_URLS:
        url = reverse(f"invited:{name}", kwargs={"token": "forged:token"})
        response = client.post(url, {"code": "123456", "decision": "approve", "text": "x"})
        assert response.status_code == 403, (name, persona)
        assert "not valid" in response.content.decode()


def test_hostile_names_are_escaped_on_the_invited_pages(client, submitted, editor):
    from tests.security.test_hostile_corpus import assert_page_safe
    from tests.security.xss_payloads import PAYLOADS

    invitation = invite(submitted, editor, name=PAYLOADS[7][:120], credentials=PAYLOADS[11][:200])
    services.review_comment_add(submitted, acting_user=invitation.member.user, text=PAYLOADS[3], section=PAYLOADS[9])
    path = reverse("invited:open", kwargs={"token": invitations.invitation_token(invitation)})
    response = client.get(path)
    assert response.status_code == 200
    assert_page_safe(path, response)
    token = sign_in(client, invitation)
    path = reverse("invited:review", kwargs={"token": token})
    response = client.get(path)
    assert response.status_code == 200
    assert_page_safe(path, response)
    client.force_login(editor)
    path = reverse("review:detail", kwargs={"slug": submitted.slug})  # the editors' invitation list
    assert_page_safe(path, client.get(path))


def test_invitations_are_read_only_in_the_admin_and_hide_secrets(admin_client, submitted, editor):
    invitation = invite(submitted, editor)
    assert admin_client.get(reverse("admin:review_invitation_add")).status_code == 403
    page = admin_client.get(reverse("admin:review_invitation_change", args=[invitation.pk])).content.decode()
    assert invitation.name in page and invitation.nonce not in page


def test_an_invited_reviewer_is_reminded_with_their_own_link(submitted, editor):
    from review import tasks

    invitation = invite(submitted, editor)
    ReviewDecision.objects.filter(reviewer=invitation.member).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    mail.outbox.clear()
    assert tasks.remind_reviewers() == 1
    to_invitee = next(m for m in mail.outbox if m.to == ["nephro@example.org"])
    assert link_from(to_invitee) == reverse("invited:open", kwargs={"token": invitations.invitation_token(invitation)})
    to_editors = [m for m in mail.outbox if m.to != ["nephro@example.org"]]
    assert to_editors and all(f"/review/{submitted.slug}/" in m.body for m in to_editors)


def test_the_invited_review_page_and_a_preview_cost_the_same_queries_as_comments_grow(
    client, submitted, editor, author, reviewer
):
    from review import previews
    from tests.scale.helpers import assert_all_flat

    invitation = invite(submitted, editor)
    token = sign_in(client, invitation)
    link = previews.preview_link_create(
        submitted, acting_user=author, expires_on=timezone.localdate() + dt.timedelta(days=3)
    )
    preview_token = previews.preview_token(link)
    services.review_claim(submitted, acting_user=reviewer)
    services.review_comment_add(submitted, acting_user=reviewer, text="First comment.")

    def grow():
        for n in range(5):
            services.review_comment_add(submitted, acting_user=reviewer, text=f"Comment number {n}.")
            # Outside comments go to the authors, not onto the preview: its count must not follow them.
            previews.preview_comment_add(preview_token, name=f"Viewer {n}", text=f"Outside {n}")

    assert_all_flat(
        client,
        {
            reverse("invited:review", kwargs={"token": token}): lambda body: "Comment number 4." in body,
            reverse("preview:show", kwargs={"token": preview_token}): lambda body: "Comment on this draft" in body,
        },
        grow,
    )
