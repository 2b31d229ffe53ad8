"""The address of the person making a request, as far as the deployment can vouch for it.

Behind N trusted reverse proxies (``TRUSTED_PROXY_COUNT``), each proxy appends the address it
received the request from to X-Forwarded-For, so the N-th entry from the right is the last one
a trusted proxy wrote: the client as seen by the outermost proxy. Entries further left were
written by the client itself and can be forged. With no trusted proxy the header is ignored and
REMOTE_ADDR is the answer. Rate limits, the audit log and sign-in logging all use this one
function, and allauth is configured with the same count (settings ``ALLAUTH_TRUSTED_PROXY_COUNT``).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _clean(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:51234"
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip_from(
    remote_addr: str | None, forwarded_for: str | None, trusted_proxies: int
) -> str | None:
    """Pure: the client address from REMOTE_ADDR and X-Forwarded-For given N trusted proxies.

    If the header holds fewer entries than there are trusted proxies, the request did not come
    through all of them (or was crafted); fall back to REMOTE_ADDR, the one address no client
    can choose.
    """
    if trusted_proxies > 0 and forwarded_for:
        entries = [e for e in (part.strip() for part in forwarded_for.split(",")) if e]
        if len(entries) >= trusted_proxies:
            candidate = _clean(entries[-trusted_proxies])
            if candidate:
                return candidate
    return _clean(remote_addr)


def client_ip(request: HttpRequest | None) -> str | None:
    """The client address of ``request`` (None if there is no request or no usable address)."""
    if request is None:
        return None
    return client_ip_from(
        request.META.get("REMOTE_ADDR"),
        request.META.get("HTTP_X_FORWARDED_FOR"),
        int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0),
    )
