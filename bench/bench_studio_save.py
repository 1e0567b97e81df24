"""Time a save in the studio with and without the dose check (issue 24 item 5).

`DATABASE_URL=... make bench-studio-save` (or `python -m bench bench_studio_save`
with BENCH_STUDIO_SAVE=1). A save in the studio is two requests: the POST,
which runs `article_update` (one revision), and the editor page it redirects
to, whose preview runs the checks, readability and the dose check
(`evidence.doses.dose_report`: every audience's text parsed, each statement
compared with its drug's imported label, one query for the labels). Both are
timed through Django's test client, logged in as the article's author, for
BENCH_SAVES (default 30) saves that each change one dose in the professional
version, once as shipped and once with the dose check replaced by an empty
report, so the difference is the check's share of a save.

It adds one article ("bench-dose-save", the demo's CMV text with its
sample label reference) and the sample valganciclovir label to the database
it is given, which should be a `make bench-lists` database (the article
count is printed): the check's one query is on `LabelDosing`, indexed by
set id, and nothing in a save reads the other articles.
"""

from __future__ import annotations

import os
import statistics
import time
from unittest import mock

SLUG = "bench-dose-save"


def _percentiles(timings: list[float]) -> tuple[float, float]:
    ordered = sorted(timings)
    return statistics.median(ordered), ordered[round(0.95 * (len(ordered) - 1))]


def _article_and_author():
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from articles import services
    from articles.models import Article
    from demo import texts as demo
    from demo.labels import SAMPLE_LABEL, SAMPLE_SET_ID
    from evidence.files import read_label_document
    from evidence.models import LabelDosing
    from evidence.services import label_document_import

    if not LabelDosing.objects.filter(set_id=SAMPLE_SET_ID).exists():
        path = str(settings.BASE_DIR / SAMPLE_LABEL)
        label_document_import(read_label_document(path), source=SAMPLE_LABEL)
    author, _ = get_user_model().objects.get_or_create(username="bench-dose-author")
    author.groups.add(Group.objects.get(name="Authors"))
    article = Article.objects.filter(slug=SLUG).first()
    if article is None:
        spec = demo.DEMO_ARTICLES[0]
        article = services.article_create(
            acting_user=author,
            slug=SLUG,
            title=spec.title,
            condition=spec.condition,
            drugs=spec.drugs,
            summary=spec.summary,
            body=spec.body,
            references=spec.references,
            variants=demo._variant_inputs(spec),
        )
    return article, author


def _post_data(article) -> dict:
    from articles.content import REFERENCE_FIELDS, content_from_article
    from articles.models import Audience

    content = content_from_article(article)
    data = {
        "lock_version": article.lock_version,
        "title": content.title,
        "slug": content.slug,
        "condition": content.condition,
        "drugs": content.drugs,
        "summary": content.summary,
        "body": content.body,
        "comment": "",
        "references-TOTAL_FORMS": len(content.references),
        "references-INITIAL_FORMS": len(content.references),
        "references-MIN_NUM_FORMS": 0,
        "references-MAX_NUM_FORMS": 1000,
    }
    for audience in Audience.objects.all():
        variant = content.variant_for(audience.pk)
        data[f"variant-{audience.slug}-summary"] = variant.summary if variant else ""
        data[f"variant-{audience.slug}-body"] = variant.body if variant else ""
    for index, ref in enumerate(content.references):
        for name in REFERENCE_FIELDS:
            value = getattr(ref, name)
            data[f"references-{index}-{name}"] = "" if value is None else value
    return data


def _saves(client, article, saves: int) -> dict:
    """Save `saves` times through the studio; return the POST, editor and total timings (ms)."""
    from django.urls import reverse

    edit_url = reverse("studio:article_edit", kwargs={"slug": article.slug})
    posts, editors, statements = [], [], 0
    for i in range(saves):
        article.refresh_from_db()
        data = _post_data(article)
        key = "variant-professional-body"
        # Alternate one dose so every save is a real change (and the second is a label mismatch).
        data[key] = (
            data[key].replace("900 mg twice", "9000 mg twice", 1)
            if i % 2 == 0
            else data[key].replace("9000 mg twice", "900 mg twice", 1)
        )
        started = time.perf_counter()
        response = client.post(edit_url, data)
        posted = time.perf_counter()
        if response.status_code != 302:
            raise SystemExit(f"save {i} was refused ({response.status_code}): the bench's form data is out of date")
        page = client.get(response["Location"])
        done = time.perf_counter()
        if page.status_code != 200:
            raise SystemExit(f"the editor after save {i} answered {page.status_code}")
        statements = page.content.count(b"data-dose-code=")
        posts.append((posted - started) * 1000)
        editors.append((done - posted) * 1000)
    totals = [p + e for p, e in zip(posts, editors, strict=True)]
    return {
        "post": _percentiles(posts),
        "editor": _percentiles(editors),
        "total": _percentiles(totals),
        "rows": statements,
    }


def main() -> None:
    if not os.environ.get("DATABASE_URL") or os.environ.get("BENCH_STUDIO_SAVE") != "1":
        print("skipped: bench_studio_save adds an article; run `make bench-studio-save` with DATABASE_URL set")
        return
    from django.db import connection
    from django.test import Client

    from articles.models import Article
    from evidence import doses

    saves = int(os.environ.get("BENCH_SAVES", "30"))
    article, author = _article_and_author()
    client = Client()
    client.force_login(author)
    print(f"database: {connection.vendor}, {Article.objects.count():,} articles; {saves} saves each")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (2 cores, shared machine)")
    _saves(client, article, 3)  # warm-up: templates, caches, the label
    with_check = _saves(client, article, saves)
    with mock.patch.object(doses, "dose_report", lambda content, audience_names: doses.DoseReport()):
        without = _saves(client, article, saves)
    print()
    columns = ["dose check", "statements shown", "POST (save)", "editor page", "save + page"]
    print("| " + " | ".join(columns[:2] + [f"{c} p50 / p95 ms" for c in columns[2:]]) + " |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, result in (("on (as shipped)", with_check), ("off (empty report)", without)):
        print(
            f"| {name} | {result['rows']} | {result['post'][0]:.1f} / {result['post'][1]:.1f} "
            f"| {result['editor'][0]:.1f} / {result['editor'][1]:.1f} "
            f"| {result['total'][0]:.1f} / {result['total'][1]:.1f} |"
        )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
