"""The Spanish catalogue: complete, compiled as committed, and what readers and staff get under Spanish."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from cms import roles
from cms.template_roles import ROLE_LABELS
from tests.po_file import read_mo, read_po

ROOT = Path(settings.BASE_DIR)
# Every catalogue: each language but English, each domain (the templates and Python; the studio's scripts).
CATALOGUES = [(code, domain) for code, _ in settings.LANGUAGES if code != "en" for domain in ("django", "djangojs")]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def po_path(code: str, domain: str) -> Path:
    return ROOT / "locale" / code / "LC_MESSAGES" / f"{domain}.po"


def entries(code: str, domain: str):
    return [entry for entry in read_po(po_path(code, domain)) if entry.msgid]


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- the .po reader the tests rely on ---------------------------------------------------------


def test_the_po_reader_reads_contexts_plurals_continuations_and_flags(tmp_path):
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: es\\n"\n\n'
        '#: a.html\nmsgctxt "state"\nmsgid "on"\nmsgstr "activado"\n\n'
        '#, python-format\nmsgid "%(n)s day"\nmsgid_plural "%(n)s days"\nmsgstr[0] "%(n)s día"\nmsgstr[1] ""\n\n'
        '#, fuzzy\nmsgid ""\n"Two "\n"lines"\nmsgstr "Dos líneas"\n',
        encoding="utf-8",
    )
    header, on, day, two = read_po(po)
    assert header.msgid == "" and header.msgstr == {0: "Language: es\n"}
    assert (on.key, on.msgstr, on.translated) == ("state\x04on", {0: "activado"}, True)
    assert day.msgid_plural == "%(n)s days" and not day.translated and day.flags == {"python-format"}
    assert two.msgid == "Two lines" and "fuzzy" in two.flags


# --- complete -----------------------------------------------------------------------------------


@pytest.mark.parametrize("code, domain", CATALOGUES)
def test_every_message_is_translated_and_none_is_fuzzy(code, domain):
    untranslated = [entry.msgid for entry in entries(code, domain) if not entry.translated]
    fuzzy = [entry.msgid for entry in read_po(po_path(code, domain)) if "fuzzy" in entry.flags]
    assert not untranslated, f"{len(untranslated)} untranslated in {code}, e.g. {untranslated[:5]}"
    assert not fuzzy, f"fuzzy entries in {code} (check and clear the flag): {fuzzy[:5]}"


@pytest.mark.parametrize("code, domain", CATALOGUES)
def test_each_translation_keeps_the_placeholders_of_its_message(code, domain):
    for entry in entries(code, domain):
        expected = set(PLACEHOLDER.findall(entry.msgid + (entry.msgid_plural or "")))
        for form in entry.msgstr.values():
            assert set(PLACEHOLDER.findall(form)) <= expected, (entry.msgid, form)
            if not entry.msgid_plural:
                assert set(PLACEHOLDER.findall(form)) == expected, (entry.msgid, form)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs GNU gettext's msgfmt (apt-get install gettext)")
@pytest.mark.parametrize("code, domain", CATALOGUES)
def test_msgfmt_accepts_the_catalogue(code, domain, tmp_path):
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / f"{domain}.mo"), str(po_path(code, domain))],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


# --- compiled as committed ----------------------------------------------------------------------


@pytest.mark.parametrize("code, domain", CATALOGUES)
def test_the_committed_mo_holds_exactly_the_po(code, domain):
    mo = po_path(code, domain).with_suffix(".mo")
    assert mo.is_file(), f"{mo.relative_to(ROOT)} is missing: run make compilemessages"
    compiled = read_mo(mo)
    expected = {}
    for entry in entries(code, domain):
        if entry.msgid_plural is None:
            expected[entry.key] = entry.msgstr[0]
        else:
            for index, form in entry.msgstr.items():
                expected[(entry.key, index)] = form
    compiled = {key: value for key, value in compiled.items() if key != ""}
    assert compiled == expected, "the .mo is out of date: run make compilemessages and commit it"


# --- English stays the default; Spanish appears under override("es") --------------------------


def test_english_is_the_active_language_and_no_middleware_negotiates_it():
    assert translation.get_language() in {"en", "en-us"}
    assert "django.middleware.locale.LocaleMiddleware" not in settings.MIDDLEWARE


def test_role_labels_cover_every_role_and_translate_for_display_only():
    assert set(ROLE_LABELS) == set(roles.ALL_GROUPS)
    page = "{% role_name 'BOARD' %}"
    from django.template import engines

    engine = engines["django"]
    assert engine.from_string(page).render({}) == "Medical Advisory Board"
    with translation.override("es"):
        assert engine.from_string(page).render({}) == "Consejo Asesor Médico"
    assert roles.BOARD == "Medical Advisory Board"  # the group's name in the database is unchanged


def test_error_pages_read_in_spanish():
    with translation.override("es"):
        text = _text(render_to_string("404.html", {"SITE_NAME": "Vetted"}))
    assert "No encontramos esa página" in text and "Ver todos los artículos" in text
    for english in ("We could not find that page", "Browse all articles", "Skip to content", "Editorial policy"):
        assert english not in text


# --- up to date with the source -----------------------------------------------------------------

# What `make messages` extracts, as Django's makemessages calls xgettext for the "django" domain.
XGETTEXT_KEYWORDS = [
    "--keyword=gettext_noop",
    "--keyword=gettext_lazy",
    "--keyword=ngettext_lazy:1,2",
    "--keyword=pgettext:1c,2",
    "--keyword=npgettext:1c,2,3",
    "--keyword=pgettext_lazy:1c,2",
    "--keyword=npgettext_lazy:1c,2,3",
]
SOURCE_DIRS = ("articles", "audit", "cms", "evidence", "ops", "publishing", "review")


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext's xgettext (apt-get install gettext)")
def test_every_marked_string_of_the_source_is_in_the_catalogue(tmp_path):
    from django.utils.translation.template import templatize

    sources = [
        path
        for folder in SOURCE_DIRS
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "migrations" not in path.parts and "__pycache__" not in path.parts
    ]
    for number, template in enumerate(
        path for path in sorted((ROOT / "templates").rglob("*")) if path.suffix in {".html", ".txt"}
    ):
        # As makemessages does: a template becomes Python that xgettext reads.
        copy = tmp_path / f"template_{number}.py"
        copy.write_text(templatize(template.read_text(), origin=str(template)), encoding="utf-8")
        sources.append(copy)
    pot = tmp_path / "django.pot"
    subprocess.run(
        ["xgettext", "--language=Python", "--from-code=UTF-8", "--output", str(pot), *XGETTEXT_KEYWORDS]
        + [str(path) for path in sources],
        check=True,
        capture_output=True,
    )
    extracted = {entry.key for entry in read_po(pot) if entry.msgid}
    # Both halves were read: a template's string and a Python module's.
    assert {"Which best describes you?", "Medical Advisory Board"} <= extracted
    for code in {code for code, _ in CATALOGUES}:
        catalogue = {entry.key for entry in entries(code, "django")}
        missing = sorted(extracted - catalogue)
        assert not missing, f"not in the {code} catalogue (run make messages and translate): {missing[:5]}"
