"""Structural rules checked in the source: who may import whom, and who may change a workflow state.

- The apps form layers: audit ← articles ← review ← evidence ← publishing ←
  ops ← demo. A module imports only apps below its own (anywhere in the file, also
  inside functions), so review never imports publishing and no app waits on
  one above it. `cms` holds shared helpers any app may use; only its entry
  points (settings, URLs, WSGI, Celery) may name the apps.
- No import cycle between the modules of the apps, counting imports inside
  functions too (an import moved into a function to dodge a cycle is still a cycle).
- `Article.status`, `ReviewRound.status` and `Publication.state` are set only
  by the workflow modules' one function each.
- No code uses a private attribute of a dependency: no name-mangled
  ``_Class__name``, and no ``obj._name`` the project does not define itself
  (Django's documented ``_meta`` and namedtuple's ``_replace``-style methods
  excepted), so an upgrade of Django, psycopg or Markdown cannot silently
  break a hot path.
- The text engine (`textkit/`) stands alone: it imports no database layer
  (`django.db`, django-reversion) and no module of the project, so it can be
  used and tested without models. Any app may import it.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["audit", "articles", "review", "evidence", "publishing", "ops", "demo"]
CMS_ENTRY_POINTS = {"cms/settings.py", "cms/urls.py", "cms/wsgi.py", "cms/celery.py"}
TEXT_ENGINE = "textkit"
# Imports the text engine may not make, besides the project's own packages (found on disk, below).
DATABASE_LAYERS = ("django.db", "reversion")


def _modules(apps=(*LAYERS, "cms", TEXT_ENGINE)):
    for app in apps:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(), filename=str(path))


def _module_name(rel: str) -> str:
    name = rel.removesuffix(".py").replace("/", ".")
    return name.removesuffix(".__init__")


def _imports(rel: str, tree: ast.AST) -> set[str]:
    """Every module this file imports (absolute dotted names), wherever the import statement is."""
    package = _module_name(rel) if rel.endswith("__init__.py") else _module_name(rel).rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return found


def test_apps_import_only_the_layers_below_them():
    offenders = []
    for rel, tree in _modules():
        app = rel.split("/")[0]
        if app == TEXT_ENGINE:
            continue  # it imports no app at all (test_the_text_engine_imports_no_database_layer_and_no_project_app)
        if app == "cms":
            if rel in CMS_ENTRY_POINTS:
                continue
            allowed: set[str] = set()
        else:
            allowed = set(LAYERS[: LAYERS.index(app)])
        for module in _imports(rel, tree):
            target = module.split(".")[0]
            if target in LAYERS and target != app and target not in allowed:
                offenders.append(f"{rel} imports {module}")
    assert not offenders, "imports against the layers " + " ← ".join(LAYERS) + ":\n" + "\n".join(sorted(offenders))


def test_only_the_demos_own_tests_use_the_demo_content():
    """Demo prose lives only in demo/: no app imports it, and tests build their fixtures elsewhere."""
    offenders = []
    for path in sorted((ROOT / "tests").rglob("*.py")) + sorted((ROOT / "bench").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if "demo" in path.name or rel.startswith("bench/"):
            continue  # tests of the demo itself, and benchmarks that time the demo's articles
        tree = ast.parse(path.read_text(), filename=str(path))
        offenders += [f"{rel} imports {m}" for m in _imports(rel, tree) if m.split(".")[0] == "demo"]
    assert not offenders, "tests that take fixtures from the demo:\n" + "\n".join(offenders)


def _project_packages() -> set[str]:
    """Every top-level package of the project (a folder with an __init__.py, not a tool's), the engine included."""
    return {path.parent.name for path in ROOT.glob("*/__init__.py") if not path.parent.name.startswith(".")}


def _text_engine_offenders(modules) -> list[str]:
    project = _project_packages() - {TEXT_ENGINE}
    offenders = []
    for rel, tree in modules:
        for module in _imports(rel, tree):
            if module.split(".")[0] in project:
                offenders.append(f"{rel} imports {module} (a project package)")
            elif any(module == layer or module.startswith(layer + ".") for layer in DATABASE_LAYERS):
                offenders.append(f"{rel} imports {module} (the database layer)")
    return sorted(set(offenders))


def test_the_text_engine_imports_no_database_layer_and_no_project_app():
    modules = list(_modules((TEXT_ENGINE,)))
    assert len(modules) >= 10, "the text engine's modules were not found"
    offenders = _text_engine_offenders(modules)
    assert not offenders, "textkit/ must stand alone:\n" + "\n".join(offenders)


def test_the_text_engine_rule_catches_an_app_or_orm_import():
    """The rule above is not vacuous: an ORM import, reversion and an app import (also inside a function) fail it."""
    samples = {
        "textkit/bad_orm.py": "from django.db import models\n",
        "textkit/bad_signal.py": "import django.db.models.signals\n",
        "textkit/bad_app.py": "def f():\n    from articles.models import Article\n",
        "textkit/bad_cms.py": "import cms.roles\n",
        "textkit/bad_reversion.py": "from reversion.models import Revision\n",
        "textkit/ok.py": "from django.utils.html import escape\nfrom .content import ArticleContent\n",
    }
    found = _text_engine_offenders((rel, ast.parse(source)) for rel, source in samples.items())
    assert sorted({line.split(" ")[0] for line in found}) == [
        "textkit/bad_app.py",
        "textkit/bad_cms.py",
        "textkit/bad_orm.py",
        "textkit/bad_reversion.py",
        "textkit/bad_signal.py",
    ], found


# Underscored names that are public API all the same.
PUBLIC_UNDERSCORED = {"_meta", "_default_manager", "_base_manager", "_state", "_replace", "_asdict", "_fields", "_make"}
CODE_DIRS = (*LAYERS, "cms", TEXT_ENGINE, "demo", "bench", "tests")
OWN_PREFIX = "_vetted"  # an attribute the project hangs on someone else's object (cms.roles caches roles on a user)
# Known exceptions, each with its reason (none at present).
ALLOWED_PRIVATE: set[tuple[str, str]] = set()


def _code_trees():
    for folder in CODE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")) if (ROOT / folder).is_dir() else ():
            yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(), filename=str(path))


