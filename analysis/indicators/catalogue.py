"""The catalogue of ESCAP's published indicators for DHS and MICS.

The rules were read from ESCAP's public R code (``unescap/LNOB_Rcode``:
``Rfiles/DHS_get_data.R``, ``Rfiles/MICS_get_data.R``, ``DHScsv/DHSstandard.csv``,
``MICScsv/Lao2017MICS.csv``) and the DHS Program's indicator code
(``DHSProgram/DHS-Indicators-Stata``); each preset says whether it was verified and from where.

Pure Python; no Django imports.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from analysis.indicators.definition import (
    DHS_WEIGHT_DIVISOR,
    Band,
    CircumstanceSpec,
    Condition,
    IndicatorDefinition,
    OutcomeRule,
    recode_pairs,
)

_ESCAP_DHS_SOURCE = "unescap/LNOB_Rcode Rfiles/DHS_get_data.R and DHScsv/DHSstandard.csv"
_ESCAP_MICS_SOURCE = (
    "unescap/LNOB_Rcode Rfiles/MICS_get_data.R and MICScsv/Lao2017MICS.csv (MICS6 names)"
)
_EDUCATION_ORDER = ("Lower", "Secondary", "Higher")
_WEALTH_ORDER = ("Bottom 40%", "Top 60%")
_AGE_BANDS = (Band("15-24", 15, 24), Band("25-34", 25, 34), Band("35+", 35, 97))


def _wealth(column: str) -> CircumstanceSpec:
    """ESCAP's PoorerHousehold: wealth quintiles 1–2 against 3–5."""
    return CircumstanceSpec(
        name="Wealth",
        column=column,
        kind="ordered",
        order=_WEALTH_ORDER,
        recode=recode_pairs(
            {1: "Bottom 40%", 2: "Bottom 40%", 3: "Top 60%", 4: "Top 60%", 5: "Top 60%"}
        ),
    )


def _residence(column: str, other_level: str | None = None) -> CircumstanceSpec:
    return CircumstanceSpec(
        name="Residence",
        column=column,
        kind="unordered",
        recode=recode_pairs({1: "Urban", 2: "Rural"}),
        other_level=other_level,
    )


def _dhs_education(column: str, name: str) -> CircumstanceSpec:
    """DHS hv106/v106 (0 none, 1 primary, 2 secondary, 3 higher); ESCAP puts the rest in Lower."""
    return CircumstanceSpec(
        name=name,
        column=column,
        kind="ordered",
        order=_EDUCATION_ORDER,
        recode=recode_pairs({0: "Lower", 1: "Lower", 2: "Secondary", 3: "Higher"}),
        other_level="Lower",
        missing_level="Lower",
    )


def _mics_education(column: str, name: str) -> CircumstanceSpec:
    """MICS6 standard levels (0 pre-primary/none, 1 primary, 2 lower and 3 upper secondary,
    4 higher). ESCAP maps MICS levels country by country; check the survey's codebook."""
    return CircumstanceSpec(
        name=name,
        column=column,
        kind="ordered",
        order=_EDUCATION_ORDER,
        recode=recode_pairs({0: "Lower", 1: "Lower", 2: "Secondary", 3: "Secondary", 4: "Higher"}),
        other_level="Lower",
        missing_level="Lower",
    )


def _age_group(column: str) -> CircumstanceSpec:
    """ESCAP's aGroup: 15-24, 25-34, 35+ (unordered)."""
    return CircumstanceSpec(name="Age group", column=column, kind="unordered", bands=_AGE_BANDS)


def _marital_status(column: str, codes: Mapping[int, str]) -> CircumstanceSpec:
    return CircumstanceSpec(
        name="Marital status",
        column=column,
        kind="unordered",
        recode=recode_pairs(codes),
        other_level="Never married",
        missing_level="Never married",
    )


def _sex(column: str) -> CircumstanceSpec:
    return CircumstanceSpec(
        name="Sex", column=column, kind="unordered", recode=recode_pairs({1: "Male", 2: "Female"})
    )


def _numeric(name: str, column: str) -> CircumstanceSpec:
    return CircumstanceSpec(name=name, column=column, kind="numeric")


