"""Find user-facing string literals in the project's Python code that skip the catalogue.

The template checker (``tests/i18n_check.py``) sees templates; this one reads
Python with :mod:`ast`. A string literal (or an f-string, or a literal that is
``%``-formatted, ``.format()``-ed or concatenated) that holds a letter and
reaches a user in one of these places must be the argument of a translation
call (``gettext``, ``gettext_lazy``, ``pgettext``, ``ngettext``, their
``_lazy`` forms, ``gettext_noop`` or an alias such as ``_``):

- a flash message: ``messages.success/error/warning/info/debug(request, …)``,
  ``messages.add_message(request, level, …)``, the admin's
  ``self.message_user(request, …)``, and the argument of any project function
  that hands one of its parameters to ``messages.*`` (``run_service(request,
  call, "Your comment was added.")``: found by reading the functions, see
  ``flash_helpers``);
- a validation error: ``ValidationError(…)`` (a message or a dict of them),
  ``form.add_error(field, …)``;
- a project error (a class defined in an app's ``exceptions.py``, or a subclass
  of one): views show ``str(exc)`` to users, so every literal argument of
  ``SlugTaken(…)`` or ``EditConflict(article, {}, "…")`` is user-facing; so
  are ``PermissionDenied`` (``templates/403.html`` shows its message) and the
  errors in ``USER_FACING_ERRORS`` whose message a project error quotes.
  ``Http404``'s message is not shown (``templates/404.html`` says its own
  words), so it is not checked;
- a field or widget: the keywords ``label``, ``help_text``, ``verbose_name``,
  ``verbose_name_plural``, ``empty_label`` and ``description`` (admin
  ``@admin.display``/``@admin.action``), the values of ``error_messages={…}``,
  the ``placeholder``/``title``/``aria-label`` of ``attrs={…}``, the labels of
  ``choices=[(value, label), …]``, and ``self.fields[…].label = …``-style
  assignments;
- a model field's ``verbose_name`` given first (``models.CharField("Title", …)``);
- a button of the workflow core: the label and refusal of ``action(name, label, url, refusal)``
  (and ``make_action``), and a refusal assigned to ``why``/``refusal`` before it is handed over;
- a model's ``Meta.verbose_name``/``verbose_name_plural``, an admin's
  ``site_header``/``site_title``/``index_title``/``short_description`` and
  the titles of its ``fieldsets``, and the text (outside the tags) of the
  template handed to ``format_html("…")``;
- the label of a ``TextChoices``/``IntegerChoices`` member (``X = "x", _("X")``);
  a member with no label gets Django's English one made from its name, so it
  is reported too;
- what a function named ``…_refusal`` or ``…_message`` returns (the reason
  an edit is refused, the text of a conflict), and the ``error`` of a
  ``JsonResponse({"error": …})`` (the studio's scripts show it to the author);
- a plain response body a person reads: ``HttpResponse("…")`` and its subclasses
  (the reader's follow-up form answers a refused POST with one);
- an email: the subject and body of ``send_mail``, ``EmailMessage`` and
  ``EmailMultiAlternatives`` (positional or ``subject=``/``body=``/``message=``).

A lazy string formatted where it is written (``gettext_lazy("Up to %(n)s") % {…}``)
is reported too: ``%`` translates it on the spot, at import time, in English.

Not checked: variables, module constants and calls other than the ones above
(the checker cannot know what a name holds, which is why the places above
pass *literals* through the catalogue where they are written, and a constant
shown to users is written ``gettext_noop("…")`` and translated where used),
logging, audit event texts and revision comments (stored data, English by
choice), and the public JSON API (``publishing/api.py``, its ``_error(…)``
texts included): it answers machines and stays English like its field names,
by choice (docs/architecture.md, "Languages (the interface)"). Deliberate
English elsewhere is in ``ALLOWED``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

# The apps whose Python code is checked.
APPS = ("audit", "articles", "review", "evidence", "publishing", "ops", "demo", "cms", "textkit")

# Folders never checked, with the reason.
SKIPPED_PARTS = {
    # Schema history: a migration records the field definitions of its day; regenerated, not hand-written.
    "migrations",
    # Management commands talk to operators on a terminal (stdout, CommandError), in English like the
    # rest of the operations tooling (RELIABILITY.md, the logs); nothing there reaches a reader or an editor.
    "commands",
}

# Deliberate English, with the reason. Keys are (path relative to the repository, the literal text);
# a path alone ("path", None) skips a whole module. Keep it short: each entry is a promise to explain it.
# tests/test_i18n_python.py fails on an entry that no longer matches anything.
ALLOWED: dict[tuple[str, str | None], str] = {
    # A command line, shown as typed: the desk says the verification run was started by this command.
    ("publishing/models.py", "manage.py verify_live"): "a command's name",
    # An evidence alert's message is stored on the alert when a background import finds it (no reader or
    # editor language is active then) and quotes the imported record; like the audit texts it is data.
    (
        "evidence/services.py",
        "f'[@{ref.key}] “{ref.title}” has a {nature.lower()} notice{when} "
        "(Retraction Watch record {notice.record_id}).{reason}'",
    ): "stored alert text",
    (
        "evidence/services.py",
        "f'[@{ref.key}] cites version {ref.spl_version} of the FDA label “{ref.title}”; version "
        "{label.version}{when} is current (SPL Set ID {label.set_id}). Check doses and warnings against it.'",
    ): "stored alert text",
}

# Identifiers that are the same in every language (the template checker's list).
ALLOWED_WORDS = frozenset({"Vetted", "PMID", "DOI", "URL", "RIS", "BibTeX", "PubMed", "MEDLINE", "JSON", "Atom", "CSV"})

TRANSLATION_FUNCTIONS = frozenset(
    {
        "_",
        "gettext",
        "gettext_lazy",
        "gettext_noop",
        "pgettext",
        "pgettext_lazy",
        "ngettext",
        "ngettext_lazy",
        "npgettext",
        "npgettext_lazy",
    }
)
MESSAGE_LEVELS = frozenset({"success", "error", "warning", "info", "debug"})
TEXT_KEYWORDS = frozenset({"label", "help_text", "verbose_name", "verbose_name_plural", "empty_label", "description"})
TEXT_ATTRIBUTES = frozenset(
    {"verbose_name", "verbose_name_plural", "site_header", "site_title", "index_title", "short_description"}
)
FIELD_ATTRIBUTES = frozenset({"label", "help_text", "empty_label"})
WIDGET_TEXT_ATTRS = frozenset({"placeholder", "title", "aria-label"})
EMAIL_CALLS = frozenset({"send_mail", "EmailMessage", "EmailMultiAlternatives"})
EMAIL_KEYWORDS = frozenset({"subject", "body", "message", "html_message"})
# Errors from outside the apps' exceptions.py whose message reaches a user.
USER_FACING_ERRORS = frozenset(
    {
        "PermissionDenied",  # templates/403.html shows the message
        "LabelError",  # evidence/dosing/label.py; EvidenceFileError quotes it to the editor who uploaded the file
    }
)
ACTION_CALLS = frozenset({"action", "make_action"})
REFUSAL_NAMES = frozenset({"why", "refusal"})
TEXT_FUNCTION_SUFFIXES = ("_refusal", "_message")
# Model fields whose first positional argument is another model, not the verbose name.
RELATION_FIELDS = frozenset({"ForeignKey", "OneToOneField", "ManyToManyField"})
CHOICES_BASES = frozenset({"TextChoices", "IntegerChoices", "Choices"})

HTML_TAG = re.compile(r"<[^>]*>")
LETTER = re.compile(r"[^\W\d_]")
WORD = re.compile(r"[^\W\d_][\w.-]*")


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    place: str
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.place}: {self.text!r}"


def _is_prose(text: str) -> bool:
    """Say whether a literal holds words a user reads (not only digits, punctuation or allowed names)."""
    words = [word for word in WORD.findall(text) if word.strip(".-") not in ALLOWED_WORDS]
    return any(LETTER.search(word) for word in words)


def _call_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name):
            return func.id
        if isinstance(func, ast.Attribute):
            return func.attr
    return None


def unmarked(node: ast.AST | None) -> Iterator[ast.AST]:
    """Yield the literal parts of an expression that a user would read untranslated."""
    if node is None:
        return
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str) and _is_prose(node.value):
            yield node
    elif isinstance(node, ast.JoinedStr):
        literal = "".join(part.value for part in node.values if isinstance(part, ast.Constant))
        if _is_prose(literal):
            yield node
    elif isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Mod) and (_call_name(node.left) or "").endswith("_lazy"):
            # ``gettext_lazy("…") % {…}`` formats, so translates, at once: at import time, in English.
            yield node
            return
        yield from unmarked(node.left)
        if isinstance(node.op, ast.Add):
            yield from unmarked(node.right)
    elif isinstance(node, ast.IfExp):
        yield from unmarked(node.body)
        yield from unmarked(node.orelse)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from unmarked(value)
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from unmarked(value)
    elif isinstance(node, (ast.List, ast.Tuple)):
        for element in node.elts:
            yield from unmarked(element)
    elif isinstance(node, ast.Call):
        name = _call_name(node)
        if name in TRANSLATION_FUNCTIONS:
            return
        if name == "format" and isinstance(node.func, ast.Attribute):
            yield from unmarked(node.func.value)
        elif name in {"str", "format_html", "mark_safe", "format_lazy"} and node.args:
            yield from unmarked(node.args[0])


def _text(node: ast.AST) -> str:
    if isinstance(node, ast.Constant):
        return str(node.value)
    return ast.unparse(node)


def _choice_labels(node: ast.AST) -> Iterator[ast.AST]:
    """Yield the label of each (value, label) pair of a literal choices list."""
    if isinstance(node, (ast.List, ast.Tuple)):
        for element in node.elts:
            if isinstance(element, ast.Tuple) and len(element.elts) == 2:
                value, label = element.elts
                if isinstance(label, (ast.List, ast.Tuple)):  # an optgroup: (group label, [pairs])
                    yield from unmarked(value)
                    yield from _choice_labels(label)
                else:
                    yield from unmarked(label)


def _base_names(node: ast.ClassDef) -> set[str]:
    names = set()
    for base in node.bases:
        if isinstance(base, ast.Name):
            names.add(base.id)
        elif isinstance(base, ast.Attribute):
            names.add(base.attr)
    return names


class _Visitor(ast.NodeVisitor):
    def __init__(self, path: str, error_classes: frozenset[str], helpers: dict[str, tuple[int, str]]) -> None:
        self.path = path
        self.error_classes = error_classes
        self.helpers = helpers
        self.findings: list[Finding] = []

    def report(self, nodes: Iterable[ast.AST], place: str) -> None:
        for node in nodes:
            self.findings.append(Finding(self.path, node.lineno, place, _text(node)))

    # --- calls ------------------------------------------------------------------------------

    def visit_Call(self, node: ast.Call) -> None:
        name = _call_name(node)
        func = node.func
        args = node.args
        keywords = {keyword.arg: keyword.value for keyword in node.keywords if keyword.arg}
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "messages":
            if name in MESSAGE_LEVELS:
                self.report(unmarked(args[1] if len(args) > 1 else keywords.get("message")), f"messages.{name}")
            elif name == "add_message":
                self.report(unmarked(args[2] if len(args) > 2 else keywords.get("message")), "messages.add_message")
        elif name == "message_user":
            self.report(unmarked(args[1] if len(args) > 1 else keywords.get("message")), "message_user")
        elif name == "ValidationError":
            self.report(unmarked(args[0] if args else keywords.get("message")), name)
        elif name in self.error_classes:
            for arg in [*args, keywords.get("message")]:
                self.report(unmarked(arg), name)
        elif name in self.helpers:
            index, parameter = self.helpers[name]
            self.report(unmarked(args[index] if len(args) > index else keywords.get(parameter)), f"{name}() message")
        elif name == "format_html" and args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
            if _is_prose(HTML_TAG.sub(" ", args[0].value).replace("{}", " ")):
                self.report([args[0]], "format_html")
        elif name == "JsonResponse" and args and isinstance(args[0], ast.Dict):
            for key, text in zip(args[0].keys, args[0].values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "error":
                    self.report(unmarked(text), "JsonResponse error")
        elif name == "add_error" and isinstance(func, ast.Attribute):
            self.report(unmarked(args[1] if len(args) > 1 else keywords.get("error")), "add_error")
        elif name in ACTION_CALLS:
            self.report(unmarked(args[1] if len(args) > 1 else keywords.get("label")), f"{name} label")
            self.report(unmarked(args[3] if len(args) > 3 else keywords.get("refusal")), f"{name} refusal")
        elif (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "models"
            and name.endswith("Field")
            and name not in RELATION_FIELDS
            and args
        ):
            self.report(unmarked(args[0]), f"{name} verbose_name")
        elif name and name.startswith("HttpResponse"):
            self.report(unmarked(args[0] if args else keywords.get("content")), name)
        elif name in EMAIL_CALLS:
            self.report(unmarked(args[0] if args else keywords.get("subject")), f"{name} subject")
            self.report(unmarked(args[1] if len(args) > 1 else None), f"{name} body")
            for keyword in EMAIL_KEYWORDS - {"subject"}:
                self.report(unmarked(keywords.get(keyword)), f"{name} {keyword}")
        for keyword, value in keywords.items():
            if keyword in TEXT_KEYWORDS:
                self.report(unmarked(value), f"{keyword}=")
            elif keyword == "error_messages" and isinstance(value, ast.Dict):
                self.report(unmarked(value), "error_messages=")
            elif keyword == "attrs" and isinstance(value, ast.Dict):
                for key, text in zip(value.keys, value.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value in WIDGET_TEXT_ATTRS:
                        self.report(unmarked(text), f"attrs {key.value}")
            elif keyword == "choices":
                self.report(_choice_labels(value), "choices=")
        self.generic_visit(node)

    # --- assignments --------------------------------------------------------------------------

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        # makemessages (xgettext) does not read inside an f-string: a message marked there never
        # reaches the catalogue, so it stays English in every language.
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                for inner in ast.walk(part.value):
                    if isinstance(inner, ast.Call) and _call_name(inner) in TRANSLATION_FUNCTIONS:
                        self.findings.append(
                            Finding(self.path, inner.lineno, "translation inside an f-string", _text(inner))
                        )
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._assigned(target, node.value)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._assigned(node.target, node.value)
        self.generic_visit(node)

    def _assigned(self, target: ast.AST, value: ast.AST) -> None:
        if isinstance(target, ast.Name) and target.id == "fieldsets" and isinstance(value, (ast.Tuple, ast.List)):
            for fieldset in value.elts:
                if isinstance(fieldset, ast.Tuple) and len(fieldset.elts) == 2:
                    self.report(unmarked(fieldset.elts[0]), "fieldsets title")
        elif isinstance(target, ast.Name) and target.id in REFUSAL_NAMES:
            self.report(unmarked(value), target.id)
        elif isinstance(target, ast.Name) and target.id in TEXT_ATTRIBUTES:
            self.report(unmarked(value), target.id)
        elif isinstance(target, ast.Attribute) and target.attr in TEXT_ATTRIBUTES | FIELD_ATTRIBUTES:
            self.report(unmarked(value), f".{target.attr}")
        elif (
            isinstance(target, ast.Subscript)
            and isinstance(target.value, ast.Attribute)
            and target.value.attr == "attrs"
            and isinstance(target.slice, ast.Constant)
            and target.slice.value in WIDGET_TEXT_ATTRS
        ):
            self.report(unmarked(value), f"attrs {target.slice.value}")

    # --- functions that return a user-facing text -------------------------------------------

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if node.name.endswith(TEXT_FUNCTION_SUFFIXES):
            for child in ast.walk(node):
                if isinstance(child, ast.Return):
                    self.report(unmarked(child.value), f"{node.name}() returns")
        self.generic_visit(node)

    # --- choices --------------------------------------------------------------------------------

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        if _base_names(node) & CHOICES_BASES:
            for statement in node.body:
                if not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
                    continue
                target = statement.targets[0]
                if not isinstance(target, ast.Name) or target.id.startswith("_") or not target.id.isupper():
                    continue
                value = statement.value
                if isinstance(value, ast.Tuple) and len(value.elts) >= 2:
                    self.report(unmarked(value.elts[-1]), f"{node.name}.{target.id} label")
                else:
                    self.findings.append(
                        Finding(self.path, statement.lineno, f"{node.name}.{target.id} label", "(made from the name)")
                    )
        self.generic_visit(node)


def error_classes(trees: dict[str, ast.Module]) -> frozenset[str]:
    """Return the names of the project's error classes: those of each app's ``exceptions.py`` and their subclasses."""
    names: set[str] = set()
    for path, tree in trees.items():
        if Path(path).name == "exceptions.py":
            names.update(node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef))
    grew = True
    while grew:
        grew = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names and _base_names(node) & names:
                    names.add(node.name)
                    grew = True
    return frozenset(names | USER_FACING_ERRORS)


def _allowance(finding: Finding) -> tuple[str, str | None] | None:
    for key in ((finding.path, None), (finding.path, finding.text)):
        if key in ALLOWED:
            return key
    return None


def flash_helpers(trees: Iterable[ast.Module]) -> dict[str, tuple[int, str]]:
    """Return the functions that flash one of their parameters: name -> (position, parameter name)."""
    helpers = {}
    for tree in trees:
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            parameters = [argument.arg for argument in function.args.posonlyargs + function.args.args]
            for call in ast.walk(function):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and isinstance(call.func.value, ast.Name)
                    and call.func.value.id == "messages"
                    and call.func.attr in MESSAGE_LEVELS
                    and len(call.args) > 1
                    and isinstance(call.args[1], ast.Name)
                    and call.args[1].id in parameters
                ):
                    helpers[function.name] = (parameters.index(call.args[1].id), call.args[1].id)
    return helpers


def check_source(
    source: str,
    *,
    path: str = "<source>",
    errors: frozenset[str] = frozenset(),
    helpers: dict[str, tuple[int, str]] | None = None,
) -> list[Finding]:
    """Return the untranslated user-facing literals of one module's source, the allow-list aside."""
    found = all_findings(source, path=path, errors=errors, helpers=helpers)
    return [finding for finding in found if _allowance(finding) is None]