def _names_defined(trees) -> set[str]:
    """Every name the project's own code binds: functions, classes, attributes it assigns, arguments, imports."""
    names: set[str] = set()
    for _rel, tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                # Setting self._x defines it; setting other._x is using other's private attribute.
                if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                    names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.alias):
                names.add((node.asname or node.name).split(".")[-1])
            elif isinstance(node, ast.keyword) and node.arg:
                names.add(node.arg)
    return names


def _mangled(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__") and "__" in name[1:] and not name.endswith("__")


def _private_use(trees, defined: set[str]) -> list[str]:
    found = []
    for rel, tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _mangled(node.name):
                found.append(f"{rel}:{node.lineno} defines {node.name} (a name-mangled method of a base class)")
            elif isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                if _mangled(node.attr):
                    found.append(f"{rel}:{node.lineno} uses .{node.attr} (name-mangled)")
                elif (
                    node.attr not in defined
                    and node.attr not in PUBLIC_UNDERSCORED
                    and not node.attr.startswith(OWN_PREFIX)
                    and (rel, node.attr) not in ALLOWED_PRIVATE
                ):
                    found.append(f"{rel}:{node.lineno} uses .{node.attr}, private to a dependency")
    return found


def test_no_private_attribute_of_a_dependency_is_used():
    trees = list(_code_trees())
    offenders = _private_use(trees, _names_defined(trees))
    assert not offenders, "use the dependency's public API instead:\n" + "\n".join(offenders)


def test_the_private_attribute_rule_catches_the_old_uses():
    samples = [
        ("a.py", "cursor = connection._prepare_cursor(raw)\n"),
        ("b.py", "formset._non_form_errors = errors\n"),
        ("c.py", "class P(InlineProcessor):\n    def _InlineProcessor__handleInline(self, d):\n        return d\n"),
        ("d.py", "text = self._InlineProcessor__applyPattern(p, data, 0, 0)\n"),
        ("e.py", "fields = model._meta.get_fields()\nself._mine = 1\nvalue = self._mine\n"),
    ]
    trees = [(rel, ast.parse(source)) for rel, source in samples]
    found = _private_use(trees, _names_defined(trees))
    assert [line.split(":")[0] for line in found] == ["a.py", "b.py", "c.py", "d.py"], found


def test_review_never_imports_publishing():
    offenders = [
        f"{rel}: {module}"
        for rel, tree in _modules(("review",))
        for module in _imports(rel, tree)
        if module.split(".")[0] == "publishing"
    ]
    assert not offenders, offenders


def test_no_import_cycle_between_the_apps_modules():
    modules = {_module_name(rel): (rel, tree) for rel, tree in _modules()}
    graph = {}
    for name, (rel, tree) in modules.items():
        if rel.endswith("/apps.py"):
            continue  # AppConfig.ready() wires the apps together once they are all loaded
        graph[name] = {m for m in _imports(rel, tree) if m in modules and m != name}
    # Depth-first search for a back edge; report the cycle it closes.
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not cycles, "import cycles:\n" + "\n".join(" → ".join(c) for c in cycles)


# --- workflow states are set in one place each ---------------------------------------

# (file, function) -> the attribute it may assign: each model's one transition function.
SETTERS = {
    ("articles/workflow.py", "article_transition"): "status",
    ("articles/workflow.py", "glossary_definition_transition"): "status",
    ("review/workflow.py", "round_close"): "status",
    ("publishing/services/transitions.py", "publication_transition"): "state",
}
# Other models with a `state` of their own (a reader's message, a furniture change, an evidence alert)
# change it in their service.
OTHER_MODELS = {
    ("publishing/services/inbox.py", "reader_message_set_state"),
    ("publishing/services/furniture.py", "_decided"),
    ("evidence/services.py", "_match_batch"),
    ("evidence/services.py", "_alert_transition"),
}
WRITERS = {"update", "bulk_update", "update_or_create"}


def _owner_functions(tree: ast.AST) -> dict[int, str]:
    owner = {}
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(function):
                owner[id(node)] = function.name  # innermost wins: walk visits outer functions first
    return owner


def test_no_code_outside_the_workflow_modules_sets_a_status_or_state():
    offenders = []
    for rel, tree in _modules():
        owner = _owner_functions(tree)
        for node in ast.walk(tree):
            where = (rel, owner.get(id(node)))
            if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Attribute) and target.attr in ("status", "state"):
                        if SETTERS.get(where) == target.attr or where in OTHER_MODELS:
                            continue
                        offenders.append(f"{rel}:{node.lineno} assigns .{target.attr} in {where[1]}()")
            elif isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                keywords = {k.arg for k in node.keywords}
                if name in WRITERS and keywords & {"status", "state"} and where not in OTHER_MODELS:
                    offenders.append(f"{rel}:{node.lineno} writes a status or state with {name}()")
                if name == "setattr" and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant):
                    if node.args[1].value in ("status", "state") and where not in OTHER_MODELS:
                        offenders.append(f"{rel}:{node.lineno} setattr()s .{node.args[1].value}")
    assert not offenders, "a workflow state changes only through its transition function:\n" + "\n".join(offenders)


def test_the_setters_the_check_allows_exist():
    """If a setter is renamed, the allowance above must follow (otherwise the check would pass vacuously)."""
    for (rel, function), _attr in SETTERS.items():
        tree = ast.parse((ROOT / rel).read_text())
        assert function in {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}, (rel, function)


# --- views only translate HTTP: no views module grows into a room of its own ------------------

MAX_VIEWS_LINES = 450


def test_no_views_module_is_longer_than_450_lines():
    """A views module that grows is split by room (articles/views/ is a package of them)."""
    too_long = []
    for app in (*LAYERS, "cms"):
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if "migrations" in rel.parts:
                continue
            if path.name in ("views.py",) or path.name.endswith("_views.py") or "views" in rel.parts[:-1]:
                lines = len(path.read_text().splitlines())
                if lines > MAX_VIEWS_LINES:
                    too_long.append(f"{rel.as_posix()}: {lines} lines")
    assert not too_long, f"views modules over {MAX_VIEWS_LINES} lines:\n" + "\n".join(too_long)
