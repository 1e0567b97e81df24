"""cms.notify: the one definition of who is told about what, and the one way email is built and sent."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import override_settings

from cms import notify
from publishing import services
from tests import factories

pytestmark = pytest.mark.django_db


@override_settings(EDITORS_EMAIL=["desk@example.org"])
def test_editors_are_the_editors_group_and_editors_email_not_superusers():
    factories.UserFactory(username="ed1", email="ed1@example.org", groups=["Editors"])
    factories.UserFactory(username="ed2", email="desk@example.org", groups=["Editors"])  # no repeat
    factories.UserFactory(username="gone", email="gone@example.org", groups=["Editors"], is_active=False)
    factories.UserFactory(username="root", email="root@example.org", is_superuser=True)
    factories.UserFactory(username="au", email="au@example.org", groups=["Authors"])
    assert notify.editor_addresses() == ["desk@example.org", "ed1@example.org"]
    # Every editor notification reaches the same people, whichever app sends it.
    for kind in notify.TOLD_ABOUT[notify.EDITORS]:
        assert notify.recipients(kind) == ["desk@example.org", "ed1@example.org"]
    assert services.editor_emails() == notify.editor_addresses()


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="TOLD_ABOUT"):
        notify.recipients("gossip")


def test_send_makes_one_text_and_html_message_per_person(settings):
    settings.SITE_NAME = "Vetted test"
    context = {"article": type("A", (), {"title": "CMV <b>"})(), "decisions": [], "round": None, "link": "https://x/"}
    sent = notify.send("review/email/approved", ["a@example.org", "b@example.org"], context)
    assert sent == 2 and [m.to for m in mail.outbox] == [["a@example.org"], ["b@example.org"]]
    message = mail.outbox[0]
    assert message.subject == "[Vetted test] Approved by the board: CMV <b>"
    html, mimetype = message.alternatives[0]
    # The HTML part made from the text escapes it and links the URL.
    assert mimetype == "text/html" and "CMV &lt;b&gt;" in html and '<a href="https://x/"' in html