def _yes(column: str, values: Sequence[Any] = (1,), **extra: Any) -> OutcomeRule:
    return OutcomeRule(column=column, kind="binary", positive_values=tuple(values), **extra)


def _preset(
    survey_kind: str,
    slug: str,
    name: str,
    *,
    table: str,
    unit: str,
    outcome: OutcomeRule,
    circumstances: Sequence[CircumstanceSpec],
    weight: str,
    weight_divisor: float,
    region: str,
    verified: bool,
    notes: str,
    description: str = "",
    population: Sequence[Condition] = (),
    barrier: bool = False,
    cluster: str | None = None,
    strata: str | None = None,
) -> IndicatorDefinition:
    return IndicatorDefinition(
        slug=slug,
        name=name,
        description=description or name,
        survey_kind=survey_kind,
        source_table=table,
        unit=unit,
        population_filter=tuple(population),
        outcome=outcome,
        barrier=barrier,
        weight_column=weight,
        weight_divisor=weight_divisor,
        circumstances=tuple(circumstances),
        region_column=region,
        verified=verified,
        notes=notes,
        cluster_column=cluster,
        strata_column=strata,
    )


def _dhs_variables() -> dict[str, dict[str, Any]]:
    """How each concept is read from DHS recode files (weights are stored ×1,000,000)."""
    hh_circumstances = (
        _wealth("hv270"),
        _residence("hv025"),
        _dhs_education("hv106_max", "Household education"),
    )
    hh_note = (
        " Household education is the highest level of any member (ESCAP's HighestEducation, "
        "read from the member list hv106_01…hv106_NN); in a real HR file derive hv106_max "
        "from those columns first."
    )
    # Sampling design (DHS standard recode variables): PSU v021/hv021, strata v022/hv022.
    women_design = dict(cluster="v021", strata="v022")
    hh_design = dict(cluster="hv021", strata="hv022")
    women = dict(table="IR", unit="woman 15-49", weight="v005", region="v024", **women_design)
    hh = dict(table="HR", unit="household", weight="hv005", region="hv024", **hh_design)
    children = dict(table="KR", unit="child under 5", weight="v005", region="v024", **women_design)
    members = dict(table="PR", unit="household member", weight="hv005", region="hv024", **hh_design)
    women_base = (_wealth("v190"), _residence("v025"), _age_group("v012"))
    child_circumstances = (
        _wealth("v190"),
        _residence("v025"),
        _dhs_education("v106", "Mother's education"),
        _numeric("Children under 5", "v137"),
        _sex("b4"),
    )
    member_circumstances = (_wealth("hv270"), _residence("hv025"), _sex("hv104"))
    violence_population = (
        Condition("v044", "==", 1),
        Condition("v502", "in", (1, 2)),
    )
    violence_circumstances = (
        *women_base,
        _numeric("Births in last 5 years", "v208"),
        _dhs_education("v106", "Education"),
    )
    violence_note = (
        "Women selected and interviewed for the domestic-violence module (v044 = 1) who were "
        "ever married (v502 = 1 or 2), weighted by the DV weight d005; outcome 1 when any listed "
        f"d-variable is 1. Source: {_ESCAP_DHS_SOURCE} (DataOfViolence)."
    )
    anthropometry_note = (
        "ESCAP reads the PR file (hc70/hc72, measured children hc13 = 0) with valid z-scores "
        "between -600 and 600; this preset applies the same thresholds to the KR file "
        "(hw70/hw72), where 9996-9999 flag implausible or missing measurements. Source: "
        f"{_ESCAP_DHS_SOURCE}; DHS uses the strict cut (< -200) in its reports."
    )
    return {
        "electricity": dict(
            **hh,
            outcome=_yes("hv206", blank_as="negative"),
            circumstances=hh_circumstances,
            verified=True,
            notes=f"hv206 = 1 (ESCAP AccessElectricity). Source: {_ESCAP_DHS_SOURCE}.{hh_note}",
        ),
        "clean-cooking-fuel": dict(
            **hh,
            outcome=_yes("hv226", (1, 2, 3, 4), blank_as="negative"),
            circumstances=hh_circumstances,
            verified=True,
            notes=(
                "hv226 in 1-4 (electricity, LPG, natural gas, biogas; ESCAP cookfuel_code). "
                f"Source: {_ESCAP_DHS_SOURCE}.{hh_note}"
            ),
        ),
        "basic-drinking-water": dict(
            **hh,
            outcome=OutcomeRule(
                column="hv201",
                negative_values=(32, 33, 34, 35, 42, 43, 44, 45, 46, 61, 62, 91, 96),
                blank_as="negative",
                zero_when=((Condition("hv204", ">=", 30), Condition("hv204", "!=", 996)),),
            ),
            circumstances=hh_circumstances,
            verified=True,
            notes=(
                "Not an unimproved source (ESCAP water_code default list) and water on premises "
                "(hv204 = 996) or less than 30 minutes away (ESCAP BasicWater). Some surveys use "
                f"other source codes (ESCAP adjusts ID63/ID71). Source: {_ESCAP_DHS_SOURCE}."
                f"{hh_note}"
            ),
        ),
        "basic-sanitation": dict(
            **hh,
            outcome=OutcomeRule(
                column="hv205",
                negative_values=(14, 15, 23, 30, 31, 32, 42, 43, 51, 61, 96),
                blank_as="negative",
                zero_when=((Condition("hv225", "==", 1),),),
            ),
            circumstances=hh_circumstances,
            verified=True,
            notes=(
                "Not an unimproved facility (ESCAP sanitation_code default list) and not shared "
                f"with other households (hv225 = 1 → 0). Source: {_ESCAP_DHS_SOURCE}.{hh_note}"
            ),
        ),
        "bank-account": dict(
            **hh,
            outcome=_yes("hv247", blank_as="negative"),
            circumstances=hh_circumstances,
            verified=True,
            notes=f"hv247 = 1 (ESCAP BankCardHH). Source: {_ESCAP_DHS_SOURCE}.{hh_note}",
        ),
        "mobile-phone": dict(
            **hh,
            outcome=_yes("hv243a", blank_as="negative"),
            circumstances=hh_circumstances,
            verified=True,
            notes=f"hv243a = 1 (ESCAP MobilePhoneHH). Source: {_ESCAP_DHS_SOURCE}.{hh_note}",
        ),
        "secondary-education-20-35": dict(
            **members,
            population=(Condition("hv105", "between", (20, 35)),),
            outcome=_yes("hv109", (4, 5), blank_as="negative"),
            circumstances=member_circumstances,
            verified=True,
            notes=(
                "Household members aged 20-35 (hv105); hv109 = 4 (complete secondary) or 5 "
                "(higher). ESCAP counts every code except 0-3 and 8 as 1; this preset counts "
                f"only 4 and 5 so a missing code (9) is not success. Source: {_ESCAP_DHS_SOURCE}."
            ),
        ),
        "secondary-education-35-plus": dict(
            **members,
            population=(Condition("hv105", ">=", 35), Condition("hv105", "<=", 95)),
            outcome=_yes("hv109", (4, 5), blank_as="negative"),
            circumstances=member_circumstances,
            verified=True,
            notes=(
                "Household members aged 35+ (hv105 >= 35, ESCAP SecondaryEducation35plus; ages "
                f"96-98, i.e. don't know, are left out). Source: {_ESCAP_DHS_SOURCE}."
            ),
        ),
        "higher-education-25-35": dict(
            **members,
            population=(Condition("hv105", "between", (25, 35)),),
            outcome=_yes("hv109", (5,), blank_as="negative"),
            circumstances=member_circumstances,
            verified=True,
            notes=f"Household members aged 25-35; hv109 = 5 (higher). Source: {_ESCAP_DHS_SOURCE}.",
        ),
        "higher-education-35-plus": dict(
            **members,
            population=(Condition("hv105", ">", 35), Condition("hv105", "<=", 95)),
            outcome=_yes("hv109", (5,), blank_as="negative"),
            circumstances=member_circumstances,
            verified=True,
            notes=(
                "Household members older than 35 (ESCAP HigherEducation35plus uses > 35); "
                f"hv109 = 5. Source: {_ESCAP_DHS_SOURCE}."
            ),
        ),
        "skilled-birth-attendance": dict(
            **women,
            population=(Condition("v208", ">", 0),),
            outcome=_yes("m3a", any_of_columns=("m3b", "m3c"), blank_as="negative"),
            circumstances=(
                *women_base,
                _marital_status(
                    "v502", {0: "Never married", 1: "Currently married", 2: "Formerly married"}
                ),
                _numeric("Births in last 5 years", "v208"),
                _dhs_education("v106", "Education"),
            ),
            verified=True,
            notes=(
                "Women with a birth in the last five years; 1 when the most recent delivery was "
                "assisted by a doctor, nurse/midwife or auxiliary midwife (m3a/m3b/m3c = 1, "
                "ESCAP ProfessionalHelp). In a wide IR file these are m3a_1, m3b_1, m3c_1. The "
                "DHS Program counts only m3a and m3b as skilled by default (DHS-Indicators-Stata "
                f"RH_DEL.do). Source: {_ESCAP_DHS_SOURCE}."
            ),
        ),
        "family-planning-demand-satisfied": dict(
            **women,
            population=(Condition("v626a", "in", (1, 2, 3, 4)),),
            outcome=_yes("v313", (3,), blank_as="negative"),
            circumstances=(
                *women_base,
                _numeric("Births in last 5 years", "v208"),
                _dhs_education("v106", "Education"),
            ),
            verified=True,
            notes=(
                "Women with a demand for family planning (v626a: 1-2 unmet need, 3-4 using); 1 "
                f"when using a modern method (v313 = 3). Source: {_ESCAP_DHS_SOURCE} "
                "(ContraceptiveMethod)."
            ),
        ),
        "stunting": dict(
            **children,
            outcome=OutcomeRule(
                column="hw70",
                kind="numeric",
                threshold=-200,
                direction="at_or_below",
                valid_min=-600,
                valid_max=600,
            ),
            circumstances=child_circumstances,
            verified=True,
            notes="Height-for-age z-score x100 at or below -200. " + anthropometry_note,
        ),
        "wasting": dict(
            **children,
            outcome=OutcomeRule(
                column="hw72",
                kind="numeric",
                threshold=-200,
                direction="at_or_below",
                valid_min=-600,
                valid_max=600,
            ),
            circumstances=child_circumstances,
            verified=True,
            notes="Weight-for-height z-score x100 at or below -200. " + anthropometry_note,
        ),
        "overweight": dict(
            **children,
            outcome=OutcomeRule(
                column="hw72",
                kind="numeric",
                threshold=200,
                direction="at_or_above",
                valid_min=-600,
                valid_max=600,
            ),
            circumstances=child_circumstances,
            verified=True,
            notes="Weight-for-height z-score x100 at or above 200. " + anthropometry_note,
        ),
        "physical-violence": dict(
            **{**women, "weight": "d005"},
            population=violence_population,
            outcome=_yes("d106", any_of_columns=("d107",), blank_as="negative"),
            circumstances=violence_circumstances,
            verified=True,
            notes="d106 (less severe) or d107 (severe physical violence). " + violence_note,
        ),
        "sexual-violence": dict(
            **{**women, "weight": "d005"},
            population=violence_population,
            outcome=_yes("d108", blank_as="negative"),
            circumstances=violence_circumstances,
            verified=True,
            notes="d108 (any sexual violence). " + violence_note,
        ),
        "emotional-violence": dict(
            **{**women, "weight": "d005"},
            population=violence_population,
            outcome=_yes("d104", blank_as="negative"),
            circumstances=violence_circumstances,
            verified=True,
            notes="d104 (any emotional violence). " + violence_note,
        ),
        "wife-beating-justified": dict(
            **women,
            outcome=_yes(
                "v744a", any_of_columns=("v744b", "v744c", "v744d", "v744e"), blank_as="negative"
            ),
            circumstances=(
                *women_base,
                _numeric("Births in last 5 years", "v208"),
                _dhs_education("v106", "Education"),
            ),
            verified=True,
            notes=(
                "Agrees a husband is justified in beating his wife for at least one reason "
                "(v744a-e = 1), as we_dvjustify_onereas in DHSProgram/DHS-Indicators-Stata "
                "Chap15_WE/WE_EMPW.do. ESCAP's DHS code has no such indicator; the circumstances "
                "follow its MICS ReasonBeating model."
            ),
        ),
        "internet-use": dict(
            **women,
            outcome=_yes("v171a", blank_as="negative"),
            circumstances=(*women_base, _dhs_education("v106", "Education")),
            verified=True,
            notes=f"v171a = 1 (ESCAP InternetUse). Source: {_ESCAP_DHS_SOURCE}.",
        ),
        "bank-account-women": dict(
            **women,
            outcome=_yes("v170"),
            circumstances=(*women_base, _dhs_education("v106", "Education")),
            verified=True,
            notes=(
                "v170 = 1, women with a missing answer left out (ESCAP BankAccount). Source: "
                f"{_ESCAP_DHS_SOURCE}."
            ),
        ),
        "child-marriage": dict(
            **women,
            population=(Condition("v012", "between", (20, 24)),),
            outcome=OutcomeRule(
                column="v511",
                kind="numeric",
                threshold=18,
                direction="below",
                blank_as="negative",
            ),
            circumstances=(
                _wealth("v190"),
                _residence("v025"),
                _dhs_education("v106", "Education"),
            ),
            verified=True,
            notes=(
                "Women aged 20-24 whose age at first cohabitation (v511) is below 18; never "
                f"married counts as 0 (ESCAP ChildMarriage18). Source: {_ESCAP_DHS_SOURCE}."
            ),
        ),
    }


