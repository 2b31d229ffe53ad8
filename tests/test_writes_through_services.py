"""Every write goes through a service: views, forms, API modules and signal handlers do not
call a model's (or a model form's) ``save``/``create``/``delete``/``update`` or change a
many-to-many relation themselves.

The check reads the source (AST), so it fails the moment someone adds such a call. A call is
a write unless its receiver is one of the things in ``NOT_A_MODEL`` (the cache, a dict of
template context, a set being filled). Anything else must be moved into the app's
``services.py``, or, with a reason, listed in ``ALLOWED``.
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "taxonomy", "consultations", "recommendations", "analysis", "evidence")
WRITES = {
    "save",
    "create",
    "delete",
    "update",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
    "add",
    "remove",
    "set",
    "clear",
}
# Receivers that are not models: Django's cache, dicts and sets built in the function.
NOT_A_MODEL = {
    "cache",
    "context",
    "self.initial",
    "values",
    "names",
    "forms",
    "request.session",
    "kwargs",
    "data",
    "seen",
    "errors",
}
# (file, function, call) with the reason it may stay.
ALLOWED: dict[tuple[str, str, str], str] = {}


def _modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if "migrations" in rel.parts or "management" in rel.parts:
                continue
            in_views = rel.name.startswith("views") or "views" in rel.parts
            if in_views or rel.name in ("forms.py", "api.py", "serializers.py", "signals.py"):
                yield rel


def _writes(rel: Path):
    tree = ast.parse((ROOT / rel).read_text(encoding="utf-8"))
    found = []

    class Visitor(ast.NodeVisitor):
        def __init__(self):
            self.stack = []

        def visit_FunctionDef(self, node):
            self.stack.append(node.name)
            self.generic_visit(node)
            self.stack.pop()

        visit_AsyncFunctionDef = visit_FunctionDef

        def visit_Call(self, node):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in WRITES:
                receiver = ast.unparse(func.value)
                # form.save(commit=False) builds an unsaved object for a service to write.
                unsaved = func.attr == "save" and any(
                    k.arg == "commit" and isinstance(k.value, ast.Constant) and not k.value.value
                    for k in node.keywords
                )
                # A model form's own save() is the form's contract; only services call it.
                own_save = rel.name == "forms.py" and self.stack[-1:] == ["save"]
                if receiver not in NOT_A_MODEL and not unsaved and not own_save:
                    found.append((str(rel), ".".join(self.stack), ast.unparse(func), node.lineno))
            self.generic_visit(node)

    Visitor().visit(tree)
    return found


def test_views_forms_api_and_signals_write_only_through_services():
    offending = [
        f"{file}:{line} {function}() calls {call}"
        for rel in _modules()
        for file, function, call, line in _writes(rel)
        if (file, function, call) not in ALLOWED
    ]
    assert not offending, "Move these writes into a service:\n" + "\n".join(offending)


def test_the_allow_list_names_only_calls_that_still_exist():
    present = {(f, fn, call) for rel in _modules() for f, fn, call, _ in _writes(rel)}
    stale = sorted(set(ALLOWED) - present)
    assert not stale, f"Remove from ALLOWED (no longer in the code): {stale}"


def test_the_check_catches_a_write_in_a_view(tmp_path, monkeypatch):
    app = tmp_path / "accounts"
    app.mkdir()
    (app / "views.py").write_text(
        "def rename(request, org, form):\n    org.name = 'x'\n    org.save()\n"
        "    cache.delete('k')\n    draft = form.save(commit=False)\n    form.save()\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    found = _writes(Path("accounts/views.py"))
    assert [(fn, call) for _, fn, call, _ in found] == [
        ("rename", "org.save"),
        ("rename", "form.save"),
    ]
