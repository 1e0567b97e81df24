"""The benchmark data generator makes copies identical in shape to its service-made templates, and its check bites."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from articles.models import Article
from bench import seed
from publishing.models import CatalogueEntry, Publication
from review.models import ReviewDecision, ReviewRound

pytestmark = pytest.mark.django_db


def test_generator_copies_have_the_shape_of_their_templates_are_listed_and_the_check_bites(client, capsys):
    # One generation for every check: making the templates through the services is the slow part.
    call_command("bench_seed", articles=20, check=20)
    assert "hashes match" in capsys.readouterr().out
    copies = Article.objects.filter(slug__regex=r"^bench-[0-9]+$")
    assert copies.count() == 20
    live = Publication.objects.filter(state="live", article__in=copies)
    assert CatalogueEntry.objects.filter(article__in=copies).count() == live.count() > 0
    # The seats are shared out among the board, not all held by the templates' reviewer.
    seats = ReviewDecision.objects.filter(round__article__in=copies)
    assert seats.values("reviewer").distinct().count() > 1
    # A live copy is searchable and served like any page.
    entry = CatalogueEntry.objects.filter(slug__regex=r"^bench-[0-9]+$").first()
    body = client.get("/search/", {"q": entry.condition.split(",")[0]}).content.decode()
    assert f"/articles/{entry.slug}/" in body
    assert client.get(f"/articles/{entry.slug}/").status_code == 200
    # Tamper with one copy's pinned hash: the check must name it.
    round_ = ReviewRound.objects.filter(article__in=copies).first()
    ReviewRound.objects.filter(pk=round_.pk).update(content_hash="0" * 64)
    problems = seed.check(20)
    assert any(round_.article.slug in p and "hash" in p for p in problems)
