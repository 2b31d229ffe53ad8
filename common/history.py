"""What changed, in one JSON-safe form, for the content histories.

The portal keeps two kinds of record, on purpose:

* the **security audit** (``accounts.AuditEvent`` through ``accounts.services.audit_record``):
  who signed in, changed a role, exported, deleted; never the content itself;
* the **content history** of what people write: the tracker's ``recommendations.Change``
  and the group analyses' ``evidence.Revision``, with before/after values shown to the
  people who work on that content.

Both content histories describe values with these helpers, so a date, a linked record or a
file reads the same in either.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model
from django.forms.models import model_to_dict


def plain(value: Any) -> Any:
    """A JSON-safe form of a field value: records by name, dates in ISO, files by name."""
    if isinstance(value, Model):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple, set, frozenset)):
        return sorted(str(plain(v)) for v in value)
    if hasattr(value, "name") and hasattr(value, "url"):  # a stored file
        return value.name or ""
    if isinstance(value, (str, int, float, bool, type(None))):
        return value
    return str(value)


def snapshot(obj: Model) -> dict[str, Any]:
    """Every editable field of ``obj`` (many-to-many included), JSON-safe."""
    return {name: plain(value) for name, value in model_to_dict(obj).items()}


def apply_changes(obj: Model, data: dict[str, Any]) -> dict[str, list[Any]]:
    """Set attributes of ``obj`` and return what changed as {field: [old, new]}."""
    changed: dict[str, list[Any]] = {}
    for name, value in data.items():
        try:
            old = getattr(obj, name)
        except ObjectDoesNotExist:  # a foreign key not set yet on a new object
            old = None
        if old != value:
            changed[name] = [old, value]
            setattr(obj, name, value)
    return changed


def set_m2m(obj: Model, name: str, values: Iterable[Model]) -> dict[str, list[Any]]:
    """Replace a many-to-many relation; {name: [old names, new names]} when it changed."""
    manager = getattr(obj, name)
    old = set(manager.all())
    new = set(values)
    if old == new:
        return {}
    manager.set(new)
    return {name: [sorted(map(str, old)), sorted(map(str, new))]}
