"""Survey circumstances → the five factors, by an explicit table (``CircumstanceFactor``).

``factor_for_circumstance`` is pure: it takes the table as a mapping, so the summary
computation can load the table once per country and call it for every circumstance.
Names match exactly, ignoring case and surrounding/repeated spaces; there is no substring
matching (the old mapping read "age" inside "village_type").
"""

from __future__ import annotations

from collections.abc import Mapping

# The defaults, seeded by migration 0003: the circumstances of the ESCAP presets
# (analysis/indicators/catalogue.py) and of the demo data, by exact name.
DEFAULT_CIRCUMSTANCE_FACTORS: dict[str, str] = {
    "Wealth": "socio_economic_status",
    "Education": "socio_economic_status",
    "Household education": "socio_economic_status",
    "Household head's education": "socio_economic_status",
    "Mother's education": "socio_economic_status",
    "Residence": "geography",
    "Region": "geography",
    "Sex": "discrimination",
    "Sex of household head": "discrimination",
    "Age": "discrimination",
    "Age group": "discrimination",
    "Marital status": "discrimination",
    "Ethnicity": "discrimination",
    "Religion": "discrimination",
    "Caste": "discrimination",
    "Disability status": "discrimination",
    "Language": "discrimination",
}


def circumstance_key(name: str) -> str:
    """The form in which names are compared: case-insensitive, spaces collapsed."""
    return " ".join(str(name).split()).casefold()


def factor_for_circumstance(name: str, table: Mapping[str, str]) -> str | None:
    """The factor code of circumstance ``name`` in ``table`` (circumstance name → factor
    code), or ``None`` when the table does not list it. Exact names only."""
    wanted = circumstance_key(name)
    for circumstance, factor in table.items():
        if circumstance_key(circumstance) == wanted:
            return factor
    return None


def circumstance_factor_table(*, country: str | None) -> dict[str, str]:
    """The table in force in ``country``: the defaults, overridden by the country's rows
    (``None``: the defaults only)."""
    from .models import CircumstanceFactor

    rows = CircumstanceFactor.objects.filter(country__in=["", country or ""]).order_by("-country")
    table: dict[str, str] = {}
    seen: set[str] = set()
    # Country rows first (ordered "-country": non-empty before empty), so they win.
    for circumstance, factor in rows.values_list("circumstance", "factor"):
        key = circumstance_key(circumstance)
        if key not in seen:
            seen.add(key)
            table[circumstance] = factor
    return table
