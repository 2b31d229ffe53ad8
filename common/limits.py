"""Upload limits read from Django settings (the pure modules take them as arguments)."""

from __future__ import annotations

from django.conf import settings

from .archives import ArchiveLimits


def archive_limits() -> ArchiveLimits:
    values = getattr(settings, "UPLOAD_ARCHIVE_LIMITS", {}) or {}
    return ArchiveLimits(**values)


def upload_max_columns() -> int:
    """The widest table (survey or template) accepted; see ``UPLOAD_MAX_COLUMNS``."""
    return int(getattr(settings, "UPLOAD_MAX_COLUMNS", 10_000))


def upload_max_field_chars() -> int:
    """The longest single value (CSV field, cell) accepted; see ``UPLOAD_MAX_FIELD_CHARS``."""
    return int(getattr(settings, "UPLOAD_MAX_FIELD_CHARS", 65_536))


def upload_max_json_depth() -> int:
    """The deepest nesting accepted in an uploaded JSON file; see ``UPLOAD_MAX_JSON_DEPTH``."""
    return int(getattr(settings, "UPLOAD_MAX_JSON_DEPTH", 32))
