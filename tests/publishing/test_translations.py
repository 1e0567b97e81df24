"""Translations: made from an approved revision, reviewed in their language, published at /es/, kept honest."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import translation
from django.utils.translation import gettext, ngettext

from articles import translations
from articles.models import Article
from audit.models import WorkflowEvent
from publishing.models import Publication, StoredPage
from review import services as review_services
from review.exceptions import ContentCheckFailed, ReviewPermissionError
from tests.factories import UserFactory, make_article
from tests.publishing.publish_helpers import approve, edit, request_and_publish
from tests.publishing.reader_fixtures import *  # noqa: F403 (fixtures)
from tests.publishing.reader_fixtures import SPANISH_SUMMARY, translate


def _jsonld(html: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_translation_starts_from_the_approved_revision_with_the_sources_references(published, author):
    source = published.article
    spanish = translations.translation_create(source, acting_user=author, language="es")
    assert spanish.slug == f"{source.slug}-es"
    assert spanish.language == "es" and spanish.translation_of == source
    assert spanish.translation_base_revision_id == source.last_approved_revision_id
    assert spanish.translation_base_hash == source.last_approved_hash
    assert sorted(spanish.references.values_list("key", flat=True)) == sorted(
        source.references.values_list("key", flat=True)
    )
    assert spanish.status == Article.Status.DRAFT and author in spanish.authors.all()
    assert WorkflowEvent.objects.filter(article=source, action="translation_start").exists()


def test_translation_is_refused_for_unapproved_text_a_second_time_and_for_readers(published, author):
    reader_user = UserFactory(username="just-a-reader")
    with pytest.raises(PermissionDenied):
        translations.translation_create(published.article, acting_user=reader_user, language="es")
    translations.translation_create(published.article, acting_user=author, language="es")
    with pytest.raises(ValidationError, match="already has a translation"):
        translations.translation_create(published.article, acting_user=author, language="es", slug="other")
    with pytest.raises(ValidationError, match="not one of the site's languages"):
        translations.translation_create(published.article, acting_user=author, language="xx")
    draft = Article.objects.create(slug="never-approved", title="T", condition="C")
    with pytest.raises(ValidationError, match="no approved revision"):
        translations.translation_create(draft, acting_user=author, language="es")


def test_only_a_reviewer_who_reads_the_language_can_approve_it(published, author, reviewer, spanish_reviewer):
    spanish = translate(published.article, author)
    review_services.article_submit(spanish, acting_user=author)
    with pytest.raises(ReviewPermissionError, match="does not review in Spanish"):
        review_services.review_claim(spanish, acting_user=reviewer)
    review_services.review_claim(spanish, acting_user=spanish_reviewer)
    review_services.review_approve(spanish, acting_user=spanish_reviewer)
    spanish.refresh_from_db()
    assert spanish.status == Article.Status.APPROVED
    assert spanish.last_approved_hash != published.article.last_approved_hash  # bound to its own text


def test_a_translation_must_keep_the_sources_references_and_citations(published, author):
    spanish = translate(published.article, author)
    edit(spanish, author=author, summary="Sin citas.", body="## Dosis\n\n- Texto sin citas.")
    with pytest.raises(ContentCheckFailed, match="must cite what the source cites"):
        review_services.article_submit(spanish, acting_user=author)


def test_the_spanish_page_lives_at_its_language_address_with_hreflang_both_ways(client, live_translation, published):
    spanish_path = "/es/articles/tratamiento-cmv/"
    response = client.get(spanish_path)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="es" dir="ltr">' in html
    assert "Casi siempre se empieza" in html
    assert "Última actualización" in html and "Last updated" not in html  # the chrome is Spanish
    assert re.search(r'hreflang="en" href="[^"]*/articles/cmv-treatment/"', html)
    assert re.search(r'hreflang="es" href="[^"]*/es/articles/tratamiento-cmv/"', html)
    assert re.search(r'hreflang="x-default" href="[^"]*/articles/cmv-treatment/"', html)
    data = _jsonld(html)
    assert data["inLanguage"] == "es"
    assert data["translationOfWork"]["@id"].endswith("/articles/cmv-treatment/")
    # The English page was re-rendered when the translation went live and now links to it.
    english = client.get("/articles/cmv-treatment/").content.decode()
    assert '<html lang="en" dir="ltr">' in english
    assert 'hreflang="es"' in english and "/es/articles/tratamiento-cmv/" in english
    assert StoredPage.objects.filter(path=spanish_path).exists()
    for_patient = client.get("/es/articles/tratamiento-cmv/for/patient/")
    assert for_patient.status_code == 200 and '<html lang="es"' in for_patient.content.decode()


def test_a_translation_at_the_wrong_language_address_redirects_to_its_own(client, live_translation):
    response = client.get("/articles/tratamiento-cmv/")
    assert response.status_code == 301 and response["Location"] == "/es/articles/tratamiento-cmv/"
    response = client.get("/es/articles/cmv-treatment/")
    assert response.status_code == 301 and response["Location"] == "/articles/cmv-treatment/"


def test_an_approved_source_change_marks_the_translation_out_of_date_and_the_page_says_so(
    client, live_translation, published, author, reviewer, django_capture_on_commit_callbacks
):
    source = published.article
    before = client.get("/es/api/articles/tratamiento-cmv/")
    assert before.json()["newer_source"] is None
    assert {item["language"] for item in before.json()["languages"]} == {"en", "es"}
    etag_before = before["ETag"]
    edit(source, author=author, summary=source.summary + " Ask your care team about blood tests.")
    with django_capture_on_commit_callbacks(execute=True):  # the re-render and purge after the approval commits
        approve(source, author=author, reviewer=reviewer)
    spanish = live_translation.article
    spanish.refresh_from_db()
    assert spanish.translation_out_of_date and not spanish.source_change_significant
    assert WorkflowEvent.objects.filter(article=spanish, action="translation_out_of_date").exists()
    html = client.get("/es/articles/tratamiento-cmv/").content.decode()
    assert "translation-notice" in html and 'href="/articles/cmv-treatment/"' in html
    assert "revisada por nuestro consejo, en inglés." in html  # the language named as Spanish names it
    # The API says so too, with a new ETag (the cached copy from before the change is not served).
    api = client.get("/es/api/articles/tratamiento-cmv/")
    newer = api.json()["newer_source"]
    assert newer["language"] == "en" and newer["url"] == settings.SITE_URL.rstrip("/") + "/articles/cmv-treatment/"
    assert api["ETag"] != etag_before
    # The source diff since the translation's base shows the change.
    diff = translations.translation_source_diff(spanish, audience_names={})
    assert diff is not None and diff.has_changes
    # Bringing it up to date clears the mark and records the new base.
    spanish = translations.translation_rebase(spanish, acting_user=author)
    spanish.refresh_from_db()
    assert not spanish.translation_out_of_date
    assert spanish.translation_base_revision_id == source.last_approved_revision_id


def test_a_dose_change_flags_the_translation_by_default(live_translation, published, author, reviewer):
    source = published.article
    edit(source, author=author, body=source.body.replace("900 mg", "450 mg"))
    approve(source, author=author, reviewer=reviewer)
    spanish = live_translation.article
    spanish.refresh_from_db()
    assert spanish.source_change_significant
    live_translation.refresh_from_db()
    assert live_translation.state == Publication.State.LIVE  # flag, not withdraw: the editor decides


@override_settings(TRANSLATION_ON_SIGNIFICANT_CHANGE="withdraw")
def test_a_dose_change_withdraws_the_translation_when_set_to(client, live_translation, published, author, reviewer):
    source = published.article
    edit(source, author=author, body=source.body.replace("900 mg", "450 mg"))
    approve(source, author=author, reviewer=reviewer)
    live_translation.refresh_from_db()
    assert live_translation.state == Publication.State.WITHDRAWN
    assert client.get("/es/articles/tratamiento-cmv/").status_code == 410


def test_the_spanish_page_costs_the_same_queries_as_the_english_one(
    client, live_translation, django_assert_max_num_queries
):
    client.get("/es/articles/tratamiento-cmv/")  # stored
    with django_assert_max_num_queries(1):
        assert client.get("/es/articles/tratamiento-cmv/").status_code == 200


# --- the studio and the desk --------------------------------------------------


def test_an_author_starts_a_translation_from_the_studio_and_sees_its_source(client, published, author):
    client.force_login(author)
    html = client.get(f"/studio/{published.article.slug}/").content.decode()
    assert 'id="languages"' in html and 'value="es"' in html
    response = client.post(f"/studio/{published.article.slug}/translations/new/", {"language": "es", "slug": "cmv-es"})
    assert response.status_code == 302 and response["Location"] == "/studio/cmv-es/"
    html = client.get("/studio/cmv-es/").content.decode()
    assert "translation of an article written in English" in html
    # Readability in Spanish terms: Fernández Huerta's ease, never an English grade for Spanish text.
    edit(Article.objects.get(slug="cmv-es"), author=author, summary=SPANISH_SUMMARY)
    html = client.get("/studio/cmv-es/").content.decode()
    assert "Fernández Huerta" in html and "data-readability-grade" not in html
    # Twice is refused with the reason, and nothing is created.
    response = client.post(f"/studio/{published.article.slug}/translations/new/", {"language": "es"}, follow=True)
    assert "already has a translation" in response.content.decode()
    assert Article.objects.filter(translation_of=published.article).count() == 1


def test_the_studio_shows_the_source_diff_of_an_out_of_date_translation(
    client, live_translation, published, author, reviewer
):
    source = published.article
    edit(source, author=author, summary=source.summary + " Ask about blood tests.")
    approve(source, author=author, reviewer=reviewer)
    client.force_login(author)
    html = client.get("/studio/tratamiento-cmv/").content.decode()
    assert "Out of date:" in html and "content-diff" in html and "Ask about blood tests." in html
    response = client.post("/studio/tratamiento-cmv/translations/up-to-date/")
    assert response.status_code == 302
    assert not Article.objects.get(slug="tratamiento-cmv").translation_out_of_date


def test_the_desk_lists_out_of_date_translations_for_editors_only(
    client, live_translation, published, author, reviewer, editor
):
    client.force_login(editor)
    assert "Every translation is made from" in client.get("/publishing/translations/").content.decode()
    source = published.article
    edit(source, author=author, summary=source.summary + " Ask about blood tests.")
    approve(source, author=author, reviewer=reviewer)
    html = client.get("/publishing/translations/").content.decode()
    assert "¿Cuál es el tratamiento" in html
    client.force_login(author)
    assert client.get("/publishing/translations/").status_code == 403


def test_the_desks_translation_list_is_flat(client, published, author, reviewer, spanish_reviewer, editor):
    from tests.scale.helpers import assert_flat

    spanish = translate(published.article, author)
    spanish.source_changed_at = spanish.created_at
    spanish.save(update_fields=["source_changed_at"])
    client.force_login(editor)

    def grow():
        for n in range(3):
            other = make_article(author=author, slug=f"other-{n}")
            approve(other, author=author, reviewer=reviewer)
            extra = translations.translation_create(other, acting_user=author, language="es")
            Article.objects.filter(pk=extra.pk).update(source_changed_at=extra.created_at)

    assert_flat(client, "/publishing/translations/", grow, expect_more=lambda body: "other-2-es" in body)


# --- the sitemap and the static export ---------------------------------------


def test_the_sitemap_lists_each_language_with_its_alternates(client, live_translation):
    xml = client.get("/sitemap-articles-1.xml").content.decode()
    assert 'xmlns:xhtml="http://www.w3.org/1999/xhtml"' in xml
    assert re.search(r"<loc>[^<]*/es/articles/tratamiento-cmv/</loc>", xml)
    english = re.search(r"<url><loc>[^<]*/articles/cmv-treatment/</loc>.*?</url>", xml).group(0)
    assert re.search(r'hreflang="es" href="[^"]*/es/articles/tratamiento-cmv/"', english)
    assert re.search(r'hreflang="x-default" href="[^"]*/articles/cmv-treatment/"', english)
    assert client.get("/es/sitemap.xml").status_code == 404  # one sitemap for every language


def test_the_static_export_holds_every_language(live_translation, tmp_path, settings):
    from publishing.export import export_site

    settings.STATIC_ROOT = str(tmp_path / "collected")
    export_site(tmp_path / "site", static=False)
    site = tmp_path / "site"
    spanish = (site / "es/articles/tratamiento-cmv/index.html").read_text()
    assert '<html lang="es"' in spanish
    assert (site / "es/articles/tratamiento-cmv/for/patient/index.html").exists()
    assert (site / "es/api/articles/tratamiento-cmv/index.json").exists()
    assert (site / "articles/cmv-treatment/index.html").exists()
    assert not (site / "articles/tratamiento-cmv").exists()


def test_a_spanish_reader_finds_the_spanish_page_first_from_search(client, live_translation):
    html = client.get("/es/search/", {"q": "tratamiento CMV"}).content.decode()
    assert '<html lang="es"' in html
    links = re.findall(r'href="(/(?:es/)?articles/[^"]+)"', html)
    assert links and links[0] == "/es/articles/tratamiento-cmv/", links
    # An English reader's search still reaches the English page first.
    english = client.get("/search/", {"q": "CMV treatment"}).content.decode()
    assert re.findall(r'href="(/(?:es/)?articles/[^"]+)"', english)[0] == "/articles/cmv-treatment/"


# --- furniture per language ------------------------------------------------------


def test_a_spanish_page_shows_the_spanish_disclaimer_and_audience_names(
    client, published, author, spanish_reviewer, editor
):
    from django.utils import timezone

    from publishing.models import Disclaimer

    Disclaimer.objects.create(
        name="Antes de usar esta información",
        text="Hable con su médico antes de cambiar un medicamento.",
        language="es",
        effective_from=timezone.now() - dt.timedelta(minutes=5),
    )
    spanish = translate(published.article, author)
    approve(spanish, author=author, reviewer=spanish_reviewer)
    request_and_publish(spanish, editor=editor)
    general = client.get("/es/articles/tratamiento-cmv/").content.decode()
    assert "Antes de usar esta información" in general and "disclaimer__fallback" not in general
    assert "Paciente" in general and "Profesional sanitario" in general  # the choice in Spanish
    # The professional audience has its own disclaimer only in English: shown, in English, with a notice.
    professional = client.get("/es/articles/tratamiento-cmv/for/professional/").content.decode()
    assert "For healthcare professionals." in professional
    assert "disclaimer__fallback" in professional and 'lang="en"' in professional
    # English pages are untouched by the Spanish disclaimer.
    english = client.get("/articles/cmv-treatment/").content.decode()
    assert "Antes de usar" not in english and "Paciente" not in english


def test_a_new_disclaimer_is_proposed_in_a_language_and_reaches_only_that_languages_pages(editor, reviewer):
    from publishing.models import Disclaimer, FurnitureChange
    from publishing.services import furniture_change_approve, furniture_change_propose

    change = furniture_change_propose(
        acting_user=editor,
        kind=FurnitureChange.Kind.DISCLAIMER,
        language="es",
        values={"name": "Aviso", "text": "Texto del aviso."},
    )
    furniture_change_approve(change, acting_user=reviewer)
    assert Disclaimer.objects.get(name="Aviso").language == "es"
    with pytest.raises(Exception, match="not one of the site's languages"):
        furniture_change_propose(
            acting_user=editor, kind=FurnitureChange.Kind.DISCLAIMER, language="xx", values={"name": "A", "text": "B"}
        )


def test_an_outside_reviewer_invited_to_a_translation_may_approve_it(published, author, editor):
    from review.invitations import invitation_create

    spanish = translate(published.article, author)
    review_services.article_submit(spanish, acting_user=author)
    invitation = invitation_create(
        spanish,
        acting_user=editor,
        email="farmaceutica@example.org",
        name="Dra. Inés Vidal",
        credentials="PharmD",
        voting=True,
        expires_on=dt.date.today() + dt.timedelta(days=10),
    )
    assert invitation.member.reads("es")  # invited for this Spanish article, by an editor
    assert review_services.workflow.ineligibility_reason(invitation.member, spanish, user=invitation.member.user) == ""


def test_each_language_has_its_own_index_and_names_the_others(client, live_translation):
    english = client.get("/").content.decode()
    assert 'href="/articles/cmv-treatment/"' in english and "tratamiento-cmv" not in english
    assert '<a href="/es/" hreflang="es">1 article in Spanish</a>' in english
    spanish = client.get("/es/").content.decode()
    assert 'href="/es/articles/tratamiento-cmv/"' in spanish and "cmv-treatment" not in spanish
    with translation.override("es"):
        also = gettext("Also published:")
        english_count = ngettext("%(count)s article in %(name)s", "%(count)s articles in %(name)s", 1) % {
            "count": 1,
            "name": "inglés",
        }
    assert also in spanish and f'<a href="/" hreflang="en">{english_count}</a>' in spanish
    # A letter narrows the reader's language only: C has the Spanish article at /es/, and none at / for Spanish.
    assert "tratamiento-cmv" in client.get("/es/?letter=C").content.decode()
    assert "tratamiento-cmv" not in client.get("/?letter=C").content.decode()


def test_lists_link_each_article_at_its_own_languages_address(client, live_translation):
    api = client.get("/api/articles/").json()
    spanish = next(item for item in api["results"] if item["slug"] == "tratamiento-cmv")
    assert spanish["language"] == "es" and spanish["url"].endswith("/es/articles/tratamiento-cmv/")
    # One feed per language, each entry at its own address.
    feed = client.get("/es/feed/").content.decode()
    assert (
        'xml:lang="es"' in feed and "/es/articles/tratamiento-cmv/" in feed and "/articles/cmv-treatment/" not in feed
    )
    english = client.get("/feed/").content.decode()
    assert 'xml:lang="en-us"' in english and "/articles/cmv-treatment/" in english and "tratamiento-cmv" not in english


def test_pages_only_in_the_source_language_say_so_under_another_language(client, published):
    from publishing.models import EditorialPolicy
    from publishing.pages import site_addresses

    EditorialPolicy.objects.create(title="How we work", body="Every article is reviewed.")
    for path, notice in (
        ("/es/editorial-policy/", "no está disponible en este idioma"),
        ("/es/board/", "Algunas entradas aún no están disponibles en este idioma"),
    ):
        html = client.get(path).content.decode()
        assert '<html lang="es"' in html and notice in html, path
    policy = client.get("/es/editorial-policy/").content.decode()
    assert '<h1 lang="en">How we work</h1>' in policy
    english = client.get("/editorial-policy/").content.decode()
    assert "not yet available" not in english and 'lang="en">How we work' not in english
    # A change to the policy purges the Spanish copies too.
    assert {"/es/editorial-policy/", "/es/board/", "/es/"} <= set(site_addresses())


def test_each_languages_copy_of_a_list_is_cached_with_its_own_links(client, live_translation):
    assert "/es/feed/" not in client.get("/feed/").content.decode()  # English first, into the cache
    spanish_feed = client.get("/es/feed/").content.decode()
    assert "/es/feed/" in spanish_feed  # its own self link
    assert "/es/feed/" not in client.get("/feed/").content.decode()
    detail = client.get("/api/articles/tratamiento-cmv/").json()
    assert detail["language"] == "es" and detail["url"].endswith("/es/articles/tratamiento-cmv/")
    english = client.get("/es/api/articles/cmv-treatment/").json()
    assert english["language"] == "en" and english["url"].endswith("/articles/cmv-treatment/")
    assert "/es/" not in english["url"]


def test_a_translation_pins_no_english_glossary_definitions(published, author, spanish_reviewer):
    from articles.content import content_from_article
    from articles.selectors import glossary_snapshot
    from tests.factories import make_glossary_term

    make_glossary_term("valganciclovir", "An antiviral medicine taken by mouth.")
    assert glossary_snapshot(content_from_article(published.article))  # the English text uses the term
    spanish = translate(published.article, author)  # its text still names valganciclovir
    review_services.article_submit(spanish, acting_user=author)
    assert spanish.review_rounds.get().glossary == []


def test_the_api_list_gives_one_languages_articles_on_request(client, live_translation):
    everything = client.get("/api/articles/").json()
    assert {item["language"] for item in everything["results"]} == {"en", "es"} and everything["language"] is None
    spanish = client.get("/api/articles/?language=es").json()
    assert [item["slug"] for item in spanish["results"]] == ["tratamiento-cmv"]
    assert spanish["count"] == 1 and spanish["language"] == "es" and spanish["first"].endswith("?language=es")
    english = client.get("/es/api/articles/?language=en").json()
    assert "tratamiento-cmv" not in {item["slug"] for item in english["results"]} and english["count"] >= 1
    refused = client.get("/api/articles/?language=xx")
    assert refused.status_code == 400 and "'xx' is not one of this site's" in refused.json()["error"]


def test_the_api_list_of_one_language_pages_by_cursor_and_keeps_the_filter(
    client, live_translation, author, editor, spanish_reviewer, monkeypatch
):
    from publishing import api

    extra = make_article(author=author, slug="otro", title="¿Qué tratamiento tiene el herpes zóster?", language="es")
    approve(extra, author=author, reviewer=spanish_reviewer)
    request_and_publish(extra, editor=editor)
    monkeypatch.setattr(api, "PAGE_SIZE", 1)
    first = client.get("/api/articles/?language=es").json()
    assert [item["slug"] for item in first["results"]] == ["tratamiento-cmv"]
    assert "?language=es&cursor=" in first["next"]
    second = client.get(first["next"].split("testserver", 1)[-1]).json()
    assert [item["slug"] for item in second["results"]] == ["otro"] and second["next"] is None
