"""Upload limits read from Django settings (the pure modules take them as arguments)."""

from __future__ import annotations

from django.conf import settings

from .archives import ArchiveLimits


def archive_limits() -> ArchiveLimits:
    values = getattr(settings, "UPLOAD_ARCHIVE_LIMITS", {}) or {}
    return ArchiveLimits(**values)
