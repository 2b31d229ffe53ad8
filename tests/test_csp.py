"""Item 7: a Content-Security-Policy on every page, and no inline code it would block."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import run_with_result

TEMPLATES = Path(settings.BASE_DIR) / "templates"
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style(?![^>]*\bnonce=)", re.IGNORECASE)
# <script> with neither src, a nonce, nor a JSON data type is inline code
INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\b(?:src|nonce)=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>",
    re.IGNORECASE,
)


def directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=str)
def test_templates_have_no_inline_code(template):
    text = template.read_text()
    for pattern in (INLINE_HANDLER, STYLE_ATTRIBUTE, STYLE_ELEMENT, INLINE_SCRIPT):
        assert not pattern.search(text), f"{template}: {pattern.pattern}"
    assert "javascript:" not in text


@pytest.mark.parametrize("role", ["anonymous", "rco"])
def test_every_page_has_the_policy(role, people, client_for):
    response = client_for(role).get(reverse("home"))
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    for directive in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in policy[directive]
        assert any(s.startswith("'nonce-") for s in policy[directive])
    assert "'unsafe-eval'" not in policy["script-src"]


def test_nonce_changes_per_request(client):
    first = client.get(reverse("home"))["Content-Security-Policy"]
    assert first != client.get(reverse("home"))["Content-Security-Policy"]


def test_api_docs_allow_inline_styles_but_no_inline_script(client):
    response = client.get(reverse("api:docs"))
    policy = directives(response["Content-Security-Policy"])
    assert "'unsafe-inline'" in policy["style-src"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert not INLINE_SCRIPT.search(response.content.decode())
    assert client.get(reverse("api:docs") + "?script").status_code == 200


@pytest.mark.parametrize(
    "name", ["home", "accounts:profile", "accounts:organisation_list", "evidence:index"]
)
def test_rendered_pages_have_no_inline_code(name, people, client_for, vocabularies):
    html = client_for("rco").get(reverse(name)).content.decode()
    for pattern in (INLINE_HANDLER, STYLE_ATTRIBUTE, STYLE_ELEMENT, INLINE_SCRIPT):
        assert not pattern.search(html), (name, pattern.pattern)


def test_chart_page_has_no_inline_styles(people, client_for, vocabularies):
    """Inline SVG charts (analysis/charts.py) style themselves through portal.css."""
    run = run_with_result(published=True)
    html = client_for("rco").get(reverse("analysis:run_detail", args=[run.pk])).content.decode()
    assert "<svg" in html
    assert not STYLE_ATTRIBUTE.search(html) and not STYLE_ELEMENT.search(html)
