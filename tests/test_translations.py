"""The portal in French and Spanish: every string marked, every catalogue entry translated.

* Templates: text between tags and the human-readable attributes (aria-label, title,
  placeholder, alt) must come from ``{% translate %}``/``{% blocktranslate %}`` or a variable.
* Python: messages shown to people (``messages.*``, ``ValidationError``) and form/model
  labels and help texts are marked with ``gettext``.
* Catalogues: ``makemessages`` run on a copy of the code finds no msgid that the committed
  French or Spanish catalogue leaves untranslated or fuzzy.
"""

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.template.base import Lexer, TokenType

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "accounts",
    "taxonomy",
    "consultations",
    "recommendations",
    "analysis",
    "evidence",
    "common",
)
LANGUAGES = ("fr", "es")

# Words that read the same in every language: file formats, acronyms, rpart's parameter names.
TECHNICAL = {
    "API", "CSV", "DOCX", "HTML", "ID", "JSON", "LNOB", "ODK", "PDF", "PNG", "SDG", "SVG",
    "UHRI", "UPR", "XLSX", "cp", "minbucket", "minsplit", "Kobo", "KoboToolbox",
}  # fmt: skip
# Templates that are deliberately not translated through the catalogue, with the reason.
TEMPLATE_EXCEPTIONS = {
    # Shown when the portal itself failed: static, written in all three languages.
    "templates/500.html",
}
_TAG = re.compile(r"<[^>]*>", re.S)
_ATTRIBUTE = re.compile(
    r"\b(?:aria-label|aria-description|aria-roledescription|aria-valuetext|title|placeholder|alt)"
    r'="([^"]*)"'
)
_WORD = re.compile(r"[^\W\d_]{2,}")


def _flatten(source: str) -> str:
    """The template's literal text, with every Django tag, variable, comment and the body of
    every blocktranslate replaced by a neutral mark."""
    out, depth = [], 0
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            bits = token.contents.split()
            if bits and bits[0] in ("blocktranslate", "blocktrans", "comment"):
                depth += 1
            elif bits and bits[0] in ("endblocktranslate", "endblocktrans", "endcomment"):
                depth -= 1
            out.append("§")
        elif token.token_type == TokenType.TEXT and not depth:
            out.append(token.contents)
        else:
            out.append("§")
    return "".join(out)


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text) if w not in TECHNICAL]


def untranslated_template_text(path: Path) -> list[str]:
    flat = _flatten(path.read_text(encoding="utf-8"))
    flat = re.sub(r"<(script|style)\b[^>]*>.*?</\1>", "", flat, flags=re.S | re.I)
    flat = re.sub(r"<!--.*?-->", "", flat, flags=re.S)
    found = [m.group(0) for m in _ATTRIBUTE.finditer(flat) if _words(m.group(1))]
    text = re.sub(r"&[a-zA-Z]+;|&#x?[0-9a-fA-F]+;", " ", _TAG.sub(" ", flat))
    found += [line.strip() for line in text.splitlines() if _words(line)]
    return found


def test_every_template_text_is_marked_for_translation():
    problems = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        rel = str(path.relative_to(ROOT))
        if rel in TEMPLATE_EXCEPTIONS:
            continue
        problems += [f"{rel}: {text[:80]}" for text in untranslated_template_text(path)]
    assert not problems, "Mark these with {% translate %}:\n" + "\n".join(problems)


def test_the_template_check_finds_unmarked_text(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        '{% load i18n %}<h1>{% translate "Groups" %}</h1><p>Data gaps</p>'
        '<a aria-label="Close" href="{{ url }}">{{ name }}</a> CSV · XLSX'
        "{% blocktranslate %}Hello {{ name }}{% endblocktranslate %}"
    )
    found = untranslated_template_text(page)
    assert len(found) == 2
    assert found[0] == 'aria-label="Close"'
    assert "Data gaps" in found[1] and "Groups" not in found[1] and "Hello" not in found[1]


_MESSAGE_LEVELS = {"success", "error", "warning", "info", "debug"}
_LABEL_KEYWORDS = {"help_text", "verbose_name", "verbose_name_plural", "label", "empty_label"}


def _plain_text(node: ast.AST) -> bool:
    if isinstance(node, ast.JoinedStr):
        return True
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and bool(_WORD.search(node.value))
    )


def unmarked_python_strings(path: Path, rel: str) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = ast.unparse(node.func)
        shown: list[ast.AST] = []
        if isinstance(node.func, ast.Attribute) and node.func.attr in _MESSAGE_LEVELS:
            if ast.unparse(node.func.value) == "messages":
                shown = node.args[1:2]
        elif name.split(".")[-1] == "ValidationError":
            shown = node.args[:1]
        # The API schema (OpenAPI) is documented in English only.
        if not rel.endswith("api.py"):
            shown += [k.value for k in node.keywords if k.arg in _LABEL_KEYWORDS]
        found += [f"{rel}:{node.lineno} {ast.unparse(a)[:70]}" for a in shown if _plain_text(a)]
    return found


# Internal fields whose help text no person reads (with the reason).
PYTHON_EXCEPTIONS = {
    # Comment.element is a code ("cause:12") the page sets, never typed by a person.
    "evidence/models.py",
}


def test_every_message_and_label_in_python_is_marked_for_translation():
    problems = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = str(path.relative_to(ROOT))
            parts = path.relative_to(ROOT).parts
            if "migrations" in parts or "management" in parts or "engine" in parts:
                continue
            if rel in PYTHON_EXCEPTIONS:
                continue
            problems += unmarked_python_strings(path, rel)
    assert not problems, "Mark these with gettext:\n" + "\n".join(problems)


@pytest.mark.skipif(shutil.which("msgattrib") is None, reason="needs GNU gettext")
def test_catalogues_translate_every_marked_string(tmp_path):
    """makemessages on a copy of the code: no msgid left untranslated or fuzzy."""
    for name in (*APPS, "demo", "benchmarks", "lnob_portal", "templates", "locale", "static"):
        source = ROOT / name
        if source.exists():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("*.mo"))
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    args = [sys.executable, "manage.py", "makemessages", "--no-location", "--ignore=static/*"]
    for language in LANGUAGES:
        args += ["-l", language]
    made = subprocess.run(
        args, cwd=tmp_path, capture_output=True, text=True, timeout=600,
        env={"DJANGO_SETTINGS_MODULE": "lnob_portal.settings.test", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    missing = {}
    for language in LANGUAGES:
        catalogue = tmp_path / "locale" / language / "LC_MESSAGES" / "django.po"
        for flag in ("--untranslated", "--only-fuzzy"):
            listed = subprocess.run(
                ["msgattrib", flag, "--no-obsolete", "--no-wrap", str(catalogue)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            ids = [m for m in re.findall(r'^msgid "(.+)"$', listed, re.M) if m]
            if ids:
                missing[f"{language} {flag[2:]}"] = ids
    assert not missing, f"Translate these (run makemessages -l fr -l es): {missing}"
