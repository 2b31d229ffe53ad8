"""A synthetic, DHS-like household survey for demonstrations and tests.

:func:`generate_dhs_like` draws a seeded, deterministic survey with four recode-like tables
that use DHS variable names and codes:

* ``HR`` households (electricity, cooking fuel, water, sanitation, bank account, phone…),
* ``PR`` household members (age, sex, educational attainment),
* ``IR`` women 15–49 (marriage, births, delivery care, family planning, attitudes, internet,
  the domestic-violence module),
* ``KR`` children under 5 of interviewed women (anthropometry z-scores ×100).

The numbers are invented, but the inequalities have the shape ESCAP's trees find in real
surveys: rural, poorer, less-educated households, a highland ethnic minority and two remote
regions are worse off, and rural households in the poorest quintile are markedly worse off
than either disadvantage alone predicts. Every table keeps its value labels and level orders,
so :meth:`SyntheticFile.write_dta` writes a labelled Stata file that
:func:`analysis.surveyio.read_survey` reads back with level names.

Pure NumPy/pandas; no Django imports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

DEFAULT_SEED = 20240611
DEFAULT_HOUSEHOLDS = 3_000

REGIONS: dict[int, str] = {
    1: "Capital",
    2: "Central Plains",
    3: "Eastern Coast",
    4: "Southern Delta",
    5: "Northern Highlands",
    6: "Western Mountains",
}
#: Regions with poor roads and services: every access indicator is lower there.
REMOTE_REGIONS: frozenset[int] = frozenset({5, 6})
_REGION_SHARE = np.array([0.20, 0.24, 0.17, 0.17, 0.12, 0.10])
_REGION_URBAN = np.array([0.90, 0.35, 0.40, 0.30, 0.15, 0.12])
_REGION_WEALTH_SHIFT = np.array([0.5, 0.1, 0.1, -0.1, -0.3, -0.4])

ETHNICITY: dict[int, str] = {
    1: "Majority group",
    2: "Highland minority",
    3: "Coastal minority",
    4: "Other",
}
RELIGION: dict[int, str] = {1: "Buddhist", 2: "Muslim", 3: "Christian", 4: "Other or none"}

_YES_NO = {0: "No", 1: "Yes"}
_SEX = {1: "Male", 2: "Female"}
_RESIDENCE = {1: "Urban", 2: "Rural"}
_WEALTH = {1: "Poorest", 2: "Poorer", 3: "Middle", 4: "Richer", 5: "Richest"}
_EDUCATION = {0: "No education", 1: "Primary", 2: "Secondary", 3: "Higher", 8: "Don't know"}
_ATTAINMENT = {
    0: "No education",
    1: "Incomplete primary",
    2: "Complete primary",
    3: "Incomplete secondary",
    4: "Complete secondary",
    5: "Higher",
    8: "Don't know",
}
_FUEL = {
    1: "Electricity",
    2: "LPG",
    3: "Natural gas",
    4: "Biogas",
    5: "Kerosene",
    6: "Coal, lignite",
    7: "Charcoal",
    8: "Wood",
    9: "Straw/shrubs/grass",
    10: "Agricultural crop",
    11: "Animal dung",
    95: "No food cooked in house",
}
_WATER = {
    11: "Piped into dwelling",
    12: "Piped to yard/plot",
    13: "Public tap/standpipe",
    21: "Tube well or borehole",
    31: "Protected well",
    32: "Unprotected well",
    41: "Protected spring",
    42: "Unprotected spring",
    43: "River/dam/lake/ponds/stream/canal",
    51: "Rainwater",
    71: "Bottled water",
}
_TOILET = {
    11: "Flush to piped sewer system",
    12: "Flush to septic tank",
    13: "Flush to pit latrine",
    14: "Flush to somewhere else",
    21: "Ventilated improved pit latrine (VIP)",
    22: "Pit latrine with slab",
    23: "Pit latrine without slab/open pit",
    31: "No facility/bush/field",
    41: "Composting toilet",
    42: "Bucket toilet",
    43: "Hanging toilet/latrine",
}
_WATER_TIME = {996: "On premises", 998: "Don't know"}
_ANTHRO_FLAGS = {
    9996: "Height out of plausible limits",
    9997: "Age in days out of plausible limits",
    9998: "Flagged cases",
}
_AGE_GROUP_5 = {i + 1: f"{15 + 5 * i}-{19 + 5 * i}" for i in range(7)}
_MARITAL = {
    0: "Never in union",
    1: "Married",
    2: "Living with partner",
    3: "Widowed",
    4: "Divorced",
    5: "No longer living together/separated",
}
_UNION = {0: "Never in union", 1: "Currently in union", 2: "Formerly in union"}
_UNMET = {
    0: "Never had sex",
    1: "Unmet need for spacing",
    2: "Unmet need for limiting",
    3: "Using for spacing",
    4: "Using for limiting",
    7: "No unmet need",
    8: "Not married and no sex in last 30 days",
    9: "Infecund, menopausal",
}
_METHOD_TYPE = {0: "No method", 1: "Folkloric method", 2: "Traditional method", 3: "Modern method"}
_YES_NO_DK = {0: "No", 1: "Yes", 8: "Don't know"}
_INTERNET = {
    0: "Never",
    1: "Yes, last 12 months",
    2: "Yes, before last 12 months",
    3: "Yes, cannot say when",
}
_DV_SELECTED = {
    0: "Woman not selected",
    1: "Woman selected and interviewed",
    2: "Woman selected, but not interviewed",
}


@dataclass(frozen=True)
class SyntheticFile:
    """One synthetic recode table with its Stata-style metadata.

    ``frame`` holds numeric codes (as DHS distributes them); ``value_labels`` maps columns to
    ``{code: level name}``; ``variable_labels`` describes each column.
    """

    recode: str
    title: str
    unit: str
    frame: pd.DataFrame
    variable_labels: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[int, str]] = field(default_factory=dict)

    def level_order(self, column: str) -> list[str]:
        """Level names of a labelled column in code order."""
        return [self.value_labels[column][code] for code in sorted(self.value_labels[column])]

    def write_dta(self, path: str | Path) -> Path:
        """Write a Stata .dta file with variable and value labels; returns the path."""
        target = Path(path)
        pyreadstat.write_dta(
            self.frame,
            str(target),
            file_label=f"Synthetic DHS-like {self.recode} file: {self.title}",
            column_labels={name: self.variable_labels.get(name, "") for name in self.frame},
            variable_value_labels={
                name: dict(labels) for name, labels in self.value_labels.items()
            },
        )
        return target

    def write_csv(self, path: str | Path) -> Path:
        """Write the codes as a UTF-8 CSV file (no labels); returns the path."""
        target = Path(path)
        self.frame.to_csv(target, index=False)
        return target


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _choice(rng: np.random.Generator, codes: Mapping[int, float], size: int) -> np.ndarray:
    values = np.array(list(codes), dtype=np.int64)
    weights = np.array(list(codes.values()), dtype=float)
    return rng.choice(values, size=size, p=weights / weights.sum())


def _draw_codes(
    rng: np.random.Generator,
    success: np.ndarray,
    good: Mapping[int, float],
    bad: Mapping[int, float],
) -> np.ndarray:
    codes = _choice(rng, bad, len(success))
    codes[success] = _choice(rng, good, int(success.sum()))
    return codes


def generate_dhs_like(
    seed: int = DEFAULT_SEED, n_households: int = DEFAULT_HOUSEHOLDS
) -> dict[str, SyntheticFile]:
    """Draw a synthetic DHS-like survey; the same seed always gives the same tables.

    Returns the tables keyed by recode: ``"HR"`` households, ``"PR"`` household members,
    ``"IR"`` women 15–49 and ``"KR"`` children under 5. With the default 3,000 households
    there are about 13,000 members, 3,300 women and 2,000 children.
    """
    if n_households < 200:
        raise ValueError("Use at least 200 households so every region has clusters.")
    rng = np.random.default_rng(seed)
    households = _households(rng, n_households)
    members = _members(rng, households)
    _add_household_education(households, members)
    _household_amenities(rng, households)
    women = _women(rng, households, members)
    children = _children(rng, women)
    return {
        "HR": _hr_file(households),
        "PR": _pr_file(members),
        "IR": _ir_file(women),
        "KR": _kr_file(children),
    }


# --------------------------------------------------------------------------------------------
# Households and members
# --------------------------------------------------------------------------------------------


def _households(rng: np.random.Generator, n_households: int) -> pd.DataFrame:
    n_clusters = max(24, n_households // 25)
    cluster_region = rng.choice(np.arange(1, 7), size=n_clusters, p=_REGION_SHARE)
    cluster_urban = rng.random(n_clusters) < _REGION_URBAN[cluster_region - 1]
    # Remote and rural clusters are under-sampled less than the capital is over-sampled,
    # so weights vary as in a real stratified design.
    cluster_weight = np.exp(rng.normal(0.0, 0.35, n_clusters)) * np.where(cluster_urban, 0.8, 1.2)
    cluster_effect = rng.normal(0.0, 0.35, n_clusters)

    cluster = np.sort(rng.integers(0, n_clusters, n_households))
    hh_number = np.zeros(n_households, dtype=np.int64)
    for index in np.unique(cluster):
        members = np.flatnonzero(cluster == index)
        hh_number[members] = np.arange(1, len(members) + 1)
    region = cluster_region[cluster]
    urban = cluster_urban[cluster]
    remote = np.isin(region, list(REMOTE_REGIONS))

    highland_share = np.where(remote, 0.55, 0.06)
    coastal_share = np.where(np.isin(region, (3, 4)), 0.30, 0.03)
    draw = rng.random(n_households)
    ethnicity = np.full(n_households, 1)
    ethnicity[draw < highland_share] = 2
    ethnicity[(draw >= highland_share) & (draw < highland_share + coastal_share)] = 3
    ethnicity[(draw >= 0.97) & (ethnicity == 1)] = 4
    religion = np.empty(n_households, dtype=np.int64)
    for group, weights in {
        1: {1: 0.80, 2: 0.08, 3: 0.07, 4: 0.05},
        2: {1: 0.20, 2: 0.02, 3: 0.40, 4: 0.38},
        3: {1: 0.25, 2: 0.60, 3: 0.10, 4: 0.05},
        4: {1: 0.40, 2: 0.20, 3: 0.20, 4: 0.20},
    }.items():
        rows = ethnicity == group
        religion[rows] = _choice(rng, weights, int(rows.sum()))

    wealth_latent = (
        1.0 * urban
        + _REGION_WEALTH_SHIFT[region - 1]
        - 0.55 * (ethnicity == 2)
        - 0.20 * (ethnicity == 3)
        + cluster_effect[cluster]
        + rng.normal(0.0, 0.9, n_households)
    )
    cuts = np.quantile(wealth_latent, [0.2, 0.4, 0.6, 0.8])
    quintile = 1 + np.searchsorted(cuts, wealth_latent, side="right")
    wealth_z = (wealth_latent - wealth_latent.mean()) / wealth_latent.std()

    size = 1 + rng.poisson(3.0 + 0.9 * (~urban) + 0.3 * (quintile <= 2))
    households = pd.DataFrame(
        {
            "hv001": cluster + 1,
            "hv002": hh_number,
            "hv005": np.round(cluster_weight[cluster] * 1_000_000).astype(np.int64),
            # Sampling design for standard errors: PSU = cluster, stratum = region × residence.
            "hv021": cluster + 1,
            "hv022": 2 * region - urban.astype(np.int64),
            "hv024": region,
            "hv025": np.where(urban, 1, 2),
            "hv270": quintile,
            # The wealth index factor score (5 decimals, stored ×100,000 as DHS does).
            "hv271": np.round(wealth_z * 100_000).astype(np.int64),
            "hv009": size,
            "ethnicity": ethnicity,
            "religion": religion,
            "_urban": urban,
            "_remote": remote,
            "_wealth": wealth_z,
            "_cluster_effect": cluster_effect[cluster],
        }
    )
    households.insert(0, "hhid", _hhid(households))
    return households


def _members(rng: np.random.Generator, households: pd.DataFrame) -> pd.DataFrame:
    size = households["hv009"].to_numpy()
    household = np.repeat(np.arange(len(households)), size)
    line = np.concatenate([np.arange(1, n + 1) for n in size])
    n = len(household)
    head = line == 1
    spouse = (line == 2) & (rng.random(n) < 0.85)

    head_age = np.clip(rng.normal(45, 13, len(households)), 20, 85).round()
    age = np.where(rng.random(n) < 0.72, rng.integers(0, 18, n), rng.integers(15, 81, n))
    age = age.astype(float)
    age[head] = head_age
    age[spouse] = np.clip(head_age[household[spouse]] - 3 + rng.normal(0, 5, spouse.sum()), 15, 85)
    age = age.round().astype(np.int64)

    head_male = rng.random(len(households)) < 0.8
    sex = rng.integers(1, 3, n)
    sex[head] = np.where(head_male, 1, 2)
    sex[spouse] = np.where(head_male[household[spouse]], 2, 1)

    hh = households.iloc[household].reset_index(drop=True)
    urban = hh["_urban"].to_numpy()
    remote = hh["_remote"].to_numpy()
    wealth = hh["_wealth"].to_numpy()
    highland = hh["ethnicity"].to_numpy() == 2
    female = sex == 2
    schooling = (
        0.9 * wealth
        + 0.5 * urban
        - 0.35 * remote
        - 0.35 * highland
        - 0.025 * (age - 30)
        - female * (0.15 + 0.3 * ~urban)
        + rng.normal(0.0, 1.0, n)
    )
    attainment = np.searchsorted([-1.1, -0.5, -0.1, 0.5, 1.1], schooling, side="right")
    cap = np.select([age < 12, age < 18, age < 22], [1, 3, 4], default=5)
    attainment = np.minimum(attainment, cap).astype(float)
    attainment[rng.random(n) < 0.004] = 8
    attainment[age < 6] = np.nan
    level = pd.Series(attainment).map({0: 0, 1: 1, 2: 1, 3: 2, 4: 2, 5: 3, 8: 8}).to_numpy()

    return pd.DataFrame(
        {
            "hhid": hh["hhid"],
            "hvidx": line,
            "hv001": hh["hv001"],
            "hv002": hh["hv002"],
            "hv005": hh["hv005"],
            "hv021": hh["hv021"],
            "hv022": hh["hv022"],
            "hv024": hh["hv024"],
            "hv025": hh["hv025"],
            "hv270": hh["hv270"],
            "hv104": sex,
            "hv105": age,
            "hv106": level,
            "hv109": attainment,
            "_household": household,
        }
    )


def _hhid(households: pd.DataFrame) -> pd.Series:
    return households["hv001"].map(lambda c: f"{c:>8d}") + households["hv002"].map(
        lambda h: f"{h:>4d}"
    )


def _add_household_education(households: pd.DataFrame, members: pd.DataFrame) -> None:
    heads = members[members["hvidx"] == 1].set_index("_household")
    households["hv104_head"] = heads["hv104"].reindex(households.index).to_numpy()
    households["hv220"] = heads["hv105"].reindex(households.index).to_numpy()
    households["hv106"] = heads["hv106"].reindex(households.index).to_numpy()
    known = members["hv106"].where(members["hv106"] != 8)
    highest = known.groupby(members["_household"]).max()
    households["hv106_max"] = highest.reindex(households.index).fillna(0).to_numpy()
    under5 = (members["hv105"] < 5).groupby(members["_household"]).sum()
    households["hv014"] = under5.reindex(households.index).fillna(0).astype(np.int64).to_numpy()


def _household_amenities(rng: np.random.Generator, households: pd.DataFrame) -> None:
    n = len(households)
    w = households["_wealth"].to_numpy()
    urban = households["_urban"].to_numpy().astype(float)
    remote = households["_remote"].to_numpy().astype(float)
    highland = (households["ethnicity"].to_numpy() == 2).astype(float)
    rural_poorest = ((households["hv270"].to_numpy() == 1) & (urban == 0)).astype(float)
    local = households["_cluster_effect"].to_numpy()

    def access(
        base: float, wealth: float, town: float, far: float, minority: float, poorest_rural: float
    ) -> np.ndarray:
        logit = (
            base
            + wealth * w
            + town * urban
            - far * remote
            - minority * highland
            - poorest_rural * rural_poorest
            + 0.8 * local
        )
        return rng.random(n) < _sigmoid(logit)

    households["hv206"] = access(1.3, 1.2, 1.3, 1.1, 0.6, 1.0).astype(np.int64)
    clean_fuel = access(-1.0, 1.5, 1.6, 0.7, 0.5, 0.8)
    households["hv226"] = _draw_codes(
        rng,
        clean_fuel,
        {1: 0.15, 2: 0.70, 3: 0.10, 4: 0.05},
        {5: 0.05, 6: 0.05, 7: 0.20, 8: 0.56, 9: 0.04, 10: 0.04, 11: 0.03, 95: 0.03},
    )
    improved_water = access(1.3, 0.8, 1.0, 1.0, 0.4, 0.6)
    water = _draw_codes(
        rng,
        improved_water,
        {11: 0.22, 12: 0.16, 13: 0.15, 21: 0.22, 31: 0.10, 41: 0.06, 51: 0.04, 71: 0.05},
        {32: 0.45, 42: 0.25, 43: 0.30},
    )
    households["hv201"] = water
    minutes = np.ceil(rng.exponential(6 + 10 * (1 - urban) + 14 * remote + 6 * rural_poorest))
    water_time = np.maximum(minutes, 1).astype(np.int64)
    water_time[np.isin(water, (11, 12, 71)) | (rng.random(n) < 0.15)] = 996
    water_time[rng.random(n) < 0.01] = 998
    households["hv204"] = water_time
    improved_toilet = access(0.4, 1.2, 1.0, 0.7, 0.5, 0.9)
    toilet = _draw_codes(
        rng,
        improved_toilet,
        {11: 0.14, 12: 0.25, 13: 0.10, 21: 0.10, 22: 0.36, 41: 0.05},
        {14: 0.04, 23: 0.36, 31: 0.45, 42: 0.05, 43: 0.10},
    )
    households["hv205"] = toilet
    shared = rng.random(n) < _sigmoid(-1.8 + 0.6 * urban - 0.5 * w)
    households["hv225"] = np.where(toilet == 31, np.nan, shared.astype(float))
    households["hv247"] = access(-1.0, 1.5, 0.7, 0.4, 0.4, 0.3).astype(np.int64)
    households["hv243a"] = access(1.8, 1.1, 0.8, 0.7, 0.4, 0.6).astype(np.int64)


# --------------------------------------------------------------------------------------------
# Women and children
# --------------------------------------------------------------------------------------------


def _women(
    rng: np.random.Generator, households: pd.DataFrame, members: pd.DataFrame
) -> pd.DataFrame:
    eligible = members[(members["hv104"] == 2) & members["hv105"].between(15, 49)]
    women = eligible.reset_index(drop=True)
    hh = households.iloc[women["_household"].to_numpy()].reset_index(drop=True)
    n = len(women)
    age = women["hv105"].to_numpy()
    w = hh["_wealth"].to_numpy()
    urban = hh["_urban"].to_numpy().astype(float)
    remote = hh["_remote"].to_numpy().astype(float)
    highland = (hh["ethnicity"].to_numpy() == 2).astype(float)
    poor = (hh["hv270"].to_numpy() <= 2).astype(float)
    rural_poorest = ((hh["hv270"].to_numpy() == 1) & (urban == 0)).astype(float)
    education = np.where(women["hv106"].to_numpy() == 8, 0, women["hv106"].to_numpy())
    secondary = (education == 2).astype(float)
    higher = (education == 3).astype(float)
    low_education = (education <= 1).astype(float)

    marriage_age = (
        21.0
        - 1.3 * (1 - urban)
        - 0.9 * poor
        - 1.2 * low_education
        + 1.5 * higher
        - 0.9 * highland
        - 0.8 * rural_poorest
        + rng.normal(0.0, 3.0, n)
    )
    marriage_age = np.clip(marriage_age, 12, 45)
    ever_married = (marriage_age <= age) & (rng.random(n) < 0.95)
    v511 = np.where(ever_married, np.floor(marriage_age), np.nan)
    union_status = _choice(rng, {1: 0.84, 2: 0.05, 3: 0.03, 4: 0.04, 5: 0.04}, n)
    v501 = np.where(ever_married, union_status, 0)
    v502 = np.select([v501 == 0, np.isin(v501, (1, 2))], [0, 1], default=2)

    years_married = np.where(ever_married, age - np.nan_to_num(v511), 0)
    fertility = 0.20 + 0.06 * (1 - urban) + 0.04 * poor - 0.05 * higher
    v201 = np.minimum(rng.poisson(fertility * years_married), 12)
    recent = fertility * np.minimum(years_married, 5) * np.where(age < 40, 1.0, 0.3)
    v208 = np.minimum(v201, rng.poisson(recent))

    skilled = rng.random(n) < _sigmoid(
        0.9
        + 1.2 * w
        + 1.1 * urban
        - 1.0 * remote
        - 0.6 * highland
        + 0.6 * secondary
        + 0.9 * higher
        - 0.9 * rural_poorest
    )
    cadre = _choice(rng, {1: 0.45, 2: 0.45, 3: 0.10}, n)
    has_birth = v208 > 0
    m3a = np.where(has_birth, (skilled & (cadre == 1)).astype(float), np.nan)
    m3b = np.where(has_birth, (skilled & (cadre == 2)).astype(float), np.nan)
    m3c = np.where(has_birth, (skilled & (cadre == 3)).astype(float), np.nan)

    in_union = v502 == 1
    demand = in_union & (rng.random(n) < 0.75)
    using = demand & (
        rng.random(n)
        < _sigmoid(
            0.9
            + 0.6 * w
            + 0.5 * urban
            - 0.6 * remote
            - 0.5 * highland
            + 0.4 * (secondary + higher)
            - 0.4 * rural_poorest
        )
    )
    limiting = v201 >= 3
    v626a = np.select(
        [using & limiting, using, demand & limiting, demand, in_union],
        [4, 3, 2, 1, 7],
        default=np.where(ever_married, 8, 0),
    )
    v626a[in_union & ~demand & (age >= 45)] = 9
    modern = rng.random(n) < 0.8
    v313 = np.where(using, np.where(modern, 3, _choice(rng, {1: 0.2, 2: 0.8}, n)), 0)

    justifies = rng.random(n) < _sigmoid(
        -0.5
        - 0.8 * w
        - 0.5 * urban
        + 0.5 * remote
        + 0.6 * highland
        - 0.7 * secondary
        - 1.3 * higher
        + 0.5 * rural_poorest
    )
    reasons = {}
    first = rng.integers(0, 5, n)
    for index, letter in enumerate("abcde"):
        item = justifies & ((first == index) | (rng.random(n) < 0.45))
        answer = item.astype(np.int64)
        answer[rng.random(n) < 0.01] = 8
        reasons[f"v744{letter}"] = answer

    internet = rng.random(n) < _sigmoid(
        -0.7
        + 1.4 * w
        + 1.0 * urban
        - 0.8 * remote
        - 0.5 * highland
        + 1.0 * secondary
        + 1.8 * higher
        - 0.04 * (age - 30)
    )
    v171a = np.where(internet, _choice(rng, {1: 0.9, 3: 0.1}, n), _choice(rng, {0: 0.9, 2: 0.1}, n))
    v170 = (
        rng.random(n)
        < _sigmoid(-1.3 + 1.3 * w + 0.6 * urban - 0.3 * remote + 0.7 * secondary + 1.4 * higher)
    ).astype(np.int64)

    household = women["_household"].to_numpy()
    dv_household = rng.random(len(households)) < 0.75
    order = rng.permutation(n)
    selected = np.zeros(n, dtype=bool)
    seen: set[int] = set()
    for row in order:
        if dv_household[household[row]] and household[row] not in seen:
            selected[row] = True
            seen.add(int(household[row]))
    v044 = np.where(selected, np.where(rng.random(n) < 0.04, 2, 1), 0)
    interviewed = (v044 == 1) & ever_married
    physical = rng.random(n) < _sigmoid(
        -1.2
        - 0.5 * w
        + 0.3 * (1 - urban)
        + 0.4 * highland
        - 0.4 * secondary
        - 0.8 * higher
        + 0.5 * rural_poorest
        + 0.2 * (v201 > 3)
    )
    severe = physical & (rng.random(n) < 0.4)
    sexual = rng.random(n) < _sigmoid(-2.6 - 0.4 * w + 1.0 * physical + 0.3 * highland)
    emotional = rng.random(n) < _sigmoid(-1.4 - 0.4 * w + 1.2 * physical + 0.2 * (1 - urban))

    def dv(values: np.ndarray) -> np.ndarray:
        return np.where(interviewed, values.astype(float), np.nan)

    women_weight = np.round(hh["hv005"].to_numpy() * np.exp(rng.normal(0, 0.05, n)))
    dv_weight = np.where(v044 == 1, np.round(women_weight * np.exp(rng.normal(0, 0.1, n))), np.nan)
    religion = hh["religion"].to_numpy()
    ethnicity = hh["ethnicity"].to_numpy()
    return pd.DataFrame(
        {
            "caseid": hh["hhid"] + women["hvidx"].map(lambda line: f"{line:>3d}"),
            "v001": hh["hv001"],
            "v002": hh["hv002"],
            "v003": women["hvidx"],
            "v005": women_weight.astype(np.int64),
            "v021": hh["hv021"],
            "v022": hh["hv022"],
            "v012": age,
            "v013": 1 + (age - 15) // 5,
            "v024": hh["hv024"],
            "v025": hh["hv025"],
            "v106": women["hv106"],
            "v130": religion,
            "v131": ethnicity,
            "v137": hh["hv014"],
            "v190": hh["hv270"],
            "v201": v201,
            "v208": v208,
            "v501": v501,
            "v502": v502,
            "v511": v511,
            "m3a": m3a,
            "m3b": m3b,
            "m3c": m3c,
            "v313": v313,
            "v626a": v626a,
            **reasons,
            "v171a": v171a,
            "v170": v170,
            "v044": v044,
            "d005": dv_weight,
            "d104": dv(emotional),
            "d106": dv(physical),
            "d107": dv(severe),
            "d108": dv(sexual),
            "_wealth": w,
            "_remote": remote,
            "_highland": highland,
            "_rural_poorest": rural_poorest,
        }
    )


def _children(rng: np.random.Generator, women: pd.DataFrame) -> pd.DataFrame:
    births = women["v208"].to_numpy()
    mother = np.repeat(np.arange(len(women)), births)
    bidx = np.concatenate([np.arange(1, b + 1) for b in births if b > 0] or [np.array([], int)])
    mothers = women.iloc[mother].reset_index(drop=True)
    n = len(mothers)
    # The most recent birth (bidx 1) is the youngest child of each mother.
    age_months = np.array(
        [
            months
            for _, group in pd.Series(rng.integers(0, 60, n)).groupby(mother)
            for months in np.sort(group.to_numpy())
        ],
        dtype=np.int64,
    )
    w = mothers["_wealth"].to_numpy()
    urban = (mothers["v025"].to_numpy() == 1).astype(float)
    remote = mothers["_remote"].to_numpy()
    highland = mothers["_highland"].to_numpy()
    rural_poorest = mothers["_rural_poorest"].to_numpy()
    education = mothers["v106"].to_numpy()
    low_education = (education <= 1).astype(float)
    higher = (education == 3).astype(float)

    alive = rng.random(n) > (0.015 + 0.02 * rural_poorest)
    sex = rng.integers(1, 3, n)
    haz_mean = (
        -0.7
        + 0.45 * w
        + 0.25 * urban
        - 0.35 * remote
        - 0.30 * highland
        - 0.20 * low_education
        + 0.20 * higher
        - 0.35 * rural_poorest
        - 0.5 * np.minimum(age_months, 24) / 24
    )
    haz = rng.normal(haz_mean, 1.15)
    whz = rng.normal(-0.15 + 0.3 * w + 0.15 * urban - 0.2 * remote - 0.15 * rural_poorest, 1.05)
    waz = 0.6 * haz + 0.6 * whz + rng.normal(0, 0.3, n)
    hw70, hw71, hw72 = (np.round(100 * z) for z in (haz, waz, whz))
    flagged = rng.random(n) < 0.03
    flag_codes = _choice(rng, {9996: 0.4, 9997: 0.1, 9998: 0.5}, n).astype(float)
    not_measured = ~alive | (rng.random(n) < 0.04)
    for scores in (hw70, hw71, hw72):
        scores[flagged] = flag_codes[flagged]
        scores[not_measured] = np.nan
    return pd.DataFrame(
        {
            "caseid": mothers["caseid"],
            "bidx": bidx,
            "v001": mothers["v001"],
            "v002": mothers["v002"],
            "v005": mothers["v005"],
            "v021": mothers["v021"],
            "v022": mothers["v022"],
            "v012": mothers["v012"],
            "v024": mothers["v024"],
            "v025": mothers["v025"],
            "v106": mothers["v106"],
            "v131": mothers["v131"],
            "v137": mothers["v137"],
            "v190": mothers["v190"],
            "b4": sex,
            "b5": alive.astype(np.int64),
            "hw1": np.where(alive, age_months, np.nan),
            "hw70": hw70,
            "hw71": hw71,
            "hw72": hw72,
        }
    )


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------


def _public(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return frame[columns].reset_index(drop=True).copy()


def _hr_file(households: pd.DataFrame) -> SyntheticFile:
    columns = [
        "hhid", "hv001", "hv002", "hv005", "hv021", "hv022", "hv009", "hv014", "hv024",
        "hv025", "hv270", "hv271",
        "hv104_head", "hv220", "hv106", "hv106_max", "ethnicity", "religion",
        "hv206", "hv226", "hv201", "hv204", "hv205", "hv225", "hv247", "hv243a",
    ]  # fmt: skip
    return SyntheticFile(
        recode="HR",
        title="households",
        unit="household",
        frame=_public(households, columns),
        variable_labels={
            "hhid": "Case identification",
            "hv001": "Cluster number",
            "hv002": "Household number",
            "hv005": "Household sample weight (6 decimals)",
            "hv021": "Primary sampling unit",
            "hv022": "Sample strata for sampling errors",
            "hv009": "Number of household members",
            "hv014": "Number of children 5 and under (de jure)",
            "hv024": "Region",
            "hv025": "Type of place of residence",
            "hv270": "Wealth index combined",
            "hv271": "Wealth index factor score combined (5 decimals)",
            "hv104_head": "Sex of household head",
            "hv220": "Age of head of household",
            "hv106": "Highest educational level of household head",
            "hv106_max": "Highest educational level of any household member (derived)",
            "ethnicity": "Ethnicity of household head",
            "religion": "Religion of household head",
            "hv206": "Has electricity",
            "hv226": "Type of cooking fuel",
            "hv201": "Source of drinking water",
            "hv204": "Time to get to water source (minutes)",
            "hv205": "Type of toilet facility",
            "hv225": "Share toilet with other households",
            "hv247": "Any member has a bank account",
            "hv243a": "Has mobile telephone",
        },
        value_labels={
            "hv024": REGIONS,
            "hv025": _RESIDENCE,
            "hv270": _WEALTH,
            "hv104_head": _SEX,
            "hv106": _EDUCATION,
            "hv106_max": _EDUCATION,
            "ethnicity": ETHNICITY,
            "religion": RELIGION,
            "hv206": _YES_NO,
            "hv226": _FUEL,
            "hv201": _WATER,
            "hv204": _WATER_TIME,
            "hv205": _TOILET,
            "hv225": _YES_NO,
            "hv247": _YES_NO,
            "hv243a": _YES_NO,
        },
    )


def _pr_file(members: pd.DataFrame) -> SyntheticFile:
    columns = [
        "hhid",
        "hvidx",
        "hv001",
        "hv002",
        "hv005",
        "hv021",
        "hv022",
        "hv024",
        "hv025",
        "hv270",
        "hv104",
        "hv105",
        "hv106",
        "hv109",
    ]
    return SyntheticFile(
        recode="PR",
        title="household members",
        unit="household member",
        frame=_public(members, columns),
        variable_labels={
            "hhid": "Case identification",
            "hvidx": "Line number",
            "hv001": "Cluster number",
            "hv002": "Household number",
            "hv005": "Household sample weight (6 decimals)",
            "hv021": "Primary sampling unit",
            "hv022": "Sample strata for sampling errors",
            "hv024": "Region",
            "hv025": "Type of place of residence",
            "hv270": "Wealth index combined",
            "hv104": "Sex of household member",
            "hv105": "Age of household members",
            "hv106": "Highest educational level attained",
            "hv109": "Educational attainment",
        },
        value_labels={
            "hv024": REGIONS,
            "hv025": _RESIDENCE,
            "hv270": _WEALTH,
            "hv104": _SEX,
            "hv106": _EDUCATION,
            "hv109": _ATTAINMENT,
        },
    )


def _ir_file(women: pd.DataFrame) -> SyntheticFile:
    columns = [c for c in women.columns if not c.startswith("_")]
    labels = {
        "v013": _AGE_GROUP_5,
        "v024": REGIONS,
        "v025": _RESIDENCE,
        "v106": _EDUCATION,
        "v130": RELIGION,
        "v131": ETHNICITY,
        "v190": _WEALTH,
        "v501": _MARITAL,
        "v502": _UNION,
        "m3a": _YES_NO,
        "m3b": _YES_NO,
        "m3c": _YES_NO,
        "v313": _METHOD_TYPE,
        "v626a": _UNMET,
        **{f"v744{letter}": _YES_NO_DK for letter in "abcde"},
        "v171a": _INTERNET,
        "v170": _YES_NO,
        "v044": _DV_SELECTED,
        "d104": _YES_NO,
        "d106": _YES_NO,
        "d107": _YES_NO,
        "d108": _YES_NO,
    }
    return SyntheticFile(
        recode="IR",
        title="women 15-49",
        unit="woman 15-49",
        frame=_public(women, columns),
        variable_labels={
            "caseid": "Case identification",
            "v001": "Cluster number",
            "v002": "Household number",
            "v003": "Respondent's line number",
            "v005": "Women's individual sample weight (6 decimals)",
            "v021": "Primary sampling unit",
            "v022": "Sample strata for sampling errors",
            "v012": "Respondent's current age",
            "v013": "Age in 5-year groups",
            "v024": "Region",
            "v025": "Type of place of residence",
            "v106": "Highest educational level",
            "v130": "Religion",
            "v131": "Ethnicity",
            "v137": "Number of children 5 and under in household (de jure)",
            "v190": "Wealth index combined",
            "v201": "Total children ever born",
            "v208": "Births in last five years",
            "v501": "Current marital status",
            "v502": "Currently/formerly/never in union",
            "v511": "Age at first cohabitation",
            "m3a": "Assistance at delivery: doctor (most recent birth)",
            "m3b": "Assistance at delivery: nurse/midwife (most recent birth)",
            "m3c": "Assistance at delivery: auxiliary midwife (most recent birth)",
            "v313": "Current use by method type",
            "v626a": "Unmet need for contraception (definition 3)",
            "v744a": "Beating justified if wife goes out without telling husband",
            "v744b": "Beating justified if wife neglects the children",
            "v744c": "Beating justified if wife argues with husband",
            "v744d": "Beating justified if wife refuses to have sex with husband",
            "v744e": "Beating justified if wife burns the food",
            "v171a": "Use of internet",
            "v170": "Has an account in a bank or other financial institution",
            "v044": "Selected for domestic violence module",
            "d005": "Weight for domestic violence (6 decimals)",
            "d104": "Experienced any emotional violence",
            "d106": "Experienced any less severe physical violence",
            "d107": "Experienced any severe physical violence",
            "d108": "Experienced any sexual violence",
        },
        value_labels=labels,
    )


def _kr_file(children: pd.DataFrame) -> SyntheticFile:
    return SyntheticFile(
        recode="KR",
        title="children under 5",
        unit="child under 5",
        frame=_public(children, list(children.columns)),
        variable_labels={
            "caseid": "Case identification (mother)",
            "bidx": "Birth column number",
            "v001": "Cluster number",
            "v002": "Household number",
            "v005": "Women's individual sample weight (6 decimals)",
            "v021": "Primary sampling unit",
            "v022": "Sample strata for sampling errors",
            "v012": "Mother's current age",
            "v024": "Region",
            "v025": "Type of place of residence",
            "v106": "Mother's highest educational level",
            "v131": "Ethnicity",
            "v137": "Number of children 5 and under in household (de jure)",
            "v190": "Wealth index combined",
            "b4": "Sex of child",
            "b5": "Child is alive",
            "hw1": "Child's age in months",
            "hw70": "Height/Age standard deviation (new WHO)",
            "hw71": "Weight/Age standard deviation (new WHO)",
            "hw72": "Weight/Height standard deviation (new WHO)",
        },
        value_labels={
            "v024": REGIONS,
            "v025": _RESIDENCE,
            "v106": _EDUCATION,
            "v131": ETHNICITY,
            "v190": _WEALTH,
            "b4": _SEX,
            "b5": _YES_NO,
            "hw70": _ANTHRO_FLAGS,
            "hw71": _ANTHRO_FLAGS,
            "hw72": _ANTHRO_FLAGS,
        },
    )


__all__ = [
    "DEFAULT_HOUSEHOLDS",
    "DEFAULT_SEED",
    "ETHNICITY",
    "REGIONS",
    "RELIGION",
    "REMOTE_REGIONS",
    "SyntheticFile",
    "generate_dhs_like",
]
