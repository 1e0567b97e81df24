"""Structural rules checked in the source: who may import whom, and who may change a workflow state.

- The apps form layers: audit ← articles ← review ← evidence ← publishing ←
  ops. A module imports only apps below its own (anywhere in the file, also
  inside functions), so review never imports publishing and no app waits on
  one above it. `cms` holds shared helpers any app may use; only its entry
  points (settings, URLs, WSGI, Celery) may name the apps.
- No import cycle between the modules of the apps, counting imports inside
  functions too (an import moved into a function to dodge a cycle is still a cycle).
- `Article.status`, `ReviewRound.status` and `Publication.state` are set only
  by the workflow modules' one function each.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["audit", "articles", "review", "evidence", "publishing", "ops"]
CMS_ENTRY_POINTS = {"cms/settings.py", "cms/urls.py", "cms/wsgi.py", "cms/celery.py"}


def _modules(apps=(*LAYERS, "cms")):
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
