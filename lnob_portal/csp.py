"""Content-Security-Policy, set by a small middleware of our own.

Why not django-csp: Django 5.2 has no CSP of its own (6.0 adds one, with nearly the same
settings shape), the portal needs one policy plus one relaxed policy for Swagger UI, and a
40-line middleware is easier to review and to replace by Django's own than a dependency.

Every page gets a fresh nonce (``request.csp_nonce``, ``{{ csp_nonce }}`` in templates) for the
rare inline ``<script nonce=…>``/``<style nonce=…>``; pages otherwise load only the portal's own
vendored assets ('self'). Responses that set their own policy (e.g. media downloads) keep it.
"""

from __future__ import annotations

import secrets

from django.conf import settings


def _render(directives: dict[str, list[str]], nonce: str) -> str:
    parts = []
    for name, sources in directives.items():
        values = [s.replace("{nonce}", f"'nonce-{nonce}'") for s in sources]
        parts.append(" ".join([name, *values]).strip())
    return "; ".join(parts)


def policy_for(path: str) -> dict[str, list[str]]:
    for prefix, directives in getattr(settings, "CSP_PATH_POLICIES", {}).items():
        if path.startswith(prefix):
            return directives
    return settings.CSP_POLICY


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = _render(
                policy_for(request.path), request.csp_nonce
            )
        return response


def nonce(request) -> dict[str, str]:
    """Template context processor: ``{{ csp_nonce }}``."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
