"""The editorial policy and the board's entries per language, approved like any furniture, with a fallback notice."""

from __future__ import annotations

import pytest

from publishing import services
from publishing.exceptions import FurnitureChangeInvalid, FurniturePermissionError
from publishing.models import EditorialPolicy, FurnitureChange, StoredPage
from review.models import BoardMember
from tests.factories import BoardMemberFactory, UserFactory
from tests.publishing.reader_fixtures import *  # noqa: F403 (fixtures)

POLICY_EN = {"title": "How we work", "body": "Every article is reviewed by the board."}
POLICY_ES = {"title": "Cómo trabajamos", "body": "El consejo revisa cada artículo antes de publicarlo."}


@pytest.fixture
def editor2(db):
    return UserFactory(username="edna", groups=["Editors"])


def _approved_policy(editor, approver, values, language="", run=None):
    change = services.furniture_change_propose(acting_user=editor, kind="policy", values=values, language=language)
    approve = services.furniture_change_approve
    if run is not None:
        with run(execute=True):
            return approve(change, acting_user=approver)
    return approve(change, acting_user=approver)


def test_a_policy_per_language_each_reader_sees_their_own_and_the_fallback_says_so(
    client, editor, editor2, django_capture_on_commit_callbacks
):
    _approved_policy(editor, editor2, POLICY_EN)
    spanish_before = client.get("/es/editorial-policy/").content.decode()
    assert "no está disponible en este idioma" in spanish_before and '<h1 lang="en">How we work</h1>' in spanish_before

    change = services.furniture_change_propose(acting_user=editor, kind="policy", values=POLICY_ES, language="es")
    assert change.language == "es" and change.policy is None  # the language's first policy
    assert "Cómo trabajamos" not in client.get("/es/editorial-policy/").content.decode()  # a proposal shows nowhere
    with django_capture_on_commit_callbacks(execute=True):  # the purge of the cached page, after the commit
        services.furniture_change_approve(change, acting_user=editor2)

    spanish = client.get("/es/editorial-policy/").content.decode()
    assert "<h1>Cómo trabajamos</h1>" in spanish and "cada artículo" in spanish
    assert "no está disponible" not in spanish
    english = client.get("/editorial-policy/").content.decode()
    assert "How we work" in english and "Cómo trabajamos" not in english
    assert set(EditorialPolicy.objects.values_list("language", flat=True)) == {"en", "es"}

    # A second Spanish change edits the Spanish policy (version 2 of it), not the English one.
    again = _approved_policy(
        editor, editor2, {**POLICY_ES, "body": "Revisamos todo."}, language="es", run=django_capture_on_commit_callbacks
    )
    assert again.version == 2 and again.policy.language == "es" and again.summary.endswith("(es)")
    assert EditorialPolicy.objects.get(language="en").body == POLICY_EN["body"]
    assert "Revisamos todo." in client.get("/es/editorial-policy/").content.decode()


def test_a_spanish_page_records_the_spanish_policy_it_links_to(
    client,
    live_translation,  # noqa: F811
    editor,
    editor2,
    django_capture_on_commit_callbacks,
):
    for path in ("/articles/cmv-treatment/", "/es/articles/tratamiento-cmv/"):
        assert client.get(path).status_code == 200  # stored on first request
    _approved_policy(editor, editor2, POLICY_EN, run=django_capture_on_commit_callbacks)
    _approved_policy(editor, editor2, POLICY_ES, language="es", run=django_capture_on_commit_callbacks)
    english, spanish = EditorialPolicy.objects.get(language="en"), EditorialPolicy.objects.get(language="es")
    pages = {page.path: page.furniture for page in StoredPage.objects.filter(path__contains="/articles/")}
    spanish_pages = [furniture for path, furniture in pages.items() if path.startswith("/es/")]
    english_pages = [furniture for path, furniture in pages.items() if not path.startswith("/es/")]
    assert spanish_pages and english_pages
    for furniture in spanish_pages:
        assert furniture["editorial_policy"] == {"id": spanish.pk, "version": 1, "language": "es"}
    for furniture in english_pages:
        assert furniture["editorial_policy"] == {"id": english.pk, "version": 1, "language": "en"}


