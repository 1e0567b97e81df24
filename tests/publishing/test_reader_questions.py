"""Follow-up questions and problem reports from the article page."""

from __future__ import annotations

import pytest
from django.core import mail

from publishing.models import ReaderMessage
from tests import factories
from tests.publishing.reader_fixtures import *  # noqa: F403 (fixtures)

pytestmark = pytest.mark.django_db

URL = "/articles/cmv-treatment/question/"


def _post(client, **data):
    payload = {"kind": "question", "message": "Can I take it with food?", "name": "", "email": "", "website": ""}
    payload.update(data)
    return client.post(URL, payload, REMOTE_ADDR=data.pop("ip", "203.0.113.7"))


def test_valid_question_is_stored_and_editors_are_emailed(client, published, django_capture_on_commit_callbacks):
    factories.UserFactory(username="eda", email="eda@example.org", groups=["Editors"])
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, name="Sam", email="sam@example.org", kind="problem")
    assert response.status_code == 303 and response["Location"] == "/articles/cmv-treatment/question/sent/"
    message = ReaderMessage.objects.get()
    assert message.article == published.article and message.kind == "problem"
    assert message.message == "Can I take it with food?" and message.email == "sam@example.org"
    assert message.state == "open" and message.ip_hash and "203.0.113.7" not in message.ip_hash
    # One message per editor (they never see each other's addresses), text and HTML.
    addresses = [m.to[0] for m in mail.outbox]
    assert len(addresses) == len(set(addresses)) and set(addresses) >= {"eda@example.org", "editors@example.org"}
    assert all(len(m.to) == 1 for m in mail.outbox)
    assert "Can I take it with food?" in mail.outbox[0].body
    html, mimetype = mail.outbox[0].alternatives[0]
    assert mimetype == "text/html" and "Can I take it with food?" in html
    page = client.get(response["Location"]).content.decode()
    assert "Your message has reached our editors" in page


def test_question_remembers_the_readers_audience(client, published):
    client.cookies["vetted_audience"] = "patient"
    _post(client)
    assert ReaderMessage.objects.get().audience.slug == "patient"


def test_question_from_a_query_audience_records_it(client, published):
    page = client.get("/articles/cmv-treatment/for/professional/").content.decode()
    assert 'name="audience" value="professional"' in page
    client.post(URL, {"kind": "question", "message": "Renal dosing?", "audience": "professional"})
    assert ReaderMessage.objects.get().audience.slug == "professional"


def test_empty_message_gets_a_clear_error_and_keeps_the_text(client, published):
    response = _post(client, message="   ", name="Keep my name", email="not-an-email")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Write your question or describe the problem before sending." in html
    assert "That email address does not look right" in html
    assert 'value="Keep my name"' in html
    assert "What is the treatment for CMV infection?" in html  # the form's own page, naming the article
    assert ReaderMessage.objects.count() == 0


def test_too_long_message_is_refused_with_the_limit(client, published):
    response = _post(client, message="x" * 2001)
    assert response.status_code == 400 and "keep it under 2000 characters" in response.content.decode()
    assert "x" * 2001 in response.content.decode()  # the reader's text is kept
    assert ReaderMessage.objects.count() == 0


def test_rate_limit_per_ip_returns_429(client, published, settings):
    settings.QUESTION_RATE_LIMIT = 2
    assert _post(client).status_code == 303
    assert _post(client).status_code == 303
    blocked = _post(client, message="third one")
    assert blocked.status_code == 429
    assert "Please try again in an hour" in blocked.content.decode()
    assert "third one" in blocked.content.decode()
    assert ReaderMessage.objects.count() == 2
    assert _post(client, ip="198.51.100.9").status_code == 303  # another address is not blocked


def test_honeypot_is_silently_accepted_but_not_stored(client, published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, website="http://spam.example/")
    assert response.status_code == 303
    assert ReaderMessage.objects.count() == 0 and len(mail.outbox) == 0


def test_question_from_another_site_is_refused(published):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)  # no token exists on the shared page; the origin is checked
    payload = {"kind": "question", "message": "hi"}
    assert strict.post(URL, payload, HTTP_SEC_FETCH_SITE="cross-site").status_code == 403
    assert strict.post(URL, payload, HTTP_ORIGIN="https://evil.example").status_code == 403
    assert ReaderMessage.objects.count() == 0
    assert strict.post(URL, payload, HTTP_SEC_FETCH_SITE="same-origin").status_code == 303
    assert strict.post(URL, payload, HTTP_ORIGIN="http://testserver", REMOTE_ADDR="198.51.100.2").status_code == 303
    assert ReaderMessage.objects.count() == 2


def test_questions_only_about_live_articles(client, article):
    response = client.post("/articles/cmv-treatment/question/", {"kind": "question", "message": "hello"})
    assert response.status_code == 404


def test_messages_are_never_shown_publicly(client, published):
    _post(client, message="PRIVATE-QUESTION-TEXT")
    for url in ("/", "/articles/cmv-treatment/", "/api/articles/cmv-treatment/", "/feed/"):
        assert "PRIVATE-QUESTION-TEXT" not in client.get(url).content.decode(), url


def test_the_readers_request_never_sends_email_itself(client, published, django_capture_on_commit_callbacks):
    # Broker unreachable: the email task cannot be queued, and the request must not fall back to SMTP.
    from tests.publishing.publish_helpers import broker

    with broker("redis://127.0.0.1:1/0"), django_capture_on_commit_callbacks(execute=True):
        response = _post(client)
    assert response.status_code == 303
    assert ReaderMessage.objects.count() == 1  # stored: it waits in the editors' inbox
    assert len(mail.outbox) == 0


def test_rate_limit_behind_a_proxy_counts_the_reader_not_the_proxy(client, published, settings):
    # Behind nginx every request comes from the proxy's address; the configured header names the reader.
    settings.QUESTION_RATE_LIMIT = 1
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    assert client.post(URL, {"kind": "question", "message": "one"}, REMOTE_ADDR="10.0.0.1", **proxy).status_code == 303
    blocked = client.post(URL, {"kind": "question", "message": "two"}, REMOTE_ADDR="10.0.0.1", **proxy)
    assert blocked.status_code == 429
    other = {"HTTP_X_FORWARDED_FOR": "203.0.113.8"}
    third = client.post(URL, {"kind": "question", "message": "three"}, REMOTE_ADDR="10.0.0.1", **other)
    assert third.status_code == 303


def test_the_follow_up_form_speaks_the_pages_language(client, live_site):
    # Rendered in one process for both languages: no wording may be fixed when the form is first imported.
    spanish = live_site.language == "es"
    help_text = "Hasta 2000 caracteres." if spanish else "Up to 2000 characters."
    for path in (live_site.article_url, live_site.audience_url("patient")):
        html = client.get(path).content.decode()
        assert help_text in html, path
        assert ("Up to 2000 characters." in html) is not spanish, path
    question = live_site.article_url + "question/"
    response = client.post(question, {"kind": "question", "message": "  ", "email": "not-an-email"})
    assert response.status_code == 400
    html = response.content.decode()
    assert help_text in html
    english = ("Write your question or describe the problem before sending.", "That email address does not look right")
    for error in english:
        assert (error in html) is not spanish, error
    too_long = client.post(question, {"kind": "question", "message": "x" * 2001}).content.decode()
    assert "2000" in too_long and ("keep it under 2000 characters" in too_long) is not spanish
