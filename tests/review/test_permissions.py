"""Who may open which /studio/ and /review/ URL, as data: persona × URL × article status → status code.

GET requests through the test client. "login" means a 302 to the login page;
POST-only actions answer GET with 405 once the role check has passed. A
meta-test walks the URL resolver and fails when a studio: or review: URL name
is missing from MATRIX, so a new page cannot ship without a row here.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from articles.selectors import article_latest_revision
from review import services
from review.models import ReviewComment
from tests import factories

PERSONAS = ("anonymous", "author", "other_author", "board", "board_author", "editor", "admin")
STATUSES = ("draft", "submitted", "in_review", "approved")
L = "login"  # 302 to /accounts/login/


def row(anonymous, author, other_author, board, board_author, editor, admin):
    return dict(zip(PERSONAS, (anonymous, author, other_author, board, board_author, editor, admin), strict=True))


SAME = row  # the same codes for every status
# The board sees an article only once it has been submitted.
REVIEW_DETAIL = {
    "draft": row(404, 403, 403, 404, 404, 404, 404),
    "submitted": row(404, 403, 403, 200, 200, 200, 200),
    "in_review": row(404, 403, 403, 200, 200, 200, 200),
    "approved": row(404, 403, 403, 200, 200, 200, 200),
}

# url name → codes for every status, or {status: codes}
MATRIX: dict[str, dict] = {
    # studio (articles app): the authors' workspace
    "studio:article_list": SAME(L, 200, 200, 403, 200, 403, 200),
    "studio:article_create": SAME(L, 200, 200, 403, 200, 403, 200),
    "studio:article_create_preview": SAME(L, 405, 405, 403, 405, 403, 405),
    "studio:article_create_draft": SAME(L, 405, 405, 403, 405, 403, 405),
    "studio:article_edit": SAME(404, 200, 403, 403, 200, 403, 200),
    "studio:article_preview": SAME(404, 200, 403, 403, 200, 403, 200),
    "studio:article_history": SAME(404, 200, 403, 403, 200, 403, 200),
    "studio:article_compare": SAME(404, 200, 403, 403, 200, 403, 200),
    "studio:article_restore": SAME(404, 200, 403, 403, 200, 403, 200),
    "studio:reference_import": SAME(404, 200, 403, 403, 200, 403, 200),
    "studio:article_draft": SAME(404, 405, 403, 403, 405, 403, 405),
    "studio:glossary": SAME(L, 200, 200, 403, 200, 200, 200),
    "studio:reference_add_by_identifier": SAME(404, 200, 403, 403, 200, 403, 200),
    "studio:reference_lookup": SAME(404, 405, 403, 403, 405, 403, 405),
    # translations (POST only): start one of an approved article, bring one up to date
    "studio:translation_start": SAME(404, 405, 403, 403, 405, 403, 405),
    "studio:translation_rebase": SAME(404, 405, 403, 403, 405, 403, 405),
    # studio actions owned by the review app (POST only)
    "studio:review_submit": SAME(404, 405, 405, 403, 405, 403, 405),
    "studio:review_withdraw": SAME(404, 405, 405, 403, 405, 403, 405),
    "studio:review_comment_resolve": SAME(404, 405, 405, 403, 405, 403, 405),
    # shareable previews (review app; POST only; the services then allow the article's authors and editors)
    "studio:preview_create": SAME(404, 405, 405, 403, 405, 405, 405),
    "studio:preview_revoke": SAME(404, 405, 405, 403, 405, 405, 405),
    # review: the board's and the editors' pages
    "review:queue": SAME(L, 403, 403, 200, 200, 403, 200),
    "review:editor_queue": SAME(L, 403, 403, 403, 403, 200, 200),
    "review:detail": REVIEW_DETAIL,
    "review:claim": SAME(404, 403, 403, 405, 405, 403, 405),
    "review:decide": SAME(404, 403, 403, 405, 405, 403, 405),
    "review:comment_add": SAME(404, 403, 403, 405, 405, 403, 405),
    "review:assign": SAME(404, 403, 403, 403, 403, 405, 405),
    "review:decline": SAME(404, 403, 403, 405, 405, 403, 405),
    "review:invite": SAME(404, 403, 403, 403, 403, 405, 405),
    "review:invitation_revoke": SAME(404, 403, 403, 403, 403, 405, 405),
    "review:due_set": SAME(404, 403, 403, 403, 403, 405, 405),
    "review:archive": SAME(404, 403, 403, 403, 403, 405, 405),
    "review:policy": SAME(404, 403, 403, 403, 403, 405, 405),
    # the glossary: the board decides on wording, and approves newer definitions for an approved page
    "review:glossary_queue": SAME(L, 403, 403, 200, 200, 200, 200),
    "review:glossary_decide": SAME(L, 403, 403, 405, 405, 403, 405),
    "review:glossary_refresh": {
        "draft": row(404, 403, 403, 404, 404, 404, 404),
        "submitted": row(404, 403, 403, 404, 404, 404, 404),
        "in_review": row(404, 403, 403, 404, 404, 404, 404),
        "approved": row(404, 403, 403, 200, 200, 200, 200),
    },
}


def expected(name: str, status: str, persona: str):
    entry = MATRIX[name]
    return (entry[status] if status in entry else entry)[persona]


def _names(resolver=None, namespace: str = "") -> set[str]:
    resolver = resolver or get_resolver()
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_studio_and_review_url_is_in_the_matrix():
    names = {n for n in _names() if n.startswith(("studio:", "review:"))}
    missing = sorted(names - set(MATRIX))
    assert not missing, f"Add these URL names to MATRIX in {__file__}: {missing}"
    stale = sorted(set(MATRIX) - names)
    assert not stale, f"MATRIX names URLs that no longer exist: {stale}"


@pytest.fixture
def world(db, settings):
    """An article in each status, the personas, and one reviewer comment to resolve."""
    author = factories.UserFactory(username="alice", groups=["Authors"])
    other_author = factories.UserFactory(username="bob", groups=["Authors"])
    board = factories.BoardMemberFactory(user__username="rita").user
    claimer = factories.BoardMemberFactory(user__username="claire").user
    board_author = factories.BoardMemberFactory(user__username="bea").user
    board_author.groups.add(Group.objects.get(name="Authors"))
    editor = factories.UserFactory(username="eddie", groups=["Editors"])
    admin = factories.UserFactory(username="root")
    admin.is_superuser = admin.is_staff = True
    admin.save()

    articles = {}
    for status in STATUSES:
        article = factories.make_article(author=author, slug=f"cmv-{status.replace('_', '-')}")
        article.authors.add(board_author)
        if status != "draft":
            services.article_submit(article, acting_user=author)
        if status in ("in_review", "approved"):
            services.review_claim(article, acting_user=claimer)
        if status == "approved":
            services.review_approve(article, acting_user=claimer)
        article.refresh_from_db()
        assert article.status == status
        articles[status] = article
    comment = services.review_comment_add(articles["in_review"], acting_user=claimer, text="Cite the label.")
    assert ReviewComment.objects.filter(pk=comment.pk).exists()
    people = {
        "author": author,
        "other_author": other_author,
        "board": board,
        "board_author": board_author,
        "editor": editor,
        "admin": admin,
    }
    return {"articles": articles, "people": people, "comment": comment}


def _url(name: str, article, comment) -> str:
    if name == "studio:review_comment_resolve":
        return reverse(name, kwargs={"pk": comment.pk})
    if name == "studio:article_restore":
        revision = article_latest_revision(article)
        return reverse(name, kwargs={"slug": article.slug, "revision_id": revision.pk})
    if name in ("review:due_set", "review:invitation_revoke", "studio:preview_revoke"):
        return reverse(name, kwargs={"slug": article.slug, "pk": 1})
    if name == "review:glossary_decide":
        return reverse(name, kwargs={"pk": 1})
    if name == "studio:article_compare":
        revision = article_latest_revision(article)
        return reverse(name, kwargs={"slug": article.slug}) + f"?a={revision.pk}&b={revision.pk}"
    try:
        return reverse(name, kwargs={"slug": article.slug})
    except Exception:
        return reverse(name)


@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix(client, world, persona):
    """Every URL of MATRIX for one persona, on an article in each status (one world for all four)."""
    if persona != "anonymous":
        client.force_login(world["people"][persona])
    failures = []
    for status in STATUSES:
        article = world["articles"][status]
        for name in sorted(MATRIX):
            url = _url(name, article, world["comment"])
            response = client.get(url)
            want = expected(name, status, persona)
            if want == L:
                ok = response.status_code == 302 and response.url.startswith("/accounts/login/")
            else:
                ok = response.status_code == want
            if not ok:
                failures.append(f"{status}: {name} {url}: expected {want}, got {response.status_code}")
    assert not failures, "\n".join(failures)