def all_findings(
    source: str,
    *,
    path: str = "<source>",
    errors: frozenset[str] = frozenset(),
    helpers: dict[str, tuple[int, str]] | None = None,
) -> list[Finding]:
    """Return the untranslated user-facing literals of one module's source, allowed ones included.

    ``helpers`` (``flash_helpers`` of the whole tree) defaults to the module's own.
    """
    tree = ast.parse(source)
    visitor = _Visitor(path, errors, flash_helpers([tree]) if helpers is None else helpers)
    visitor.visit(tree)
    return sorted(visitor.findings, key=lambda finding: finding.line)


def project_modules(root: Path) -> dict[str, str]:
    """Return the checked modules' sources keyed by their path relative to ``root``."""
    sources = {}
    for app in APPS:
        for file in sorted((root / app).rglob("*.py")):
            relative = file.relative_to(root)
            if SKIPPED_PARTS.intersection(relative.parts):
                continue
            sources[relative.as_posix()] = file.read_text(encoding="utf-8")
    return sources


def check_tree(root: Path) -> list[Finding]:
    """Return every untranslated user-facing literal of the project's Python apps, the allow-list aside."""
    return [finding for finding in _tree_findings(root) if _allowance(finding) is None]


def unused_allowances(root: Path) -> set[tuple[str, str | None]]:
    """Return the allow-list entries that match nothing in the tree any more."""
    return set(ALLOWED) - {_allowance(finding) for finding in _tree_findings(root)}


def _tree_findings(root: Path) -> list[Finding]:
    sources = project_modules(root)
    trees = {path: ast.parse(source) for path, source in sources.items()}
    errors = error_classes(trees)
    helpers = flash_helpers(trees.values())
    findings: list[Finding] = []
    for path, source in sources.items():
        findings.extend(all_findings(source, path=path, errors=errors, helpers=helpers))
    return findings