def test_board_entries_per_language_with_a_notice_for_the_untranslated_ones(
    client, editor, editor2, reviewer, django_capture_on_commit_callbacks
):
    translated = BoardMember.objects.get(user=reviewer)
    other = BoardMemberFactory(user=UserFactory(username="other-member"), display_name="Dr. Omar Said")
    for member, bio in ((translated, "Twenty years in transplant infectious disease."), (other, "Paediatrician.")):
        change = services.furniture_change_propose(
            acting_user=editor, kind="board_member", board_member=member, values={"bio": bio, "disclosures": ""}
        )
        services.furniture_change_approve(change, acting_user=editor2)
    change = services.furniture_change_propose(
        acting_user=editor,
        kind="board_member",
        board_member=translated,
        language="es",
        values={
            "bio": "Veinte años en infecciones del trasplante.",
            "disclosures": "Ninguna relación con la industria.",
        },
    )
    assert "Veinte años" not in client.get("/es/board/").content.decode()  # not before approval
    with django_capture_on_commit_callbacks(execute=True):  # the purge of the cached page, after the commit
        services.furniture_change_approve(change, acting_user=editor2)
    translated.refresh_from_db()
    assert translated.bio == "Twenty years in transplant infectious disease."  # the source wording is untouched
    assert translated.translations["es"]["bio"].startswith("Veinte años")

    spanish = client.get("/es/board/").content.decode()
    assert "<p>Veinte años en infecciones del trasplante.</p>" in spanish
    assert "<p>Ninguna relación con la industria.</p>" in spanish
    assert '<p lang="en">Paediatrician.</p>' in spanish  # the untranslated entry, marked as English
    assert "Algunas entradas aún no están disponibles en este idioma" in spanish
    english = client.get("/board/").content.decode()
    assert (
        "Twenty years in transplant" in english and "Veinte años" not in english and "not yet available" not in english
    )


def test_when_every_entry_is_translated_the_board_page_has_no_notice(client, editor, editor2, reviewer):
    member = BoardMember.objects.get(user=reviewer)
    BoardMember.objects.exclude(pk=member.pk).update(active=False)
    change = services.furniture_change_propose(
        acting_user=editor, kind="board_member", board_member=member, language="es",
        values={"bio": "Infectóloga.", "disclosures": ""},
    )  # fmt: skip
    services.furniture_change_approve(change, acting_user=editor2)
    spanish = client.get("/es/board/").content.decode()
    assert "<p>Infectóloga.</p>" in spanish and "no están disponibles" not in spanish


def test_language_rules_for_furniture_changes(editor, editor2, author):
    with pytest.raises(FurnitureChangeInvalid):
        services.furniture_change_propose(acting_user=editor, kind="policy", values=POLICY_ES, language="xx")
    with pytest.raises(FurniturePermissionError):
        services.furniture_change_propose(acting_user=author, kind="policy", values=POLICY_ES, language="es")
    change = services.furniture_change_propose(acting_user=editor, kind="policy", values=POLICY_ES, language="es")
    with pytest.raises(FurniturePermissionError):
        services.furniture_change_approve(change, acting_user=editor)  # never the proposer, in any language
    assert FurnitureChange.objects.get(pk=change.pk).state == "proposed"


def test_the_policy_editor_edits_one_language_at_a_time(client, editor, editor2):
    _approved_policy(editor, editor2, POLICY_EN)
    client.force_login(editor)
    page = client.get("/publishing/policy/?language=es").content.decode()
    assert 'name="language" value="es"' in page and "How we work" in page  # starts from the source text
    assert "There is no policy in Spanish yet" in page
    response = client.post("/publishing/policy/", {"language": "es", **POLICY_ES})
    assert response.status_code == 302
    change = FurnitureChange.objects.get(state="proposed")
    assert change.language == "es" and change.proposed == POLICY_ES
    # An unknown language falls back to the source language's editor rather than inventing one.
    assert 'name="language" value="en"' in client.get("/publishing/policy/?language=xx").content.decode()


def test_the_change_log_reads_in_each_readers_language(client, editor, editor2):
    from django.utils import translation
    from django.utils.translation import gettext

    _approved_policy(editor, editor2, POLICY_EN)
    _approved_policy(editor, editor2, POLICY_ES, language="es")
    member = BoardMemberFactory(display_name="Dr. Ana Ruiz")
    change = services.furniture_change_propose(
        acting_user=editor, kind="board_member", board_member=member, values={"bio": "Treinta años.", "disclosures": ""}
    )
    services.furniture_change_approve(change, acting_user=editor2)
    english = client.get("/changes/").content.decode()
    assert "Editorial policy updated on" in english and "Editorial policy updated (Spanish) on" in english
    assert "Biography and disclosures of Dr. Ana Ruiz updated on" in english
    spanish = client.get("/es/changes/").content.decode()
    with translation.override("es"):
        policy = gettext("Editorial policy updated")
        board = gettext("Biography and disclosures of %(name)s updated") % {"name": "Dr. Ana Ruiz"}
    assert policy != "Editorial policy updated"  # the catalogue has it
    assert f"{policy} (español)" in spanish and board in spanish
    assert "updated" not in spanish  # no stored English sentence reaches a Spanish reader
    # The stored summary stays the English record (the revision comment, the audit trail).
    assert FurnitureChange.objects.filter(summary="Editorial policy updated (es)").exists()
