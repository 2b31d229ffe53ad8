"""Recommending states in UPR recommendation texts.

A matrix row reads "28.4 Continue working … (New Zealand); Accelerate … (Uruguay) (Mali);":
each clause ends with one or more parenthesised state names. Texts also contain parentheses
that are not states ("the third National Human Rights Action Plan (2016–2020) (Kyrgyzstan)",
"the Paris Principles) (Niger)"), and state names contain parentheses, commas and hyphens
("Bolivia (Plurinational State of)", "Guinea-Bissau"). A parenthesised group counts as a state
when it names a UN member or observer state (in any of the spellings OHCHR has used), or when it
is the last group of the whole text (then the caller is told it is unknown).
"""

from __future__ import annotations

import re
import unicodedata

# UN member states and observer states as OHCHR documents name them, with the other
# spellings found in UPR reports of different years.
UN_STATES: tuple[str, ...] = (
    "Afghanistan", "Albania", "Algeria", "Andorra", "Angola", "Antigua and Barbuda",
    "Argentina", "Armenia", "Australia", "Austria", "Azerbaijan", "Bahamas", "Bahrain",
    "Bangladesh", "Barbados", "Belarus", "Belgium", "Belize", "Benin", "Bhutan",
    "Bolivia (Plurinational State of)", "Bosnia and Herzegovina", "Botswana", "Brazil",
    "Brunei Darussalam", "Bulgaria", "Burkina Faso", "Burundi", "Cabo Verde", "Cambodia",
    "Cameroon", "Canada", "Central African Republic", "Chad", "Chile", "China", "Colombia",
    "Comoros", "Congo", "Costa Rica", "Côte d'Ivoire", "Croatia", "Cuba", "Cyprus", "Czechia",
    "Democratic People's Republic of Korea", "Democratic Republic of the Congo", "Denmark",
    "Djibouti", "Dominica", "Dominican Republic", "Ecuador", "Egypt", "El Salvador",
    "Equatorial Guinea", "Eritrea", "Estonia", "Eswatini", "Ethiopia", "Fiji", "Finland",
    "France", "Gabon", "Gambia", "Georgia", "Germany", "Ghana", "Greece", "Grenada",
    "Guatemala", "Guinea", "Guinea-Bissau", "Guyana", "Haiti", "Honduras", "Hungary", "Iceland",
    "India", "Indonesia", "Iran (Islamic Republic of)", "Iraq", "Ireland", "Israel", "Italy",
    "Jamaica", "Japan", "Jordan", "Kazakhstan", "Kenya", "Kiribati", "Kuwait", "Kyrgyzstan",
    "Lao People's Democratic Republic", "Latvia", "Lebanon", "Lesotho", "Liberia", "Libya",
    "Liechtenstein", "Lithuania", "Luxembourg", "Madagascar", "Malawi", "Malaysia", "Maldives",
    "Mali", "Malta", "Marshall Islands", "Mauritania", "Mauritius", "Mexico",
    "Micronesia (Federated States of)", "Monaco", "Mongolia", "Montenegro", "Morocco",
    "Mozambique", "Myanmar", "Namibia", "Nauru", "Nepal", "Netherlands (Kingdom of the)",
    "New Zealand", "Nicaragua", "Niger", "Nigeria", "North Macedonia", "Norway", "Oman",
    "Pakistan", "Palau", "Panama", "Papua New Guinea", "Paraguay", "Peru", "Philippines",
    "Poland", "Portugal", "Qatar", "Republic of Korea", "Republic of Moldova", "Romania",
    "Russian Federation", "Rwanda", "Saint Kitts and Nevis", "Saint Lucia",
    "Saint Vincent and the Grenadines", "Samoa", "San Marino", "Sao Tome and Principe",
    "Saudi Arabia", "Senegal", "Serbia", "Seychelles", "Sierra Leone", "Singapore", "Slovakia",
    "Slovenia", "Solomon Islands", "Somalia", "South Africa", "South Sudan", "Spain",
    "Sri Lanka", "Sudan", "Suriname", "Sweden", "Switzerland", "Syrian Arab Republic",
    "Tajikistan", "Thailand", "Timor-Leste", "Togo", "Tonga", "Trinidad and Tobago", "Tunisia",
    "Türkiye", "Turkmenistan", "Tuvalu", "Uganda", "Ukraine", "United Arab Emirates",
    "United Kingdom of Great Britain and Northern Ireland", "United Republic of Tanzania",
    "United States of America", "Uruguay", "Uzbekistan", "Vanuatu",
    "Venezuela (Bolivarian Republic of)", "Viet Nam", "Yemen", "Zambia", "Zimbabwe",
    # observer states
    "Holy See", "State of Palestine",
)  # fmt: skip

