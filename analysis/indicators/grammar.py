"""Definitions in words: whom a run's leaves are compared with.

Pure Python; no Django imports.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_PLURALS = {"woman": "women", "man": "men", "child": "children", "person": "persons"}


def _plural_unit(unit: str) -> str:
    """ "woman 15-49" → "women 15-49", "household member" → "household members"."""
    words = unit.split()
    if not words:
        return ""
    if words[0].lower() in _PLURALS:
        return " ".join([_PLURALS[words[0].lower()], *words[1:]])
    if any(ch.isdigit() for ch in unit):
        return unit
    return " ".join([*words[:-1], words[-1] + ("" if words[-1].endswith("s") else "s")])


def _condition_text(condition: Mapping[str, Any]) -> str:
    column, op, value = (
        condition.get("column", "?"),
        condition.get("op", ""),
        condition.get("value"),
    )
    if op == "between" and isinstance(value, (list, tuple)) and len(value) == 2:
        return f"{column} {value[0]}–{value[1]}"
    if op in ("in", "not in") and isinstance(value, (list, tuple)):
        return f"{column} {op} {', '.join(str(v) for v in value)}"
    if op in ("notnull", "isnull"):
        return f"{column} {'known' if op == 'notnull' else 'missing'}"
    return f"{column} {op} {value}"


def reference_population_text(definition: Mapping[str, Any], region: str = "") -> str:
    """Whom a run's leaves are compared with, in words: the definition's unit of analysis
    (plural), the run's region and its reference-population conditions, e.g. "all women
    15-49 where v208 > 0" or "all households in Coast". A group page says "poorer rural
    women vs all women 15-49" instead of implying a comparison with everyone."""
    unit = _plural_unit(str(definition.get("unit") or ""))
    text = f"all {unit}" if unit else "everyone surveyed"
    if region:
        text += f" in {region}"
    conditions = [
        _condition_text(c)
        for c in definition.get("population_filter") or ()
        if isinstance(c, Mapping)
    ]
    if conditions:
        text += " where " + " and ".join(conditions)
    if definition.get("query"):
        text += " (and a custom filter)"
    return text[:300]
