from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from audit.models import WorkflowEvent
from review.models import BoardMember, ReviewDecision, ReviewRound
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_author(author):
    """The article's author, who is also a board member with admin access."""
    author.is_staff = True
    author.is_superuser = True
    author.save()
    factories.BoardMemberFactory(user=author)
    author.groups.add(Group.objects.get(name="Medical Advisory Board"))
    return author


def test_author_board_member_cannot_approve_own_article_through_the_admin(client, in_review, staff_author, editor):
    round_ = ReviewRound.objects.get()
    ReviewDecision.objects.create(
        round=round_,
        reviewer=BoardMember.objects.get(user=staff_author),
        assigned_by=editor,
        assigned_at=round_.submitted_at,
    )
    client.force_login(staff_author)
    response = client.post(
        reverse("admin:review_reviewround_changelist"),
        {"action": "approve_as_me", "_selected_action": [round_.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "author" in response.content.decode()
    in_review.refresh_from_db()
    assert in_review.status == "in_review"
    assert not ReviewDecision.objects.filter(decision="approve").exists()


def test_admin_approve_action_goes_through_the_service(client, in_review, reviewer):
    reviewer.is_staff = True
    reviewer.is_superuser = True
    reviewer.save()
    client.force_login(reviewer)
    round_ = ReviewRound.objects.get()
    client.post(
        reverse("admin:review_reviewround_changelist"), {"action": "approve_as_me", "_selected_action": [round_.pk]}
    )
    in_review.refresh_from_db()
    assert in_review.status == "approved"
    assert WorkflowEvent.objects.filter(action="approve", actor=reviewer).exists()


def test_workflow_events_are_read_only_in_the_admin(admin_client, submitted):
    event = WorkflowEvent.objects.get()
    assert admin_client.get(reverse("admin:audit_workflowevent_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:audit_workflowevent_delete", args=[event.pk])).status_code == 403
    assert admin_client.get(reverse("admin:audit_workflowevent_add")).status_code == 403
    page = admin_client.get(reverse("admin:audit_workflowevent_change", args=[event.pk])).content.decode()
    assert 'name="_save"' not in page
    assert admin_client.get(reverse("admin:review_reviewround_add")).status_code == 403
