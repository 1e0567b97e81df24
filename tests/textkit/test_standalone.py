"""The text engine stands alone: it imports without Django's ORM or any app, and agrees with the models it mirrors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from articles.models import Reference
from textkit.content import DEFAULT_REFERENCE_KIND, FALLBACK_REFERENCE_KIND, REFERENCE_KINDS

ROOT = Path(__file__).resolve().parents[2]
ENGINE_MODULES = sorted(f"textkit.{path.stem}" for path in (ROOT / "textkit").glob("*.py") if path.stem != "__init__")

_PROBE = """
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
from textkit.content import ArticleContent
from textkit.rendering import render_content
content = ArticleContent(slug="s", title="t", summary="*Yes* [@a]", body="## One\\n\\nText {grade=high}.")
html = render_content(content).summary_html
apps = {"articles", "review", "publishing", "evidence", "ops", "audit", "cms", "reversion"}
loaded = sorted(m for m in sys.modules if m.split(".")[0] in apps or m.startswith("django.db"))
print(json.dumps({"loaded": loaded, "html": html}))
"""


def test_every_engine_module_imports_and_renders_without_the_orm_or_an_app():
    # A fresh interpreter with no DJANGO_SETTINGS_MODULE: nothing of the project is configured.
    # PYTHONPATH keeps whatever the run put first (e.g. a newer Markdown being tried), then the project.
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), str(ROOT)])),
    }
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, *ENGINE_MODULES], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert len(ENGINE_MODULES) >= 10
    assert result["loaded"] == []
    assert result["html"].startswith("<p><em>Yes</em> <sup")


def test_the_engines_reference_kinds_are_the_models_choices():
    assert list(REFERENCE_KINDS.items()) == [(value, str(label)) for value, label in Reference.Kind.choices]
    assert DEFAULT_REFERENCE_KIND == Reference._meta.get_field("kind").default
    assert FALLBACK_REFERENCE_KIND == Reference.Kind.OTHER