def _mics_variables() -> dict[str, dict[str, Any]]:
    """How each concept is read from MICS6 standard files (weights as they are, region HH7)."""
    hh_circumstances = (
        _wealth("windex5"),
        _residence("HH6", other_level="Rural"),
        _mics_education("helevel", "Household head's education"),
    )
    # MICS6 standard files carry the sampling design as PSU and stratum.
    design = dict(cluster="PSU", strata="stratum")
    hh = dict(table="hh", unit="household", weight="hhweight", **design)
    education_note = (
        " Education uses the MICS6 standard level codes; ESCAP maps MICS levels country by "
        "country (and uses the household's highest level from the hl file), so check the "
        "survey's codebook."
    )
    women = dict(table="wm", unit="woman 15-49", weight="wmweight", **design)
    women_base = (
        _wealth("windex5"),
        _residence("HH6", other_level="Rural"),
        _age_group("WB4"),
    )
    children = dict(table="ch", unit="child under 5", weight="chweight", **design)
    child_circumstances = (
        _wealth("windex5"),
        _residence("HH6", other_level="Rural"),
        _mics_education("melevel", "Mother's education"),
        _sex("HL4"),
    )
    anthropometry_population = (Condition("CAGE", "<=", 60),)
    anthropometry_note = (
        "z-scores between -6 and 6, children up to 60 months (CAGE); ESCAP also keeps only "
        "children whose measurement position (AN12 in Lao 2017) is recorded. Source: "
        f"{_ESCAP_MICS_SOURCE}.{education_note}"
    )
    return {
        "electricity": dict(
            **hh,
            outcome=_yes("HC8", (1, 2)),
            circumstances=hh_circumstances,
            verified=True,
            notes=(
                "HC8 = 1 (interconnected grid) or 2 (off-grid); households with a missing answer "
                f"are left out (ESCAP AccessElectricity). Source: {_ESCAP_MICS_SOURCE}."
                f"{education_note}"
            ),
        ),
        "clean-cooking-fuel": dict(
            **hh,
            outcome=_yes("EU1", (1, 2, 3, 4, 5)),
            circumstances=hh_circumstances,
            verified=True,
            notes=(
                "Cookstove EU1 in 1-5 (ESCAP cookfuel_code: electricity, LPG, natural gas, "
                f"biogas, solar). Source: {_ESCAP_MICS_SOURCE}.{education_note}"
            ),
        ),
        "basic-drinking-water": dict(
            **hh,
            outcome=OutcomeRule(
                column="WS1",
                positive_values=(
                    11,
                    12,
                    13,
                    14,
                    15,
                    16,
                    17,
                    21,
                    31,
                    41,
                    51,
                    52,
                    53,
                    54,
                    61,
                    71,
                    72,
                    73,
                    82,
                    91,
                    93,
                    94,
                ),
                zero_when=((Condition("WS3", "==", 3), Condition("WS4", ">=", 30)),),
            ),
            circumstances=hh_circumstances,
            verified=True,
            notes=(
                "Improved source (ESCAP water_code default list) and not a source elsewhere "
                "(WS3 = 3) at 30 minutes or more (WS4). Some surveys use other codes. Source: "
                f"{_ESCAP_MICS_SOURCE}.{education_note}"
            ),
        ),
        "basic-sanitation": dict(
            **hh,
            outcome=OutcomeRule(
                column="WS11",
                positive_values=(11, 12, 13, 16, 21, 22, 31),
                zero_when=((Condition("WS15", "==", 1),),),
            ),
            circumstances=hh_circumstances,
            verified=True,
            notes=(
                "Improved facility (ESCAP sanitation_code) not shared with other households "
                f"(WS15 = 1 → 0). Source: {_ESCAP_MICS_SOURCE}.{education_note}"
            ),
        ),
        "bank-account": dict(
            **hh,
            outcome=_yes("HC19"),
            circumstances=hh_circumstances,
            verified=True,
            notes=f"HC19 = 1 (ESCAP BankCardHH). Source: {_ESCAP_MICS_SOURCE}.{education_note}",
        ),
        "mobile-phone": dict(
            **hh,
            outcome=_yes("HC12"),
            circumstances=hh_circumstances,
            verified=True,
            notes=f"HC12 = 1 (ESCAP MobilePhoneHH). Source: {_ESCAP_MICS_SOURCE}.{education_note}",
        ),
        "skilled-birth-attendance": dict(
            **women,
            population=(Condition("MN20", "notnull"),),
            outcome=_yes(
                "MN19A", ("A", "B", "C"), any_of_columns=("MN19B", "MN19C"), blank_as="negative"
            ),
            circumstances=(
                *women_base,
                _marital_status(
                    "MSTATUS", {1: "Currently married", 2: "Formerly married", 3: "Never married"}
                ),
                _mics_education("welevel", "Education"),
            ),
            verified=True,
            notes=(
                "Women who reported the place of their last delivery (MN20); 1 when a doctor, "
                "nurse/midwife or auxiliary midwife assisted (MN19A/B/C answered). Which letters "
                "are skilled cadres differs by country. ESCAP also uses the number of children "
                f"under 5, computed from the hl file. Source: {_ESCAP_MICS_SOURCE}."
                f"{education_note}"
            ),
        ),
        "family-planning-demand-satisfied": dict(
            **women,
            population=(Condition("MSTATUS", "==", 1), Condition("UNMET", "in", (1, 2, 3, 4))),
            outcome=_yes(
                "CP4A",
                tuple("ABCDEFGHIJ"),
                any_of_columns=tuple(f"CP4{letter}" for letter in "BCDEFGHIJ"),
                blank_as="negative",
            ),
            circumstances=(*women_base, _mics_education("welevel", "Education")),
            verified=False,
            notes=(
                "NOT VERIFIED. ESCAP computes unmet need itself from the UN module "
                "(Rfiles/MICS_Unmet_Need.R); this preset expects a precomputed column UNMET "
                "coded like DHS v626a (1-2 unmet, 3-4 using). Modern methods are CP4A-CP4J "
                f"(Lao 2017 names). Source: {_ESCAP_MICS_SOURCE}.{education_note}"
            ),
        ),
        "stunting": dict(
            **children,
            population=anthropometry_population,
            outcome=OutcomeRule(
                column="HAZ2",
                kind="numeric",
                threshold=-2,
                direction="at_or_below",
                valid_min=-6,
                valid_max=6,
            ),
            circumstances=child_circumstances,
            verified=True,
            notes="HAZ2 at or below -2; " + anthropometry_note,
        ),
        "wasting": dict(
            **children,
            population=anthropometry_population,
            outcome=OutcomeRule(
                column="WHZ2",
                kind="numeric",
                threshold=-2,
                direction="at_or_below",
                valid_min=-6,
                valid_max=6,
            ),
            circumstances=child_circumstances,
            verified=True,
            notes="WHZ2 at or below -2; " + anthropometry_note,
        ),
        "overweight": dict(
            **children,
            population=anthropometry_population,
            outcome=OutcomeRule(
                column="WHZ2",
                kind="numeric",
                threshold=2,
                direction="at_or_above",
                valid_min=-6,
                valid_max=6,
            ),
            circumstances=child_circumstances,
            verified=True,
            notes="WHZ2 at or above 2; " + anthropometry_note,
        ),
        "wife-beating-justified": dict(
            **women,
            outcome=_yes(
                "DV1A", any_of_columns=("DV1B", "DV1C", "DV1D", "DV1E"), blank_as="negative"
            ),
            circumstances=(*women_base, _mics_education("welevel", "Education")),
            verified=True,
            notes=(
                "Any of DV1A-DV1E = 1 (ESCAP ReasonBeating). ESCAP also uses the number of "
                f"children under 5. Source: {_ESCAP_MICS_SOURCE}.{education_note}"
            ),
        ),
        "internet-use": dict(
            **women,
            outcome=_yes("MT10", (1, 2, 3), blank_as="negative"),
            circumstances=(*women_base, _mics_education("welevel", "Education")),
            verified=True,
            notes=(
                "MT10 frequency of use 1-3 (any use; 0 = not at all; ESCAP InternetUse). Some "
                f"older surveys restrict to women up to 24. Source: {_ESCAP_MICS_SOURCE}."
                f"{education_note}"
            ),
        ),
        "child-marriage": dict(
            **women,
            population=(Condition("WB4", "between", (20, 24)),),
            outcome=OutcomeRule(
                column="WAGEM",
                kind="numeric",
                threshold=18,
                direction="below",
                blank_as="negative",
            ),
            circumstances=(
                _wealth("windex5"),
                _residence("HH6", other_level="Rural"),
                _mics_education("welevel", "Education"),
            ),
            verified=True,
            notes=(
                "Women 20-24 with age at first marriage/union (WAGEM) below 18; never married "
                f"counts as 0 (ESCAP ChildMarriage18). Source: {_ESCAP_MICS_SOURCE}."
                f"{education_note}"
            ),
        ),
    }


