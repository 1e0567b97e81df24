"""One normaliser for every stored text field (articles.text), and the size limits."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.core.exceptions import ValidationError

from articles import services
from articles.models import Article, Reference
from publishing.models import PublishedPage
from review.models import BoardMember
from tests import factories
from tests.publishing.reader_fixtures import *  # noqa: F403 (fixtures)
from textkit.text import MAX_LENGTHS, clean_text

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.mark.parametrize(
    ("raw", "multiline", "expected"),
    [
        ("a\r\nb\rc", True, "a\nb\nc"),
        ("Word\x0bline", True, "Word\nline"),
        ("Word\x0bline", False, "Word line"),
        ("two\nlines", False, "two lines"),
        ("nul\x00 and bell\x07 and esc\x1b", True, "nul and bell and esc"),
        ("c1\x85next\x9bx", True, "c1\nnextx"),
        ("tab\tkept", True, "tab\tkept"),
        ("e\u0301", True, "\u00e9"),  # NFC
        ("line\u2028sep", True, "line\nsep"),
        ("", True, ""),
    ],
)
def test_clean_text(raw, multiline, expected):
    assert clean_text(raw, multiline=multiline) == expected


def test_cleaning_twice_changes_nothing():
    once = clean_text("a\r\n\x00b\x0b\u0065\u0301\x9f")
    assert clean_text(once) == once


def test_article_services_store_clean_text(author):
    article = services.article_create(
        acting_user=author,
        slug="clean-text",
        title="Pasted\x0bfrom Word\x00",
        condition="CMV\x01",
        summary="Line one\r\nLine two\x0cthree",
        body="## Caf\u0065\u0301\r\n\r\nText\x1b.",
        references=[{"key": "a", "kind": "research", "title": "Title\x00 with NUL"}],
    )
    article.refresh_from_db()
    assert article.title == "Pasted from Word"
    assert article.condition == "CMV"
    assert article.summary == "Line one\nLine two\nthree\n"  # one final newline: textkit.whitespace
    assert article.body == "## Caf\u00e9\n\nText.\n"
    assert Reference.objects.get(article=article).title == "Title with NUL"

    services.article_update(
        article, acting_user=author, lock_version=article.lock_version, fields={"title": "Again\x0b\x7f"}
    )
    assert Article.objects.get(pk=article.pk).title == "Again "


def test_admin_and_other_doors_store_clean_text(db):
    member = BoardMember.objects.create(
        user=factories.UserFactory(),
        display_name="Dr.\x0bA",
        credentials="MD\x00",
        bio="Bio\r\nmore",
    )
    member.refresh_from_db()
    assert (member.display_name, member.credentials, member.bio) == ("Dr. A", "MD", "Bio\nmore")


def test_summary_and_body_over_the_limit_are_refused_with_the_limit_named(author):
    too_long = "a" * (MAX_LENGTHS["body"] + 1)
    with pytest.raises(ValidationError) as excinfo:
        services.article_create(acting_user=author, slug="long", title="Long", condition="X", body=too_long)
    message = " ".join(excinfo.value.message_dict["body"])
    assert "100,000" in message and "is 100,00" in message  # its length, counted after the final newline is added
    assert not Article.objects.filter(slug="long").exists()


def test_the_studio_form_shows_the_size_limit_beside_the_field(client, author):
    client.force_login(author)
    data = {"title": "Long", "slug": "long-one", "condition": "X", "summary": "s" * (MAX_LENGTHS["summary"] + 5)}
    data.update({"references-TOTAL_FORMS": 0, "references-INITIAL_FORMS": 0})
    response = client.post("/studio/new/", data)
    assert response.status_code == 200
    assert "the most this field takes is 20,000" in response.content.decode()
    assert not Article.objects.filter(slug="long-one").exists()


def test_a_control_character_in_a_stored_title_does_not_break_the_feed(client, live_site, caplog):
    # Stored before the cleaning existed: written past the services on purpose (PostgreSQL refuses NUL itself).
    PublishedPage.objects.filter(publication=live_site.publication).update(title="Treatment\x0bof CMV\x01")
    response = client.get(live_site.url("/feed/"))
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    titles = [entry.find(f"{ATOM}title").text for entry in root.findall(f"{ATOM}entry")]
    assert titles == ["Treatment of CMV"]


def test_a_page_that_cannot_be_read_is_left_out_of_the_feed_and_logged(client, live_site, caplog, monkeypatch):
    from publishing import feeds

    def broken(page):
        raise ValueError("unreadable row")

    monkeypatch.setattr(feeds.ArticleUpdatesFeed, "_description", lambda self, page: broken(page))
    response = client.get(live_site.url("/feed/"))
    assert response.status_code == 200
    assert ET.fromstring(response.content).findall(f"{ATOM}entry") == []
    assert "left out published page" in caplog.text


def test_control_characters_stored_in_a_live_page_break_no_public_page(client, live_site):
    PublishedPage.objects.filter(publication=live_site.publication).update(
        title="Treatment\x0bof CMV\x01", summary_html="<p>Summary\x0b\x1b</p>"
    )
    slug = live_site.slug
    for path in (
        live_site.url("/"),
        live_site.url("/?letter=C"),
        live_site.url("/search/?q=CMV"),
        live_site.article_url,
        live_site.url("/api/articles/"),
        live_site.url(f"/api/articles/{slug}/"),
        live_site.url("/feed/"),
        "/sitemap.xml",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
    ET.fromstring(client.get(live_site.url("/feed/")).content)  # still well-formed XML


def test_an_overlong_review_comment_is_refused_with_the_limit(article, author, reviewer):
    from review import services as review_services
    from review.exceptions import CommentTooLong

    review_services.article_submit(article, acting_user=author)
    review_services.review_claim(article, acting_user=reviewer)
    with pytest.raises(CommentTooLong) as excinfo:
        review_services.review_comment_add(article, acting_user=reviewer, text="x" * (MAX_LENGTHS["comment"] + 1))
    assert "20,000" in str(excinfo.value)


def test_an_overlong_policy_is_refused_on_the_desk_form(client, editor):
    client.force_login(editor)
    response = client.post("/publishing/policy/", {"title": "Policy", "body": "x" * (MAX_LENGTHS["policy"] + 1)})
    assert response.status_code == 200
    assert "the most it takes is 100,000" in response.content.decode()


def test_the_furniture_desk_refuses_an_overlong_disclaimer_and_cleans_a_pasted_one(client, db):
    """Disclaimers are proposed on the desk (the admin shows them read-only); the proposal is cleaned."""
    from publishing.models import FurnitureChange

    editor = factories.UserFactory(username="eddie", groups=["Editors"])
    client.force_login(editor)
    data = {"name": "Pasted", "text": "x" * (MAX_LENGTHS["disclaimer"] + 1)}
    response = client.post("/publishing/furniture/", data)
    assert response.status_code == 200 and "the most it takes is 20,000" in response.content.decode()
    data["text"] = "Not medical advice.\r\nAsk\x0b your doctor\x01."
    response = client.post("/publishing/furniture/", data)
    assert response.status_code == 302
    assert FurnitureChange.objects.get().proposed["text"] == "Not medical advice.\nAsk\n your doctor."
