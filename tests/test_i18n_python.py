"""Every user-facing string literal of the project's Python code goes through the catalogue (tests/i18n_py_check.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from tests.i18n_py_check import (
    APPS,
    USER_FACING_ERRORS,
    Finding,
    check_source,
    check_tree,
    error_classes,
    project_modules,
    unused_allowances,
)
from tests.publishing.reader_fixtures import *  # noqa: F403 (fixtures)
from tests.publishing.test_translations import live_translation, spanish_reviewer  # noqa: F401 (fixtures)

ROOT = Path(settings.BASE_DIR)


# --- the checker can fail -------------------------------------------------------------------

PLANTED = """
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, send_mail
from django.db import models
from django.utils.translation import gettext, gettext_lazy, pgettext
from django.utils.translation import gettext as _


class Colour(models.TextChoices):
    RED = "red", "Red"
    BLUE = "blue", gettext_lazy("Blue")
    GREEN = "green"


class Thing(models.Model):
    name = models.CharField("Name", max_length=10, help_text="Keep it short.")
    size = models.IntegerField(verbose_name=gettext_lazy("Size"), help_text=gettext_lazy("In cm."))

    class Meta:
        verbose_name = "thing"
        verbose_name_plural = gettext_lazy("things")


class ThingForm(forms.Form):
    title = forms.CharField(
        label="Title",
        widget=forms.TextInput(attrs={"placeholder": "e.g. Shingles", "class": "wide"}),
        error_messages={"required": "Write a title."},
    )
    kind = forms.ChoiceField(choices=[("a", "Apples"), ("b", gettext_lazy("Bananas"))])
    note = forms.CharField(label=gettext_lazy("Note"), help_text=pgettext("form", "Optional."))
    body = forms.CharField(help_text=gettext_lazy("Up to %(n)s.") % {"n": 5})


def view(request, thing):
    messages.success(request, "Saved.")
    messages.error(request, f"{thing} is locked.")
    messages.info(request, gettext("Marked.") % {})
    messages.add_message(request, messages.WARNING, "Careful " + thing)
    messages.warning(request, _("Also marked."))
    raise ValidationError({"title": "Too long."})


def service(thing):
    if thing:
        raise SlugTaken("That address is taken.")
    raise SlugTaken(gettext("That address is taken."))


def notify(user):
    send_mail("Your review", "Please look at it.", None, [user.email])
    EmailMessage(subject=gettext("Marked subject"), body="Unmarked body").send()


def buttons(url):
    why = "Only editors can do this."
    return action("publish", "Publish", url, why), action("retry", gettext("Retry"), url, "")


def fine():
    return {"status": "ok"}, ValidationError("12:00 — 13:00"), ValidationError("PMID")


def run_service(request, call, success):
    call()
    messages.success(request, success)


def edit_refusal(article):
    if article:
        return f"{article} is archived."
    return ""


def conflict(request, article):
    run_service(request, lambda: None, "Done.")
    run_service(request, lambda: None, gettext("Marked done."))
    JsonResponse({"error": "Reload the page.", "field": "slug"})
    raise SlugTaken(article, "Changed meanwhile.")


class ThingAdmin:
    fieldsets = ((None, {"fields": ("name",)}), ("Workflow", {"fields": ("size",)}))

    def link(self, obj):
        return format_html('<a href="{}">Open it</a>', obj.url), format_html('<b class="x">{}</b>', obj)
