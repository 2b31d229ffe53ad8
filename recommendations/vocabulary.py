"""Default mechanisms and themes, and how an import label finds (or creates) its entry.

Sources: OHCHR Universal Human Rights Index (bodies and current uncoded themes) and the coded
themes of the older UPR matrices (PRODUCT.md §5). RCO staff extend both with synonyms.
"""

from __future__ import annotations

import re

from .models import Mechanism

TREATY_BODIES = {
    "CCPR": "Human Rights Committee",
    "CESCR": "Committee on Economic, Social and Cultural Rights",
    "CERD": "Committee on the Elimination of Racial Discrimination",
    "CEDAW": "Committee on the Elimination of Discrimination against Women",
    "CAT": "Committee against Torture",
    "SPT": "Subcommittee on Prevention of Torture",
    "CRC": "Committee on the Rights of the Child",
    "CMW": "Committee on Migrant Workers",
    "CRPD": "Committee on the Rights of Persons with Disabilities",
    "CED": "Committee on Enforced Disappearances",
}
ILO_PREFIXES = ("ILO", "CEACR", "CAS ", "CFA")
REGIONAL_WORDS = (
    "inter-american",
    "iachr",
    "african commission",
    "achpr",
    "acerwc",
    "european",
    "ecsr",
    "council of europe",
    "asean",
)
SPECIAL_PROCEDURE_PREFIXES = ("SR ", "SR on", "WG ", "WG on", "IE ", "IE on", "Special Rapporteur")

# Current UHRI theme labels (uncoded). A coded matrix label ("A12 Acceptance of international
# norms") matches by its words; codes are never matched alone, as they changed over time.
DEFAULT_THEMES: list[tuple[str, list[str]]] = [
    ("Acceptance of international norms", ["ratification of treaties"]),
    ("Cooperation with treaty bodies", []),
    ("Cooperation with special procedures", []),
    ("Follow-up to the universal periodic review", []),
    ("Human rights policies", ["constitutional and legislative framework"]),
    ("National human rights institutions", ["NHRI"]),
    ("Human rights education & training", ["human rights education"]),
    ("Equality & non-discrimination", ["equality and non-discrimination"]),
    ("Racial discrimination", []),
    ("Right to life", []),
    ("Prohibition of torture & cruel, inhuman or degrading treatment", ["torture"]),
    ("Liberty & security of the person", []),
    ("Administration of justice & fair trial", ["fair trial"]),
    ("Freedom of thought, conscience & religion", ["freedom of religion or belief"]),
    ("Freedom of opinion & expression", ["freedom of expression"]),
    ("Freedom of association & peaceful assembly", []),
    ("Human rights defenders", []),
    ("Right to work", []),
    ("Right to social security", []),
    ("Right to an adequate standard of living", []),
    ("Right to food", []),
    ("Right to adequate housing", ["right to housing"]),
    ("Right to water & sanitation", ["right to water and sanitation"]),
    ("Right to health", []),
    ("Sexual & reproductive health & rights", []),
    ("Right to education", []),
    ("Business & human rights", []),
    ("Climate change & environment", ["environment"]),
    ("Development", ["right to development"]),
    ("Sexual & gender-based violence", ["violence against women"]),
    ("Women's rights", ["discrimination against women"]),
    ("Children's rights", ["children: definition, general principles, protection"]),
    ("Rights of persons with disabilities", ["persons with disabilities"]),
    ("Rights of indigenous peoples", ["indigenous peoples"]),
    ("Rights of migrants", ["migrants"]),
    ("Rights of minorities", ["minorities"]),
    ("Trafficking in persons", ["trafficking"]),
    ("Birth registration & right to a name & nationality", ["birth registration"]),
]

_CODED_THEME = re.compile(r"^([A-Z]{1,2}\d{0,3})\s+(.+)$")


def split_theme_label(label: str) -> tuple[str, str]:
    """Split a coded label: "A12 Acceptance of …" -> ("A12", "Acceptance of …");
    an uncoded label -> ("", label)."""
    text = label.strip().lstrip("-").strip()
    match = _CODED_THEME.match(text)
    if match and any(ch.isdigit() for ch in match.group(1)):
        return match.group(1), match.group(2).strip()
    return "", text


def mechanism_kind_for(code: str) -> str:
    """Which kind of mechanism a UHRI ``Body`` (or a template's mechanism column) names."""
    text = code.strip()
    lowered = text.lower()
    if text.upper() == "UPR" or lowered.startswith("universal periodic"):
        return Mechanism.Kind.UPR
    if text.upper() in TREATY_BODIES:
        return Mechanism.Kind.TREATY_BODY
    if text.startswith(SPECIAL_PROCEDURE_PREFIXES):
        return Mechanism.Kind.SPECIAL_PROCEDURE
    if text.upper().startswith(ILO_PREFIXES):
        return Mechanism.Kind.ILO
    if any(word in lowered for word in REGIONAL_WORDS):
        return Mechanism.Kind.REGIONAL
    return Mechanism.Kind.NATIONAL


def upr_cycle_for_session(session: int | None) -> int | None:
    """UPR sessions 1–12 → cycle 1, 13–26 → 2, 27–40 → 3, 41–54 → 4 (14 sessions a cycle)."""
    if not session or session < 1:
        return None
    if session <= 12:
        return 1
    return 2 + (session - 13) // 14


_SDG_THEME = re.compile(r"^S\d{1,2}\s+SDG\s*(\d{1,2})\b", re.IGNORECASE)


def split_sdg_themes(labels) -> tuple[list[str], list[int]]:
    """Older matrices list SDGs among the coded themes ("S16 SDG 16 - peace, …"): those
    become SDG goal links, the rest stay themes."""
    themes, goals = [], []
    for label in labels or ():
        match = _SDG_THEME.match((label or "").strip().lstrip("-").strip())
        if match:
            goals.append(int(match.group(1)))
        else:
            themes.append(label)
    return themes, goals
