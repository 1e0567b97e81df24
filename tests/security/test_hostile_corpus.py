"""The hostile corpus (tests/security/xss_payloads.py) through every rendered field and every page kind.

Two layers:
- the renderer alone: each payload in each Markdown and reference field, the
  output checked against the sanitiser's allow-list;
- the real site: an article whose every field carries payloads, reviewed and
  published through the services, a board member, a disclaimer, the editorial
  policy and a reader's question carrying them too; then every page kind
  (reader, API, feed, sitemap, studio, review, desk, inbox, admin) is fetched
  and checked statically: no script but the site's own files and JSON-LD data,
  no event handler, no javascript: or data: link, no foreign embedded content.
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest

from articles import services as article_services
from articles.models import Audience
from publishing.models import EditorialPolicy
from publishing.services import reader_message_create
from tests import factories
from tests.publishing.publish_helpers import approve, make_disclaimers, request_and_publish
from tests.security.xss_payloads import PAYLOADS
from textkit.content import ArticleContent, ReferenceContent
from textkit.rendering import _ALLOWED_ATTRIBUTES, _ALLOWED_TAGS, render_content

GLOBAL_ATTRIBUTES = {"class", "rel"}


class _AllowListChecker(HTMLParser):
    """Collect every tag and attribute of renderer output that the allow-list does not name."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in _ALLOWED_TAGS:
            self.problems.append(f"<{tag}>")
        allowed = _ALLOWED_ATTRIBUTES.get(tag, set()) | GLOBAL_ATTRIBUTES
        for name, value in attrs:
            if name not in allowed:
                self.problems.append(f"<{tag} {name}>")
            if name == "href" and not (value or "").startswith(("http://", "https://", "mailto:", "#")):
                self.problems.append(f"<{tag} href={value!r}>")


def outside_allow_list(html: str) -> list[str]:
    checker = _AllowListChecker()
    checker.feed(html)
    checker.close()
    return checker.problems


@pytest.mark.parametrize("index", range(len(PAYLOADS)))
def test_every_payload_in_every_markdown_and_reference_field_stays_within_the_allow_list(index):
    payload = PAYLOADS[index]
    content = ArticleContent(
        slug="s",
        title=payload,
        summary=f"{payload} [@a]",
        body=f"## {payload}\n\n{payload} [@a]\n\n- {payload}\n",
        references=(ReferenceContent(key="a", title=payload, authors=payload, source=payload),),
    )
    rendered = render_content(content)
    for html in (rendered.summary_html, rendered.body_html, rendered.references_html):
        assert outside_allow_list(html) == [], (payload, html)


# --------------------------------------------------------------------------- the real site

SCRIPT_TAG_RE = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.I | re.S)
FOREIGN_TAGS = {"iframe", "object", "embed", "math", "base", "frame", "frameset", "applet", "style"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "background", "poster"}