FORMER_NAMES: tuple[str, ...] = (
    "Bolivia", "Cape Verde", "Czech Republic", "Iran", "Ivory Coast", "Laos", "Micronesia",
    "Moldova", "Netherlands", "Swaziland", "Syria", "Tanzania", "Turkey", "Venezuela",
    "Vietnam", "The former Yugoslav Republic of Macedonia", "Macedonia", "Palestine",
    "Republic of North Macedonia", "United Kingdom", "United States", "Russia", "Korea",
    "Democratic Republic of Congo", "Republic of the Congo", "Gambia (Republic of The)",
    "Sao Tomé and Príncipe", "Brunei",
)  # fmt: skip

_INVERTED_RE = re.compile(r"^(?P<name>.+?)\s*\((?P<qualifier>[^()]+)\)$")


def state_key(name: str) -> str:
    """A spelling-insensitive key: accents, apostrophes, case, "the" and spacing ignored."""
    name = name.replace("’", "'").replace("‘", "'").replace("`", "'")
    name = unicodedata.normalize("NFKD", name)
    name = "".join(ch for ch in name if not unicodedata.combining(ch))
    name = re.sub(r"\s+", " ", name).strip().casefold()
    return re.sub(r"^the ", "", name)


def _variants(name: str) -> set[str]:
    variants = {name}
    match = _INVERTED_RE.match(name)
    if match:
        # "Bolivia (Plurinational State of)" is also written "Plurinational State of Bolivia",
        # and "Netherlands (Kingdom of the)" "Kingdom of the Netherlands".
        variants.add(f"{match['qualifier']} {match['name']}")
    return variants


KNOWN_STATE_KEYS: frozenset[str] = frozenset(
    state_key(variant) for name in UN_STATES + FORMER_NAMES for variant in _variants(name)
)


def is_known_state(name: str) -> bool:
    return state_key(name) in KNOWN_STATE_KEYS


def _balanced_groups(text: str) -> list[tuple[int, int]]:
    """(start, end) of every top-level balanced parenthesised group; end is exclusive."""
    groups: list[tuple[int, int]] = []
    depth = 0
    start = -1
    for index, char in enumerate(text):
        if char == "(":
            if depth == 0:
                start = index
            depth += 1
        elif char == ")" and depth:
            depth -= 1
            if depth == 0:
                groups.append((start, index + 1))
    return groups


_BETWEEN_GROUPS_RE = re.compile(r"^\s*$")


def _looks_like_state_name(name: str) -> bool:
    return bool(name) and name[0].isupper() and len(name) <= 80 and not re.search(r"\d", name)


def recommending_states(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The recommending states of a UPR recommendation text, in order of first appearance,
    and those of them that are not recognised as UN member or observer states.

    A clause ends with a run of adjacent groups "(Uruguay) (Mali)" followed by ";", "." or the
    end of the text. Reading a run from its end, each group that names a known state is taken,
    and the first one that does not ends the run — so "(2016–2020) (Kyrgyzstan)" gives
    Kyrgyzstan only. The last group of a run is taken even if it is not a known state, provided
    it looks like a name (capitalised, no digits), and is then also reported in the second
    tuple, so that a state missing from the list is flagged rather than dropped.
    """
    groups = _balanced_groups(text)
    runs: list[list[tuple[int, int]]] = []
    for group in groups:
        if runs and _BETWEEN_GROUPS_RE.match(text[runs[-1][-1][1] : group[0]]):
            runs[-1].append(group)
        else:
            runs.append([group])
    states: list[str] = []
    unknown: list[str] = []
    for run_index, run in enumerate(runs):
        after = text[run[-1][1] :]
        is_last_run = run_index == len(runs) - 1 and not after.strip(" ;.,\n\t")
        if not is_last_run and not re.match(r"\s*[;.]", after):
            continue
        found: list[str] = []
        for position, (start, end) in enumerate(reversed(run)):
            name = re.sub(r"\s+", " ", text[start + 1 : end - 1]).strip()
            if is_known_state(name):
                found.append(name)
            elif position == 0 and _looks_like_state_name(name):
                found.append(name)
                unknown.append(name)
            else:
                break
        states.extend(reversed(found))
    return tuple(dict.fromkeys(states)), tuple(dict.fromkeys(unknown))
