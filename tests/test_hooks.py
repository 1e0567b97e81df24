"""The runtime hooks are listed in one module (cms/hooks.py), and what is registered is what it lists."""

from __future__ import annotations

import ast
from pathlib import Path

from cms import hooks
from evidence import selectors as evidence_selectors
from evidence import services as evidence_services
from evidence import views as evidence_views
from publishing import services as publishing_services

ROOT = Path(__file__).resolve().parents[1]

#: What cms/hooks.py's table says each later app registers at start-up.
EXPECTED = {
    hooks.ON_APPROVAL: [publishing_services.publication_on_approval_hook],
    hooks.ON_ARCHIVE: [publishing_services.publication_on_archive_hook],
    hooks.ON_GLOSSARY_REFRESH: [publishing_services.publication_on_glossary_refresh_hook],
    hooks.APPROVAL_GUARDS: [evidence_services.dose_approval_guard],
    hooks.SUBMISSION_CHECKS: [evidence_services.submission_evidence_check],
    hooks.DUE_REASONS: [evidence_selectors.alert_due_reasons],
    hooks.REVIEW_PANELS: [evidence_views.review_panel, evidence_views.dose_review_panel],
    hooks.PREVIEW_PANELS: [evidence_views.studio_dose_panel],
    hooks.PAGE_WITHDRAWERS: [publishing_services.publication_withdraw_for_evidence],
}


def test_after_start_up_each_hook_holds_exactly_what_the_table_lists():
    assert set(EXPECTED) == set(hooks.ALL)
    for hook, functions in EXPECTED.items():
        assert list(hook) == functions, hook
        assert hook.name in hooks.__doc__, f"{hook.name} is missing from the table in cms/hooks.py"


def test_registering_twice_changes_nothing_and_unregistering_restores():
    hook = hooks.Hook("TEST", "fn()")
    calls = []

    def fn():
        calls.append(1)

    assert hook.register(fn) is fn
    hook.register(fn)
    for registered in hook:
        registered()
    assert calls == [1] and len(hook) == 1
    hook.unregister(fn)
    hook.unregister(fn)  # not there any more: nothing happens
    assert list(hook) == [] and not hook


def test_no_module_keeps_a_registry_of_its_own():
    """A hook registry outside cms/hooks.py (a register_ function) is refused; audit.registry holds labels."""
    offenders = []
    for app in ("cms", "articles", "review", "evidence", "publishing", "ops"):
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if "migrations" in rel or rel == "cms/hooks.py":
                continue
            for node in ast.parse(path.read_text()).body:
                if isinstance(node, ast.FunctionDef) and node.name.startswith("register_"):
                    offenders.append(f"{rel}: def {node.name}")
    assert not offenders, "runtime hooks belong in cms/hooks.py:\n" + "\n".join(offenders)