class _PageChecker(HTMLParser):
    """Parse a whole page as a browser would and note anything that could run or load foreign content.

    The site's own icons are inline SVG marked aria-hidden; nothing else may be SVG.
    """

    def __init__(self, *, own_svg: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.own_svg = own_svg  # the admin draws its own icons as SVG

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in FOREIGN_TAGS or (tag == "svg" and attributes.get("aria-hidden") != "true" and not self.own_svg):
            self.problems.append(f"<{tag}>")
        if tag == "img" and not (attributes.get("src") or "").startswith("/static/"):
            self.problems.append(f"<img src={attributes.get('src')!r}>")
        if tag == "meta" and "http-equiv" in attributes:
            self.problems.append("<meta http-equiv>")
        if (
            tag == "link"
            and attributes.get("rel") == "stylesheet"
            and not attributes.get("href", "").startswith("/static/")
        ):
            self.problems.append(f"<link href={attributes.get('href')!r}>")
        for name, value in attrs:
            if name.startswith("on") or name in {"style", "srcdoc"}:
                self.problems.append(f"<{tag} {name}=>")
            if name in URL_ATTRIBUTES:
                plain = re.sub(r"[\s\x00-\x1f]", "", value or "").lower()
                if plain.startswith(("javascript:", "vbscript:", "data:")):
                    self.problems.append(f"<{tag} {name}={value!r}>")


def assert_page_safe(path: str, response) -> None:
    assert response.status_code == 200, (path, response.status_code)
    body = response.content.decode()
    kind = response.get("Content-Type", "")
    if "html" in kind:
        for attrs, inner in SCRIPT_TAG_RE.findall(body):
            if "application/ld+json" in attrs:
                assert "</" not in inner and "<script" not in inner.lower(), f"{path}: JSON-LD broke out"
            else:
                assert re.search(r'\ssrc="/(?!/)', attrs) and not inner.strip(), f"{path}: <script{attrs}>"
        checker = _PageChecker(own_svg=path.startswith("/admin/"))
        checker.feed(SCRIPT_TAG_RE.sub("", body))
        checker.close()
        assert checker.problems == [], (path, checker.problems[:5])
    elif "xml" in kind:
        assert "<script" not in body.lower(), path
    elif "json" in kind:
        response.json()  # still valid JSON, whatever the text


@pytest.fixture
def hostile_site(db, settings, django_capture_on_commit_callbacks):
    settings.QUESTION_RATE_LIMIT = 1000
    author = factories.UserFactory(username="h-author", groups=["Authors"])
    reviewer = factories.BoardMemberFactory(
        user__username="h-reviewer",
        display_name=PAYLOADS[7][:120],
        credentials=PAYLOADS[11][:200],
        bio="\n\n".join(PAYLOADS[:40]),
        disclosures="\n\n".join(PAYLOADS[40:80]),
    ).user
    editor = factories.UserFactory(username="h-editor", groups=["Editors"], is_staff=True, is_superuser=True)
    disclaimer = make_disclaimers()["all"]
    disclaimer.text = "\n\n".join(PAYLOADS[80:120])
    disclaimer.save()
    patient = Audience.objects.get(slug="patient")
    short = [p for p in PAYLOADS if len(p) < 60]
    body = "\n\n".join(f"## {p}\n\n{p} [@a]" if i % 10 == 0 else f"{p} [@a]" for i, p in enumerate(PAYLOADS))
    article = article_services.article_create(
        acting_user=author,
        slug="hostile",
        title=" ".join(short[:4])[:250],
        condition=" ".join(short[4:8])[:200],
        drugs=" ".join(short[8:12])[:500],
        summary="\n\n".join(PAYLOADS[:60]) + " [@a]",
        body=body,
        variants=[article_services.VariantInput(audience_id=patient.pk, summary=PAYLOADS[5], body=body[:20_000])],
        references=[
            {
                "key": "a",
                "kind": "research",
                "title": " ".join(short[12:20])[:500],
                "authors": " ".join(short[20:26])[:500],
                "source": " ".join(short[26:30])[:300],
                "url": "https://example.org/x?<script>",
                "doi": "10.1000/x<script>",
            }
        ],
    )
    approve(article, author=author, reviewer=reviewer)
    publication = request_and_publish(article, editor=editor, change_summary=" ".join(short[30:34])[:250])
    EditorialPolicy.objects.create(title=short[0][:200], body="\n\n".join(PAYLOADS[120:200]))
    with django_capture_on_commit_callbacks(execute=False):
        for payload in PAYLOADS[200:230]:
            reader_message_create(article, kind="question", message=payload, name=payload[:120], ip="192.0.2.1")
    # A Spanish translation of the hostile text, live; a shared preview with hostile outside comments.
    from articles import translations
    from review import previews

    reviewer.board_member.languages = "en, es"
    reviewer.board_member.save(update_fields=["languages"])
    spanish = translations.translation_create(article, acting_user=author, language="es", slug="hostile-es")
    approve(spanish, author=author, reviewer=reviewer)
    request_and_publish(spanish, editor=editor)
    link = previews.preview_link_create(article, acting_user=author, expires_on=dt.date.today() + dt.timedelta(days=3))
    token = previews.preview_token(link)
    for payload in PAYLOADS[230:245]:
        previews.preview_comment_add(token, name=payload[:120], text=payload)
    return {"article": article, "editor": editor, "publication": publication, "preview_token": token}


def test_hostile_text_is_inert_on_every_page_kind(client, hostile_site):
    slug = hostile_site["article"].slug
    public = [
        "/",
        f"/?q={PAYLOADS[0]}",
        f"/articles/{slug}/",
        f"/articles/{slug}/?for=patient",
        f"/articles/{slug}/?for=professional",
        f"/articles/{slug}/provenance.json",
        "/api/articles/",
        f"/api/articles/{slug}/",
        f"/api/articles/{slug}/?for=patient",
        "/feed/",
        "/sitemap.xml",
        "/board/",
        "/editorial-policy/",
        "/es/articles/hostile-es/",
        "/es/articles/hostile-es/for/patient/",
        f"/es/search/?q={PAYLOADS[0]}",
        "/sitemap-articles-1.xml",
        f"/preview/{hostile_site['preview_token']}/",
    ]
    for path in public:
        assert_page_safe(path, client.get(path, follow=True))
    client.force_login(hostile_site["editor"])
    staff = [
        "/studio/",
        f"/studio/{slug}/",
        f"/studio/{slug}/preview/",
        f"/studio/{slug}/preview/?for=patient",
        f"/studio/{slug}/history/",
        f"/review/{slug}/",
        "/review/",
        "/review/editor/",
        "/publishing/",
        f"/publishing/articles/{slug}/history/",
        "/publishing/inbox/",
        "/publishing/translations/",
        "/studio/hostile-es/",
        "/publishing/policy/",
        "/admin/articles/article/",
        f"/admin/articles/article/{hostile_site['article'].pk}/change/",
        "/admin/review/boardmember/",
    ]
    for path in staff:
        assert_page_safe(path, client.get(path))