@dataclass(frozen=True)
class IndicatorConcept:
    """One ESCAP indicator, stated once: its key (the preset slug without the survey prefix),
    its name, the SDG goal it speaks to, whether a high value is bad (``barrier``) and how it
    is read from each survey programme (``variables``: survey kind → the preset's fields).

    ``names`` gives a survey's own name where it differs (MICS asks about internet use in the
    last 3 months, DHS in the last 12)."""

    key: str
    name: str
    sdg_goal: int
    barrier: bool = False
    names: Mapping[str, str] = field(default_factory=dict)
    variables: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def name_for(self, survey_kind: str) -> str:
        return self.names.get(survey_kind, self.name)

    def slug_for(self, survey_kind: str) -> str:
        return f"{survey_kind.lower()}-{self.key}"

    def preset(self, survey_kind: str) -> IndicatorDefinition:
        """The preset of this concept for one survey programme."""
        fields = dict(self.variables[survey_kind])
        if survey_kind == "DHS":
            fields["weight_divisor"] = DHS_WEIGHT_DIVISOR
        else:
            fields.update(weight_divisor=1.0, region="HH7")
        return _preset(
            survey_kind,
            self.slug_for(survey_kind),
            self.name_for(survey_kind),
            barrier=self.barrier,
            **fields,
        )


