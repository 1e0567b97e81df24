"""Every user-visible string of every template goes through a translation tag (tests/i18n_check.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from tests.i18n_check import untranslated_text
from tests.test_templates import template_files

ROOT = Path(settings.BASE_DIR)

# Templates the checker leaves alone, with the reason (none at present).
SKIPPED_TEMPLATES: dict[str, str] = {}


# --- the checker can fail -------------------------------------------------------------------


BAD_TEMPLATE = """{% extends "base.html" %}
{% block title %}Typed title{% endblock %}
{% block content %}
<h1>{% translate "A marked heading" %}</h1>
<p>An unmarked sentence.</p>
<img src="x.png" alt="A picture">
<a href="#" title="More about it">{% translate "Link" %}</a>
<input type="search" placeholder="Search here">
<nav aria-label="Pages"></nav>
<input type="submit" value="Send it">
<p>{{ value|default:"nothing yet" }}</p>
{% include "includes/pager.html" with pager=pager pager_label="articles" number="" %}
<meta name="description" content="Plain answers"><meta name="viewport" content="width=device-width">
{% endblock %}
"""


def test_the_checker_reports_each_unmarked_string_with_its_line():
    found = [(finding.line, finding.text) for finding in untranslated_text(BAD_TEMPLATE)]
    assert found == [
        (2, "Typed title"),
        (5, "An unmarked sentence."),
        (6, "alt=A picture"),
        (7, "title=More about it"),
        (8, "placeholder=Search here"),
        (9, "aria-label=Pages"),
        (10, "value=Send it"),
        (11, "nothing yet"),
        (12, "articles"),
        (13, "content=Plain answers"),
    ]


def test_the_checker_passes_marked_text_code_and_the_allow_list():
    good = """{% block body_class %}page-index{% endblock %}
<p>{% translate "Marked" %} {% blocktranslate with n=count %}{{ n }} marked too{% endblocktranslate %}</p>
<p title="{% translate 'Marked' %}">{{ value|default:_("marked default") }} · 12 — {{ SITE_NAME }}</p>
<strong>Vetted</strong> <abbr>PMID</abbr> / DOI
<code>[@key]</code> <kbd>Ctrl</kbd>
<script>const label = "not prose";</script><style>.x::after { content: "none" }</style>
{# a comment #}{% comment %}Unmarked in a comment{% endcomment %}
<button type="submit" name="state" value="answered">{% translate "Mark answered" %}</button>
<input type="hidden" name="next" value="somewhere">
{% include "includes/pager.html" with pager=pager pager_label=_("articles") css="pager--wide" %}
<meta name="description" content="{% translate 'Plain answers' %}">
"""
    assert untranslated_text(good) == []


def test_the_checker_sees_text_between_template_tags_and_in_plain_text_emails():
    found = [finding.text for finding in untranslated_text("{% if a %}Shown when a{% else %}{% endif %}")]
    assert found == ["Shown when a"]
    email = "{% autoescape off %}{% blocktranslate %}Dear {{ name }},{% endblocktranslate %}\n\nSigned, the editors\n"
    assert [finding.text for finding in untranslated_text(email)] == ["Signed, the editors"]


def test_the_skip_list_names_templates_that_exist():
    for name in SKIPPED_TEMPLATES:
        assert (ROOT / name).is_file(), f"{name} is skipped but does not exist: remove it from SKIPPED_TEMPLATES"


# --- every template ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [path for path in template_files(".html", ".txt") if str(path.relative_to(ROOT)) not in SKIPPED_TEMPLATES],
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_every_visible_string_of_the_template_is_marked_for_translation(path):
    findings = untranslated_text(path.read_text())
    assert not findings, (
        f"{path.relative_to(ROOT)} has text outside {{% translate %}} / {{% blocktranslate %}}:\n"
        + "\n".join(f"  {finding}" for finding in findings)
    )
