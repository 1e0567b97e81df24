"""The article page as readers see it: every element, audiences, caching, withdrawal."""

from __future__ import annotations

import json
import re

import pytest

from publishing import services
from tests.publishing.publish_helpers import approve, edit, request_and_publish, run_publish
from tests.publishing.reader_fixtures import *  # noqa: F403 (fixtures)

pytestmark = pytest.mark.django_db

URL = "/articles/cmv-treatment/"


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _jsonld(html: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "no JSON-LD script on the page"
    return json.loads(match.group(1))


def test_published_page_shows_every_element_top_to_bottom(client, published, reviewer):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    text = _text(html)
    assert '<h1 id="article-title">What is the treatment for CMV infection?</h1>' in html
    assert 'href="/board/"' in html
    assert "Medical Advisory Board — all articles are reviewed for accuracy by our Medical Advisory Board" in text
    assert "Educational purpose only" in text
    assert "pending human review" not in text
    assert "Article Review Status" in text
    stepper = re.search(r'<ol class="stepper">(.*?)</ol>', html, re.S).group(1)
    assert [s for s in ("Submitted", "Under Review", "Approved") if s in stepper] == [
        "Submitted",
        "Under Review",
        "Approved",
    ]
    current = re.findall(r'<li class="[^"]*"\s*aria-current="step">.*?</li>', stepper, re.S)
    assert len(current) == 1 and "Approved" in current[0]
    assert "Last updated" in text and 'href="/editorial-policy/"' in html and "View editorial policy" in text
    assert "Medically reviewed by Dr. Rita Reviewer , MD, Infectious Diseases on" in text
    assert "Next review due" in text
    assert "Help us tailor your experience" in text
    assert "Which best describes you?" in text
    assert "Your choice helps us use language that's most understandable for you." in text
    for slug in ("patient", "caregiver", "professional", "student"):
        assert f'name="for" value="{slug}"' in html
    assert "Showing the version for: General readers" in text
    assert '<div class="bottom-line__text">' in html and "Ganciclovir by vein or valganciclovir" in text
    assert "From the FDA drug label" in text and "Dosing" in text
    assert '<sup class="citation">' in html
    assert "References" in text and "pubmed.ncbi.nlm.nih.gov/29596116" in html and "doi.org/10.1097" in html
    assert "Guideline" in text and "FDA drug label" in text
    assert "About this information" in text and "For education only." in text
    assert "Have a follow-up question?" in text and "csrfmiddlewaretoken" not in html
    assert "Changes to this article" in text and "First published after board review." in text
    # Order on the page follows the seed.
    order = [
        "article-title",
        "Medical Advisory Board",
        "Educational purpose only",
        "Article Review Status",
        "Last updated",
        "Medically reviewed by",
        "Help us tailor your experience",
        "bottom-line__text",
        "references-title",
        "disclaimer-title",
        "Have a follow-up question?",
        "Changes to this article",
    ]
    position = html.index("<main")
    for marker in order:
        position = html.index(marker, position)  # raises if an element is missing or out of order
    assert "Cookie" not in response.get("Vary", "") and not response.cookies
    assert '<meta name="robots" content="noindex">' not in html


def test_provisional_page_shows_the_caution_banner_and_real_stage(
    client, article, author, reviewer, editor, disclaimers, settings
):
    settings.PROVISIONAL_PUBLISHING = True
    from review import services as review_services

    review_services.article_submit(article, acting_user=author)
    run_publish(services.publication_request_provisional(article, acting_user=editor))
    html = client.get(URL).content.decode()
    text = _text(html)
    assert "Exercise caution as content is pending human review" in text
    assert '<meta name="robots" content="noindex">' in html
    current = re.findall(r'<li class="[^"]*"\s*aria-current="step">.*?</li>', html, re.S)
    assert len(current) == 1 and "Submitted" in current[0]
    assert "Medically reviewed by" not in text


def test_approved_page_has_no_caution_banner(client, published):
    assert "pending human review" not in client.get(URL).content.decode()


def test_audience_from_query_shows_that_variant_and_its_disclaimer(client, published):
    patient = _text(client.get(URL + "for/patient/").content.decode())
    assert "Most people take an antiviral medicine called valganciclovir" in patient
    assert "Showing the version for: Patient" in patient
    professional = _text(client.get(URL + "for/professional/").content.decode())
    assert "Professional Medical Disclaimer" in professional and "For healthcare professionals." in professional
    assert "Most people take an antiviral medicine" not in professional


def test_missing_variant_falls_back_to_default_text(client, published):
    caregiver = _text(client.get(URL + "for/caregiver/").content.decode())
    assert "Ganciclovir by vein or valganciclovir by mouth is the usual first treatment" in caregiver
    assert "Showing the version for: Caregiver" in caregiver


def test_personalise_form_sets_cookie_and_redirects_back(client, live_site):
    url, personalise = live_site.article_url, live_site.url("/personalise/")
    html = client.get(url).content.decode()
    assert f'action="{personalise}"' in html and f'name="next" value="{url}"' in html  # the page's own language
    response = client.get(personalise, {"for": "patient", "next": url})
    assert response.status_code == 302 and response["Location"] == url + "for/patient/"
    assert response.cookies["vetted_audience"].value == "patient"
    assert "private" in response["Cache-Control"]
    # The plain address now sends this reader to their version, privately.
    again = client.get(url)
    assert again.status_code == 302 and again["Location"] == url + "for/patient/"
    assert "private" in again["Cache-Control"]
    followed = client.get(url, follow=True)
    assert followed.redirect_chain == [(url + "for/patient/", 302)]
    assert 'value="patient" checked' in followed.content.decode()
    # Another choice from an audience's page goes to that audience's version, in the same language.
    switched = client.get(personalise, {"for": "professional", "next": url + "for/patient/"})
    assert switched["Location"] == url + "for/professional/"
    # Clearing the choice goes back to the general version.
    cleared = client.get(personalise, {"for": "", "next": url + "for/patient/"})
    assert cleared["Location"] == url
    assert 'value="" checked' in client.get(url).content.decode()


def test_the_audience_choice_is_in_the_pages_language(client, live_translation):
    text = _text(client.get("/es/articles/tratamiento-cmv/for/patient/").content.decode())
    assert "Which best describes you?" not in text and "Show this version" not in text
    english = _text(client.get(URL + "for/patient/").content.decode())
    assert "Which best describes you?" in english


def test_personalise_never_redirects_off_site(client, db):
    response = client.get("/personalise/", {"for": "patient", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_cached_page_never_crosses_audiences(client, published, django_assert_max_num_queries):
    first_patient = client.get(URL + "for/patient/").content.decode()
    assert "Most people take an antiviral medicine" in first_patient
    # The patient page is now cached; other audiences must still get their own.
    professional = client.get(URL + "for/professional/").content.decode()
    assert "Most people take an antiviral medicine" not in professional
    assert "Professional Medical Disclaimer" in professional
    default = client.get(URL).content.decode()
    assert "Most people take an antiviral medicine" not in default and "Professional Medical" not in default
    # Served again from the cache, each stays its own.
    with django_assert_max_num_queries(0):  # answered by the fast path from the page cache
        again = client.get(URL + "for/patient/").content.decode()
    assert "Most people take an antiviral medicine" in again and "Professional Medical" not in again
    cookie_client = client.__class__()
    cookie_client.cookies["vetted_audience"] = "professional"
    via_cookie = cookie_client.get(URL, follow=True).content.decode()
    assert "Professional Medical Disclaimer" in via_cookie and "Most people take" not in via_cookie


def test_every_visitor_gets_the_same_bytes_and_no_cookie(client, live_site, editor):
    other = client.__class__()
    other.force_login(editor)
    first = client.get(live_site.article_url)
    second = other.get(live_site.article_url)  # a signed-in editor: no staff navigation, no token in the shared page
    assert first.content == second.content
    for response in (first, second):
        assert not response.cookies and "Cookie" not in response.get("Vary", "")
        assert "csrfmiddlewaretoken" not in response.content.decode() and "Sign out" not in response.content.decode()
    assert 'href="/accounts/home/"' in first.content.decode()  # the way to the staff side


def test_old_for_links_redirect_to_the_audience_address_and_remember_it(client, live_site):
    url = live_site.article_url
    response = client.get(url, {"for": "patient"})
    assert response.status_code == 302 and response["Location"] == url + "for/patient/"
    assert response.cookies["vetted_audience"].value == "patient" and "private" in response["Cache-Control"]
    assert client.get(url + "for/nobody/").status_code == 404


def test_new_publication_replaces_the_cached_page(
    client, published, article, author, reviewer, editor, django_capture_on_commit_callbacks
):
    assert "Ganciclovir by vein" in client.get(URL).content.decode()
    edit(article, author=author, summary="Valganciclovir by mouth is now the usual first treatment [@kotton2018].")
    approve(article, author=author, reviewer=reviewer)
    publication = services.publication_request(article, acting_user=editor, change_summary="Updated dosing advice.")
    with django_capture_on_commit_callbacks(execute=True):
        run_publish(publication)
    html = client.get(URL).content.decode()
    text = _text(html)
    assert "Valganciclovir by mouth is now the usual first treatment" in text
    assert "Updated dosing advice." in text and "First published after board review." in text


def test_jsonld_parses_and_describes_the_medical_page(client, published):
    html = client.get(URL + "for/professional/").content.decode()
    data = _jsonld(html)
    assert data["@id"] == data["url"] == "http://testserver/articles/cmv-treatment/for/professional/" or data[
        "url"
    ].endswith("/articles/cmv-treatment/for/professional/")
    assert f'<link rel="canonical" href="{data["url"]}">' in html
    assert f'<meta property="og:url" content="{data["url"]}">' in html and 'name="twitter:card"' in html
    assert data["@type"] == "MedicalWebPage"
    assert data["name"] == "What is the treatment for CMV infection?"
    assert data["about"]["@type"] == "MedicalCondition" and data["about"]["name"] == "Cytomegalovirus (CMV) infection"
    assert data["aspect"] == "treatment"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", data["lastReviewed"])
    reviewer = data["reviewedBy"][0]
    assert reviewer["@type"] == "Person" and reviewer["name"] == "Dr. Rita Reviewer"
    assert reviewer["hasCredential"]["name"] == "MD, Infectious Diseases"
    assert data["datePublished"] and data["dateModified"]
    assert data["audience"] == {
        "@type": "MedicalAudience",
        "audienceType": "Clinician",
        "name": "Healthcare professional",
    } or (data["audience"]["audienceType"] == "Clinician")
    assert len(data["citation"]) == 3
    assert any(c.get("identifier", [{}])[0].get("value") == "29596116" for c in data["citation"])
    assert data["publishingPrinciples"].endswith("/editorial-policy/")
    assert _jsonld(client.get(URL + "for/patient/").content.decode())["audience"]["@type"] == "Patient"


def test_jsonld_cannot_break_out_of_its_script(client, article, author, reviewer, editor, disclaimers):
    edit(article, author=author, title="Is </script><script>alert(1)</script> & more safe?")
    approve(article, author=author, reviewer=reviewer)
    request_and_publish(article, editor=editor)
    html = client.get(URL).content.decode()
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "<" not in script and ">" not in script and "&" not in script
    assert "<script>alert(1)" not in html
    assert json.loads(script)["name"] == "Is </script><script>alert(1)</script> & more safe?"


def test_provenance_json_lists_authors_reviewers_and_hash(client, live_site):
    publication = live_site.publication
    data = client.get(live_site.article_url + "provenance.json").json()
    reviewer = "Dr. Rita Reviewer" if live_site.language == "en" else "Dra. Lucía Ferrer"
    assert data["authors"] and data["reviewers"][0]["name"] == reviewer
    assert data["content_hash"] == publication.content_hash
    assert data["revision_id"] == publication.revision_id
    assert {d["audience"] for d in data["disclaimers"]} >= {None, "professional"}
    assert data["url"].endswith(live_site.article_url)
    assert data["editorial_policy"].endswith(live_site.url("/editorial-policy/"))


def test_provenance_at_another_languages_address_redirects_to_its_own_like_the_page(client, live_translation):
    for wrong, right in (
        ("/articles/tratamiento-cmv/provenance.json", "/es/articles/tratamiento-cmv/provenance.json"),
        ("/es/articles/cmv-treatment/provenance.json", "/articles/cmv-treatment/provenance.json"),
    ):
        response = client.get(wrong)
        assert response.status_code == 301 and response["Location"] == right, wrong
        assert client.get(right).status_code == 200


def test_draft_and_unpublished_articles_are_404_everywhere(client, article):
    for url in (URL, URL + "provenance.json", "/api/articles/cmv-treatment/"):
        assert client.get(url).status_code == 404, url


def test_approved_but_not_published_article_is_404(client, article, author, reviewer):
    approve(article, author=author, reviewer=reviewer)
    assert client.get(URL).status_code == 404


def test_withdrawn_with_notice_shows_the_reason_with_410(client, live_site, editor, django_capture_on_commit_callbacks):
    url = live_site.article_url
    for path in (url, url + "provenance.json", live_site.url(f"/api/articles/{live_site.slug}/")):
        assert client.get(path).status_code == 200, path  # warm the cache
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_withdraw(
            live_site.publication.article,
            acting_user=editor,
            reason="Dosing advice is being corrected.",
            mode="notice",
        )
    response = client.get(url)
    assert response.status_code == 410
    text = _text(response.content.decode())
    assert "Dosing advice is being corrected." in text
    assert f'<html lang="{live_site.language}"' in response.content.decode()  # the notice in the page's language
    assert "Ganciclovir by vein" not in text and "Casi siempre se empieza" not in text
    assert client.get(url + "provenance.json").status_code == 404
    assert client.get(live_site.url(f"/api/articles/{live_site.slug}/")).status_code == 404


def test_withdrawn_with_remove_is_404(client, live_site, editor, django_capture_on_commit_callbacks):
    url = live_site.article_url
    client.get(url + "for/patient/")  # warm the cache
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_withdraw(
            live_site.publication.article, acting_user=editor, reason="Out of date.", mode="remove"
        )
    assert client.get(url + "for/patient/").status_code == 404
    assert client.get(url).status_code == 404


def test_a_draft_edit_never_reaches_the_live_page(client, live_site, author):
    edit(live_site.publication.article, author=author, summary="UNREVIEWED DRAFT TEXT [@kotton2018].")
    for audience in (None, "patient", "professional"):
        address = live_site.audience_url(audience) if audience else live_site.article_url
        assert "UNREVIEWED DRAFT TEXT" not in client.get(address).content.decode()


def test_article_page_refuses_other_methods(client, live_site):
    assert client.put(live_site.article_url).status_code == 405
    assert client.post(live_site.audience_url("patient")).status_code == 405


def test_plain_language_page_explains_glossary_terms_without_javascript(
    client, article, author, reviewer, editor, disclaimers
):
    from tests.factories import make_glossary_term

    # Editors keep the glossary, the board approves it; the patient version reads the default body ("CMV retinitis").
    make_glossary_term("retinitis", "Swelling at the back of the eye that harms sight.")
    approve(article, author=author, reviewer=reviewer)
    request_and_publish(article, editor=editor)

    page = client.get(URL + "for/patient/").content.decode()
    # First use: a link to the definition, with the explanation as the abbreviation's title.
    assert (
        '<a class="glossary-term" href="#glossary-retinitis">'
        '<abbr title="Swelling at the back of the eye that harms sight.">retinitis</abbr></a>'
    ) in page
    # The explanation itself is plain HTML in the page (no script needed to read it).
    words = page.split('<section class="glossary"')[1].split("</section>")[0]
    assert "Words explained" in words
    assert re.search(
        r'<dt><dfn id="glossary-retinitis">retinitis</dfn></dt>\s*'
        r"<dd>Swelling at the back of the eye that harms sight\.</dd>",
        words,
    )
    # Professionals read the term as written.
    professional = client.get(URL + "for/professional/").content.decode()
    assert "glossary-retinitis" not in professional and "Words explained" not in professional