#: (key, name, SDG goal, barrier, names that differ by survey). The SDG goals follow the ESCAP
#: LNOB platform and the SDG global indicator list.
_CONCEPTS: tuple[tuple[str, str, int, bool, dict[str, str]], ...] = (
    ("electricity", "Access to electricity", 7, False, {}),
    ("clean-cooking-fuel", "Clean cooking fuel", 7, False, {}),
    ("basic-drinking-water", "Basic drinking water", 6, False, {}),
    ("basic-sanitation", "Basic sanitation", 6, False, {}),
    ("bank-account", "Household has a bank account", 8, False, {}),
    ("mobile-phone", "Household has a mobile phone", 9, False, {}),
    ("secondary-education-20-35", "Completed secondary education, age 20-35", 4, False, {}),
    ("secondary-education-35-plus", "Completed secondary education, age 35+", 4, False, {}),
    ("higher-education-25-35", "Higher education, age 25-35", 4, False, {}),
    ("higher-education-35-plus", "Higher education, age 35+", 4, False, {}),
    ("skilled-birth-attendance", "Skilled birth attendance", 3, False, {}),
    (
        "family-planning-demand-satisfied",
        "Demand for family planning satisfied by modern methods",
        3,
        False,
        {},
    ),
    ("stunting", "Stunting (children under 5)", 2, True, {}),
    ("wasting", "Wasting (children under 5)", 2, True, {}),
    ("overweight", "Overweight (children under 5)", 2, True, {}),
    ("physical-violence", "Physical violence (ever-married women)", 5, True, {}),
    ("sexual-violence", "Sexual violence (ever-married women)", 5, True, {}),
    ("emotional-violence", "Emotional violence (ever-married women)", 5, True, {}),
    ("wife-beating-justified", "Attitudes justifying wife-beating", 5, True, {}),
    (
        "internet-use",
        "Internet use in the last 12 months (women)",
        17,
        False,
        {"MICS": "Internet use in the last 3 months (women)"},
    ),
    ("bank-account-women", "Women with a bank account", 8, False, {}),
    ("child-marriage", "Child marriage (women 20-24 married before 18)", 5, True, {}),
)


