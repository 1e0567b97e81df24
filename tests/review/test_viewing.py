"""'Being looked at' labels: a board member opening a round shows on the others' queues, from the cache."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from review import selectors, services
from review.models import ReviewRound

pytestmark = pytest.mark.django_db


def open_round(article) -> ReviewRound:
    return ReviewRound.objects.get(article=article, status="open")


def test_opening_a_round_labels_it_for_the_others(client, submitted, reviewer, reviewer2):
    client.force_login(reviewer)
    assert client.get(reverse("review:detail", kwargs={"slug": submitted.slug})).status_code == 200
    client.force_login(reviewer2)
    page = client.get(reverse("review:queue")).content.decode()
    assert "Dr. Rita Reviewer is looking at it" in page
    # Not on the reader's own page or queue.
    client.force_login(reviewer)
    assert "is looking at it" not in client.get(reverse("review:queue")).content.decode()


def test_since_stays_while_the_member_keeps_the_round_open(submitted, reviewer):
    round_ = open_round(submitted)
    services.review_round_viewing_record(round_, acting_user=reviewer)
    first = selectors.review_rounds_viewers([round_.pk])[round_.pk][0].since
    services.review_round_viewing_record(round_, acting_user=reviewer)
    assert selectors.review_rounds_viewers([round_.pk])[round_.pk][0].since == first


def test_old_notes_drop_off(submitted, reviewer, settings):
    round_ = open_round(submitted)
    services.review_round_viewing_record(round_, acting_user=reviewer)
    key = selectors.viewing_key(round_.pk)
    note = cache.get(key)
    stale = (dt.datetime.fromisoformat(next(iter(note.values()))[2]) - dt.timedelta(minutes=60)).isoformat()
    cache.set(key, {pk: [name, since, stale] for pk, (name, since, _seen) in note.items()})
    assert selectors.review_rounds_viewers([round_.pk]) == {}


def test_editors_and_non_members_are_not_recorded(submitted, editor):
    services.review_round_viewing_record(open_round(submitted), acting_user=editor)
    assert selectors.review_rounds_viewers([open_round(submitted).pk]) == {}


def test_labels_cost_no_query_per_row(submitted, reviewer, reviewer2):
    rounds = [open_round(submitted)]
    services.review_round_viewing_record(rounds[0], acting_user=reviewer)
    items = selectors.queue_items(ReviewRound.objects.filter(pk=rounds[0].pk).prefetch_related("article", "decisions"))
    with CaptureQueriesContext(connection) as queries:
        selectors.attach_viewers(items)
    assert len(queries.captured_queries) == 0
    assert [v.name for v in items[0].viewers] == ["Dr. Rita Reviewer"]