"""


def test_the_checker_reports_each_unmarked_string_with_its_place():
    found = [(f.line, f.place, f.text) for f in check_source(PLANTED, errors=frozenset({"SlugTaken"}))]
    assert found == [
        (12, "Colour.RED label", "Red"),
        (14, "Colour.GREEN label", "(made from the name)"),
        (18, "CharField verbose_name", "Name"),
        (18, "help_text=", "Keep it short."),
        (22, "verbose_name", "thing"),
        (28, "label=", "Title"),
        (29, "attrs placeholder", "e.g. Shingles"),
        (30, "error_messages=", "Write a title."),
        (32, "choices=", "Apples"),
        (34, "help_text=", "gettext_lazy('Up to %(n)s.') % {'n': 5}"),
        (38, "messages.success", "Saved."),
        (39, "messages.error", "f'{thing} is locked.'"),
        (41, "messages.add_message", "Careful "),
        (43, "ValidationError", "Too long."),
        (48, "SlugTaken", "That address is taken."),
        (53, "send_mail subject", "Your review"),
        (53, "send_mail body", "Please look at it."),
        (54, "EmailMessage body", "Unmarked body"),
        (58, "why", "Only editors can do this."),
        (59, "action label", "Publish"),
        (73, "edit_refusal() returns", "f'{article} is archived.'"),
        (78, "run_service() message", "Done."),
        (80, "JsonResponse error", "Reload the page."),
        (81, "SlugTaken", "Changed meanwhile."),
        (85, "fieldsets title", "Workflow"),
        (88, "format_html", '<a href="{}">Open it</a>'),
    ]


def test_the_checker_reports_a_translation_call_that_makemessages_cannot_see():
    source = (
        "from django.utils.translation import gettext, pgettext\n"
        "def link(url):\n"
        "    word = pgettext('reference', 'Link')\n"
        "    fine = f'<a href={url}>{word}</a>'\n"
        '    return f\'<a href={url}>{pgettext("reference", "Link")}</a>\'\n'
    )
    assert [(f.line, f.place) for f in check_source(source)] == [(5, "translation inside an f-string")]


def test_the_checker_finds_the_project_error_classes_and_their_subclasses():
    trees = {
        "articles/exceptions.py": ast.parse("class ArticleError(Exception): ...\nclass SlugTaken(ArticleError): ..."),
        "articles/importers.py": ast.parse("class ReferenceLineError(SlugTaken): ...\nclass Other(Exception): ..."),
    }
    assert error_classes(trees) == {"ArticleError", "SlugTaken", "ReferenceLineError", *USER_FACING_ERRORS}


def test_the_checker_reads_every_app_and_skips_migrations_and_commands():
    modules = project_modules(ROOT)
    assert {path.split("/")[0] for path in modules} == set(APPS)
    assert "articles/models.py" in modules and "review/exceptions.py" in modules
    assert not [path for path in modules if "/migrations/" in path or "/commands/" in path]


# --- the tree -------------------------------------------------------------------------------


def test_no_user_facing_python_string_skips_the_catalogue():
    findings = check_tree(ROOT)
    assert findings == [], "Mark these with gettext/gettext_lazy (tests/i18n_py_check.py):\n" + "\n".join(
        str(finding) for finding in findings
    )


def test_every_allow_list_entry_still_matches_something():
    assert unused_allowances(ROOT) == set()


def test_a_finding_reads_as_path_line_place_and_text():
    assert str(Finding("a/b.py", 3, "label=", "Title")) == "a/b.py:3: label=: 'Title'"


# --- Spanish reaches the user ---------------------------------------------------------------

SPANISH_REQUIRED = "Escriba su pregunta o describa el problema antes de enviarla."


def test_choice_labels_field_texts_and_form_errors_follow_the_active_language():
    from articles.models import Article, Reference
    from publishing.reader_forms import FollowUpForm

    with translation.override("es"):
        assert Article.Status.IN_REVIEW.label == "En revisión"
        assert Reference.Kind.FDA_LABEL.label == "Ficha técnica de la FDA"
        form = FollowUpForm(data={"kind": "question", "message": ""})
        assert not form.is_valid()
        assert form.errors["message"] == [SPANISH_REQUIRED]
        assert str(form.fields["message"].help_text).startswith("Hasta ")
    assert Article.Status.IN_REVIEW.label == "Under review"
    assert str(FollowUpForm().fields["message"].help_text).startswith("Up to ")
    assert FollowUpForm(data={"kind": "question", "message": ""}).errors["message"] == [
        "Write your question or describe the problem before sending."
    ]


def test_a_workflow_refusal_is_in_the_active_language():
    from review import actions

    with translation.override("es"):
        assert translation.gettext(actions.CLOSED) == "Esta ronda de revisión está cerrada."
    assert translation.gettext(actions.CLOSED) == "This review round is closed."


@pytest.mark.django_db
def test_a_reader_at_the_spanish_address_reads_the_forms_errors_in_spanish(client, live_translation):  # noqa: F811
    response = client.post("/es/articles/tratamiento-cmv/question/", {"kind": "question", "message": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert SPANISH_REQUIRED in html
    assert "Write your question" not in html
    refused = client.post(
        "/es/articles/tratamiento-cmv/question/", {"message": "hola"}, HTTP_SEC_FETCH_SITE="cross-site"
    )
    assert refused.status_code == 403 and "Este formulario solo" in refused.content.decode()