def _concepts() -> tuple[IndicatorConcept, ...]:
    variables = {"DHS": _dhs_variables(), "MICS": _mics_variables()}
    keys = [key for key, *_rest in _CONCEPTS]
    for kind, maps in variables.items():
        unknown = sorted(set(maps) - set(keys))
        if unknown:
            raise RuntimeError(f"{kind} variables for concepts not in the table: {unknown}")
    if len(set(keys)) != len(keys):
        raise RuntimeError("A concept is stated twice in the catalogue.")
    return tuple(
        IndicatorConcept(
            key=key,
            name=name,
            sdg_goal=goal,
            barrier=barrier,
            names=names,
            variables={kind: maps[key] for kind, maps in variables.items() if key in maps},
        )
        for key, name, goal, barrier, names in _CONCEPTS
    )


#: ESCAP's indicator concepts, each once, in the catalogue's order.
ESCAP_CONCEPTS: tuple[IndicatorConcept, ...] = _concepts()

#: ESCAP's standard indicators keyed by slug ("dhs-stunting", "mics-electricity", …), generated
#: from the concepts: DHS first, then MICS. Not included: MICS secondary/higher education
#: (ESCAP maps MICS education levels and grades country by country) and MICS violence (the DV
#: module's names vary by survey).
ESCAP_PRESETS: dict[str, IndicatorDefinition] = {
    concept.slug_for(kind): concept.preset(kind)
    for kind in ("DHS", "MICS")
    for concept in ESCAP_CONCEPTS
    if kind in concept.variables
}

#: The SDG goal of each concept, by concept key ("electricity" → 7).
ESCAP_SDG_GOALS: dict[str, int] = {concept.key: concept.sdg_goal for concept in ESCAP_CONCEPTS}


def concept_for_preset(slug: str) -> IndicatorConcept | None:
    """The concept of a preset slug ("mics-stunting" → stunting), or None."""
    key = (slug or "").split("-", 1)[-1]
    return next((c for c in ESCAP_CONCEPTS if c.key == key), None)


def presets_for(survey_kind: Literal["DHS", "MICS"]) -> dict[str, IndicatorDefinition]:
    """The presets of one survey programme."""
    return {slug: d for slug, d in ESCAP_PRESETS.items() if d.survey_kind == survey_kind}
