"""Time the reader's article page cold and cached (`python -m bench bench_reader`).

Builds a throwaway test database, takes one demo-sized article through the
real review and publishing services, then requests its page through the test
client: "cold" clears the cache before every request (one PublishedPage read
and template rendering), "cached" serves the per-audience parts from the cache.
Prints requests per second; it is not a test.
"""

from __future__ import annotations

import datetime as dt
import os
import time


def _publish_demo_article():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from articles import services as article_services
    from articles.models import Audience
    from publishing import services as publishing_services
    from publishing import tasks
    from publishing.models import Disclaimer
    from review import services as review_services
    from review.models import BoardMember

    User = get_user_model()
    author = User.objects.create_user("bench-author", "author@example.org", "x")
    author.groups.add(Group.objects.get(name="Authors"))
    editor = User.objects.create_user("bench-editor", "editor@example.org", "x")
    editor.groups.add(Group.objects.get(name="Editors"))
    reviewer = User.objects.create_user("bench-reviewer", "reviewer@example.org", "x")
    reviewer.groups.add(Group.objects.get(name="Medical Advisory Board"))
    BoardMember.objects.create(
        user=reviewer,
        display_name="Dr. Bench Reviewer",
        credentials="MD, Infectious Diseases",
        credential_verified_until=dt.date.today() + dt.timedelta(days=365),
    )
    Disclaimer.objects.create(
        name="Medical disclaimer",
        text="For education only.",
        effective_from=timezone.now() - dt.timedelta(hours=1),
    )
    references = [
        {
            "key": f"ref{i}",
            "kind": ("guideline", "research", "fda_label")[i % 3],
            "title": f"Antiviral treatment study {i}",
            "authors": "Author A, Author B",
            "source": "Journal of Benchmarks",
            "year": 2000 + i,
            "pmid": str(20_000_000 + i),
        }
        for i in range(12)
    ]
    sections = []
    for s in range(8):
        sections.append(f"## Section {s}\n")
        sections += [
            f"- Ganciclovir 5 mg/kg IV every 12 hours [@ref{(s + i) % 12}; @ref{(s + i + 1) % 12}]." for i in range(6)
        ]
    patient = Audience.objects.get(slug="patient")
    article = article_services.article_create(
        acting_user=author,
        slug="bench-article",
        title="What is the treatment for CMV infection?",
        condition="Cytomegalovirus (CMV) infection",
        drugs="ganciclovir, valganciclovir",
        summary="Ganciclovir or valganciclovir is the usual first treatment [@ref0].",
        body="\n".join(sections),
        variants=[article_services.VariantInput(audience_id=patient.pk, summary="Most people take tablets [@ref0].")],
        references=references,
        comment="Benchmark article",
    )
    review_services.article_submit(article, acting_user=author)
    review_services.review_claim(article, acting_user=reviewer)
    review_services.review_approve(article, acting_user=reviewer)
    article.refresh_from_db()
    publication = publishing_services.publication_request(article, acting_user=editor)
    tasks.publish.apply(args=[publication.pk])
    return "/articles/bench-article/"


def _rate(client, url: str, runs: int, *, cold: bool) -> float:
    from django.core.cache import cache

    started = time.perf_counter()
    for _ in range(runs):
        if cold:
            cache.clear()
        response = client.get(url)
        assert response.status_code == 200, response.status_code
    return runs / (time.perf_counter() - started)


def main() -> None:
    """Print article-page requests per second, cold and cached, for two audiences."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment, teardown_test_environment

    runs = int(os.environ.get("BENCH_RUNS", "200"))
    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        url = _publish_demo_article()
        client = Client()
        for audience in (None, "patient"):
            target = f"{url}?for={audience}" if audience else url
            client.get(target)  # warm up templates and connections
            cold = _rate(client, target, runs, cold=True)
            client.get(target)
            cached = _rate(client, target, runs, cold=False)
            label = audience or "default"
            print(f"article page ({label}): {runs} requests each")
            print(f"  cold   {cold:8.1f} requests/second ({1000 / cold:.2f} ms each)")
            print(f"  cached {cached:8.1f} requests/second ({1000 / cached:.2f} ms each), x{cached / cold:.1f}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    from bench.__main__ import main as run_all

    run_all()
