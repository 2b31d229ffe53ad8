"""Tests for analysis.indicators: definitions, apply_indicator and the ESCAP presets."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis.indicators import (
    DHS_WEIGHT_DIVISOR,
    ESCAP_PRESETS,
    Band,
    CircumstanceSpec,
    Condition,
    IndicatorDefinition,
    IndicatorError,
    OutcomeRule,
    PreparedCircumstance,
    apply_indicator,
    presets_for,
)
from demo.synthetic import generate_dhs_like


@pytest.fixture
def households() -> pd.DataFrame:
    """Ten households with DHS-style codes; weights ×1e6."""
    return pd.DataFrame(
        {
            "hv005": [1_000_000, 2_000_000, 1_000_000, 500_000, 1_500_000] * 2,
            "hv025": [1, 2, 2, 1, 2, 1, 2, 2, 1, 2],
            "hv270": [5, 1, 2, 4, 3, 5, 1, 2, 3, 1],
            "hv106": [3, 0, 1, 2, 8, 2, 0, np.nan, 3, 1],
            "hv206": [1, 0, 0, 1, 1, 1, 0, 9, 1, np.nan],
            "hv204": [996, 45, 10, 996, 30, 5, 60, 20, 996, 15],
            "hv105": [25, 40, 19, 35, 50, 22, 70, 33, 28, 61],
        }
    )


def _definition(**overrides: object) -> IndicatorDefinition:
    values: dict[str, object] = {
        "name": "Access to electricity",
        "outcome": OutcomeRule(column="hv206", positive_values=(1,), missing_values=(9,)),
        "weight_column": "hv005",
        "weight_divisor": DHS_WEIGHT_DIVISOR,
        "circumstances": (
            CircumstanceSpec(
                name="Wealth",
                column="hv270",
                kind="ordered",
                order=("Bottom 40%", "Top 60%"),
                recode={1: "Bottom 40%", 2: "Bottom 40%", 3: "Top 60%", 4: "Top 60%", 5: "Top 60%"},
            ),
            CircumstanceSpec(name="Residence", column="hv025", recode={1: "Urban", 2: "Rural"}),
        ),
    }
    values.update(overrides)
    return IndicatorDefinition(**values)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ outcome and weights


def test_binary_outcome_with_missing_values(households: pd.DataFrame) -> None:
    prepared = apply_indicator(households, _definition())
    # Row 7 has the declared missing code 9 and row 9 is blank: both are left out.
    assert prepared.n_reference == 8
    assert prepared.n_missing_outcome == 2
    assert prepared.frame["outcome"].tolist() == [1, 0, 0, 1, 1, 1, 0, 1]
    assert prepared.frame["weight"].tolist()[:3] == [1.0, 2.0, 1.0]
    assert list(prepared.frame.columns) == ["outcome", "weight", "Wealth", "Residence"]
    expected = np.average(prepared.frame["outcome"], weights=prepared.frame["weight"])
    assert prepared.weighted_mean == pytest.approx(expected)
    assert any("no valid outcome" in message for message in prepared.messages)


def test_blank_as_negative_counts_blanks_as_zero(households: pd.DataFrame) -> None:
    rule = OutcomeRule(
        column="hv206", positive_values=(1,), missing_values=(9,), blank_as="negative"
    )
    prepared = apply_indicator(households, _definition(outcome=rule))
    assert prepared.n_reference == 9
    assert prepared.frame["outcome"].iloc[-1] == 0


def test_negative_values_and_zero_when(households: pd.DataFrame) -> None:
    rule = OutcomeRule(
        column="hv206",
        negative_values=(0, 9),
        zero_when=((Condition("hv204", ">=", 30), Condition("hv204", "!=", 996)),),
    )
    prepared = apply_indicator(households, _definition(outcome=rule))
    # 1 unless hv206 in (0, 9); then 0 when water is 30+ minutes away (rows 1, 4, 6).
    assert prepared.frame["outcome"].tolist() == [1, 0, 0, 1, 0, 1, 0, 0, 1]


def test_any_of_columns() -> None:
    frame = pd.DataFrame(
        {
            "m3a": [1, 0, 0, np.nan, 0],
            "m3b": [0, 1, 0, np.nan, np.nan],
            "m3c": [0, 0, 0, np.nan, 1],
        }
    )
    rule = OutcomeRule(column="m3a", positive_values=(1,), any_of_columns=("m3b", "m3c"))
    prepared = apply_indicator(frame, IndicatorDefinition(name="SBA", outcome=rule))
    assert prepared.frame["outcome"].tolist() == [1, 1, 0, 1]
    assert prepared.n_missing_outcome == 1
    assert any("unweighted" in message for message in prepared.messages)


@pytest.mark.parametrize(
    ("direction", "expected"),
    [
        ("below", [1, 0, 0, 0]),
        ("at_or_below", [1, 1, 0, 0]),
        ("above", [0, 0, 1, 1]),
        ("at_or_above", [0, 1, 1, 1]),
    ],
)
def test_numeric_threshold_with_valid_range(direction: str, expected: list[int]) -> None:
    frame = pd.DataFrame({"hw70": [-250, -200, 150, 30, 9996, np.nan]})
    rule = OutcomeRule(
        column="hw70",
        kind="numeric",
        threshold=-200,
        direction=direction,
        valid_min=-600,
        valid_max=600,
    )
    prepared = apply_indicator(frame, IndicatorDefinition(name="Stunting", outcome=rule))
    assert prepared.n_missing_outcome == 2  # the flag 9996 and the blank
    assert prepared.frame["outcome"].tolist() == expected


def test_numeric_outcome_without_threshold_keeps_numbers() -> None:
    frame = pd.DataFrame({"v201": [0, 2, 5, 3], "w": [1, 1, 2, 2]})
    definition = IndicatorDefinition(
        name="Births", outcome=OutcomeRule(column="v201", kind="numeric"), weight_column="w"
    )
    prepared = apply_indicator(frame, definition)
    assert prepared.frame["outcome"].tolist() == [0, 2, 5, 3]
    assert prepared.weighted_mean == pytest.approx((0 + 2 + 10 + 6) / 6)


def test_numeric_outcome_rejects_text() -> None:
    frame = pd.DataFrame({"v511": ["17", "twenty", "19"]})
    rule = OutcomeRule(column="v511", kind="numeric", threshold=18, direction="below")
    with pytest.raises(IndicatorError, match="'twenty'"):
        apply_indicator(frame, IndicatorDefinition(name="Child marriage", outcome=rule))


def test_non_numeric_weights(households: pd.DataFrame) -> None:
    frame = households.assign(hv005=households["hv005"].astype(object))
    frame.loc[3, "hv005"] = "n/a?"
    with pytest.raises(IndicatorError, match="weight column 'hv005' must hold numbers.*'n/a\\?'"):
        apply_indicator(frame, _definition())


def test_negative_weights(households: pd.DataFrame) -> None:
    with pytest.raises(IndicatorError, match="negative"):
        apply_indicator(households.assign(hv005=-households["hv005"]), _definition())


def test_missing_weights_are_left_out(households: pd.DataFrame) -> None:
    frame = households.copy()
    frame.loc[0, "hv005"] = np.nan
    prepared = apply_indicator(frame, _definition())
    assert prepared.n_missing_weight == 1
    assert prepared.n_reference == 7


# ------------------------------------------------------------------------------ filters


@pytest.mark.parametrize(
    ("condition", "expected_rows"),
    [
        (Condition("hv025", "==", 1), 4),
        (Condition("hv025", "!=", 1), 6),
        (Condition("hv270", "in", [1, 2]), 5),
        (Condition("hv270", "not in", [1, 2]), 5),
        (Condition("hv105", "<", 25), 2),
        (Condition("hv105", "<=", 25), 3),
        (Condition("hv105", ">", 50), 2),
        (Condition("hv105", ">=", 50), 3),
        (Condition("hv105", "between", [20, 35]), 5),
        (Condition("hv106", "notnull"), 9),
    ],
)
def test_filter_operators(
    households: pd.DataFrame, condition: Condition, expected_rows: int
) -> None:
    rule = OutcomeRule(column="hv206", positive_values=(1,), blank_as="negative")
    frame = households.assign(hv206=[1, 0] * 5)
    prepared = apply_indicator(
        frame, _definition(outcome=rule, population_filter=(condition,), circumstances=())
    )
    assert prepared.n_reference == expected_rows
    assert prepared.n_excluded_by_filter == 10 - expected_rows


def test_conditions_are_and_ed_and_query_applies(households: pd.DataFrame) -> None:
    frame = households.assign(hv206=[1, 0] * 5)
    definition = _definition(
        outcome=OutcomeRule(column="hv206", positive_values=(1,)),
        population_filter=(Condition("hv025", "==", 2), Condition("hv105", ">=", 30)),
        query="hv270 <= 2",
        circumstances=(),
    )
    prepared = apply_indicator(frame, definition)
    # Rural, aged 30+ and in the two poorest quintiles: rows 1, 6, 7 and 9.
    assert prepared.n_reference == 4
    assert prepared.n_excluded_by_filter == 6


def test_filter_leaving_no_rows_names_the_condition(households: pd.DataFrame) -> None:
    definition = _definition(
        population_filter=(Condition("hv025", "==", 2), Condition("hv105", ">", 90))
    )
    with pytest.raises(IndicatorError, match="leaves no rows.*hv105 > 90"):
        apply_indicator(households, definition)


@pytest.mark.parametrize("query", ["hv105 = 3", "@x > 1", "__import__('os')", "hv105.__class__"])
def test_unsafe_queries_are_rejected(query: str) -> None:
    with pytest.raises(IndicatorError, match="query"):
        _definition(query=query)


def test_bad_query_gives_indicator_error(households: pd.DataFrame) -> None:
    with pytest.raises(IndicatorError, match="could not be evaluated"):
        apply_indicator(households, _definition(query="no_such_column > 1"))
    with pytest.raises(IndicatorError, match="true/false"):
        apply_indicator(households, _definition(query="hv105 + 1"))


# ------------------------------------------------------------------------------ circumstances


def test_recodes_and_level_orders(households: pd.DataFrame) -> None:
    prepared = apply_indicator(households, _definition())
    assert prepared.circumstances == (
        PreparedCircumstance("Wealth", "ordered", ("Bottom 40%", "Top 60%")),
        PreparedCircumstance("Residence", "unordered", ("Urban", "Rural")),
    )
    assert prepared.frame["Wealth"].tolist()[:3] == ["Top 60%", "Bottom 40%", "Bottom 40%"]
    assert prepared.circumstances[0].name == prepared.circumstances[0][0]


def test_unmapped_recode_values_are_listed(households: pd.DataFrame) -> None:
    spec = CircumstanceSpec(name="Wealth", column="hv270", recode={1: "Poor", 2: "Poor"})
    with pytest.raises(IndicatorError, match="leaves values unmapped: 5, 4, 3"):
        apply_indicator(households, _definition(circumstances=(spec,)))


def test_other_and_missing_levels(households: pd.DataFrame) -> None:
    education = CircumstanceSpec(
        name="Education",
        column="hv106",
        kind="ordered",
        order=("Lower", "Secondary", "Higher"),
        recode={0: "Lower", 1: "Lower", 2: "Secondary", 3: "Higher"},
        other_level="Lower",
        missing_level="Lower",
    )
    prepared = apply_indicator(households, _definition(circumstances=(education,)))
    assert prepared.n_missing_circumstances == 0
    assert set(prepared.frame["Education"]) == {"Lower", "Secondary", "Higher"}
    assert prepared.circumstances[0].order == ("Lower", "Secondary", "Higher")


def test_missing_circumstance_rows_are_left_out(households: pd.DataFrame) -> None:
    education = CircumstanceSpec(
        name="Education",
        column="hv106",
        recode={0: "Lower", 1: "Lower", 2: "Secondary", 3: "Higher", 8: "Lower"},
    )
    prepared = apply_indicator(households, _definition(circumstances=(education,)))
    # Row 7 (missing education) already has a missing outcome; none else is missing.
    assert prepared.n_missing_circumstances == 0
    frame = households.copy()
    frame.loc[0, "hv106"] = np.nan
    prepared = apply_indicator(frame, _definition(circumstances=(education,)))
    assert prepared.n_missing_circumstances == 1
    assert any("Education" in message for message in prepared.messages)


def test_bands_and_numeric_circumstances(households: pd.DataFrame) -> None:
    age_group = CircumstanceSpec(
        name="Age group",
        column="hv105",
        bands=(Band("15-24", 15, 24), Band("25-34", 25, 34), Band("35+", 35, 97)),
    )
    age = CircumstanceSpec(name="Age", column="hv105", kind="numeric")
    prepared = apply_indicator(households, _definition(circumstances=(age_group, age)))
    assert prepared.circumstances[0].order == ("15-24", "25-34", "35+")
    assert prepared.circumstances[1] == PreparedCircumstance("Age", "numeric", ())
    assert prepared.frame["Age group"].iloc[0] == "25-34"
    assert prepared.frame["Age"].dtype == float


def test_band_gaps_are_reported(households: pd.DataFrame) -> None:
    spec = CircumstanceSpec(name="Age group", column="hv105", bands=(Band("15-49", 15, 49),))
    # Row 9 (age 61) has no outcome, so only the analysed rows' gaps are reported.
    with pytest.raises(IndicatorError, match="bands .* leaves values unmapped: 50, 70\\."):
        apply_indicator(households, _definition(circumstances=(spec,)))


def test_ordered_level_outside_order(households: pd.DataFrame) -> None:
    spec = CircumstanceSpec(name="Residence", column="hv025", kind="ordered", order=("1",))
    with pytest.raises(IndicatorError, match="level\\(s\\) 2 that are not in its order"):
        apply_indicator(households, _definition(circumstances=(spec,)))


def test_numeric_circumstance_rejects_text() -> None:
    frame = pd.DataFrame({"y": [0, 1, 1], "kids": ["1", "many", "2"]})
    definition = IndicatorDefinition(
        name="x",
        outcome=OutcomeRule(column="y", positive_values=(1,)),
        circumstances=(CircumstanceSpec(name="Children", column="kids", kind="numeric"),),
    )
    with pytest.raises(IndicatorError, match="'many'"):
        apply_indicator(frame, definition)


# ------------------------------------------------------------------------------ errors and labels


def test_missing_column_suggests_close_matches(households: pd.DataFrame) -> None:
    definition = _definition(outcome=OutcomeRule(column="hv26", positive_values=(1,)))
    with pytest.raises(IndicatorError) as caught:
        apply_indicator(households, definition)
    message = str(caught.value)
    assert "'hv26'" in message and "not in this dataset" in message
    assert "did you mean" in message and "'hv206'" in message


def test_several_missing_columns_are_all_named(households: pd.DataFrame) -> None:
    definition = _definition(weight_column="v005", region_column="v024")
    with pytest.raises(IndicatorError, match="Columns 'v005'.*'v024'.*are not in this dataset"):
        apply_indicator(households, definition)


def test_column_names_match_case_insensitively(households: pd.DataFrame) -> None:
    upper = households.rename(columns=str.upper)
    prepared = apply_indicator(upper, _definition())
    assert prepared.n_reference == 8
    assert any("capitalisation" in message for message in prepared.messages)


def test_constant_outcome_message(households: pd.DataFrame) -> None:
    frame = households.assign(hv206=0)
    with pytest.raises(IndicatorError) as caught:
        apply_indicator(frame, _definition())
    assert str(caught.value) == (
        "The outcome is constant in this population (everyone has 0): there is nothing to split."
    )


def test_rules_with_codes_match_a_labelled_frame(households: pd.DataFrame) -> None:
    labels = {
        "hv025": {1: "Urban", 2: "Rural"},
        "hv270": {1: "Poorest", 2: "Poorer", 3: "Middle", 4: "Richer", 5: "Richest"},
        "hv206": {0: "No", 1: "Yes", 9: "Missing"},
    }
    labelled = households.copy()
    for column, table in labels.items():
        labelled[column] = labelled[column].map(table)
    coded = apply_indicator(households, _definition(region_column="hv025"))
    named = apply_indicator(labelled, _definition(region_column="hv025"), value_labels=labels)
    pd.testing.assert_frame_equal(
        coded.frame.drop(columns="region"), named.frame.drop(columns="region")
    )
    assert named.frame["region"].tolist()[:2] == ["Urban", "Rural"]
    assert coded.frame["region"].tolist()[:2] == ["1", "2"]


def test_rules_with_level_names_match_codes_through_labels(households: pd.DataFrame) -> None:
    labels = {"hv025": {1: "Urban", 2: "Rural"}}
    definition = _definition(population_filter=(Condition("hv025", "==", "rural"),))
    prepared = apply_indicator(households, definition, value_labels=labels)
    assert set(prepared.frame["Residence"]) == {"Rural"}


@pytest.mark.parametrize(
    ("builder", "message"),
    [
        (lambda: Condition("x", "~=", 1), "Unknown operator"),
        (lambda: Condition("x", "between", [1]), "two numbers"),
        (lambda: Condition("x", "in", []), "non-empty list"),
        (lambda: Condition("x", "<", "ten"), "needs a number"),
        (lambda: OutcomeRule(column="y"), "either positive_values"),
        (
            lambda: OutcomeRule(column="y", positive_values=(1,), negative_values=(0,)),
            "not both",
        ),
        (lambda: OutcomeRule(column="y", kind="numeric", threshold=1), "both threshold"),
        (lambda: OutcomeRule(column="y", kind="count"), "Unknown outcome kind"),
        (lambda: CircumstanceSpec(name="A", column="a", kind="nominal"), "unknown kind"),
        (
            lambda: CircumstanceSpec(name="A", column="a", kind="numeric", recode={1: "x"}),
            "is numeric",
        ),
        (lambda: CircumstanceSpec(name="A", column="a", recode={1: "x", "1": "y"}), "more than"),
        (lambda: Band("bad", 5, 1), "minimum above maximum"),
        (lambda: _definition(weight_divisor=0), "positive number"),
        (
            lambda: _definition(circumstances=(CircumstanceSpec(name="outcome", column="hv025"),)),
            "reserved",
        ),
    ],
)
def test_invalid_definitions(builder: object, message: str) -> None:
    with pytest.raises(IndicatorError, match=message):
        builder()  # type: ignore[operator]


def test_from_dict_rejects_unknown_fields() -> None:
    data = _definition().to_dict()
    data["outcome"]["colour"] = "red"
    with pytest.raises(IndicatorError, match="Unknown field\\(s\\) in outcome rule: colour"):
        IndicatorDefinition.from_dict(data)


def test_indicator_error_is_a_value_error() -> None:
    assert issubclass(IndicatorError, ValueError)


# ------------------------------------------------------------------------------ presets


@pytest.mark.parametrize("slug", sorted(ESCAP_PRESETS))
def test_every_preset_round_trips_through_json(slug: str) -> None:
    definition = ESCAP_PRESETS[slug]
    restored = IndicatorDefinition.from_dict(json.loads(json.dumps(definition.to_dict())))
    assert restored == definition
    assert restored.to_dict() == definition.to_dict()


def test_catalogue_covers_escap_indicators() -> None:
    dhs = presets_for("DHS")
    expected = {
        "dhs-electricity",
        "dhs-clean-cooking-fuel",
        "dhs-basic-drinking-water",
        "dhs-basic-sanitation",
        "dhs-bank-account",
        "dhs-mobile-phone",
        "dhs-secondary-education-20-35",
        "dhs-secondary-education-35-plus",
        "dhs-higher-education-25-35",
        "dhs-higher-education-35-plus",
        "dhs-skilled-birth-attendance",
        "dhs-family-planning-demand-satisfied",
        "dhs-stunting",
        "dhs-wasting",
        "dhs-overweight",
        "dhs-physical-violence",
        "dhs-sexual-violence",
        "dhs-emotional-violence",
        "dhs-wife-beating-justified",
        "dhs-internet-use",
        "dhs-child-marriage",
    }
    assert expected <= set(dhs)
    assert presets_for("MICS")
    for slug, definition in ESCAP_PRESETS.items():
        assert slug == definition.slug
        assert slug.startswith(definition.survey_kind.lower() + "-")
        assert definition.unit and definition.source_table and definition.notes
        if not definition.verified:
            assert "NOT VERIFIED" in definition.notes
    barriers = {s for s, d in dhs.items() if d.barrier}
    assert barriers == {
        "dhs-stunting",
        "dhs-wasting",
        "dhs-overweight",
        "dhs-physical-violence",
        "dhs-sexual-violence",
        "dhs-emotional-violence",
        "dhs-wife-beating-justified",
        "dhs-child-marriage",
    }


@pytest.fixture(scope="module")
def synthetic_tables() -> dict[str, pd.DataFrame]:
    return {name: table.frame for name, table in generate_dhs_like(n_households=600).items()}


@pytest.mark.parametrize("slug", sorted(presets_for("DHS")))
def test_dhs_presets_reference_only_synthetic_columns(
    slug: str, synthetic_tables: dict[str, pd.DataFrame]
) -> None:
    definition = ESCAP_PRESETS[slug]
    columns = set(synthetic_tables[definition.source_table].columns)
    assert set(definition.referenced_columns()) <= columns
    assert definition.weight_divisor == DHS_WEIGHT_DIVISOR


# ------------------------------------------------------------------------------ sampling design


def test_design_columns_are_optional_and_backward_compatible(households: pd.DataFrame) -> None:
    plain = _definition()
    data = plain.to_dict()
    assert "cluster_column" not in data and "strata_column" not in data
    assert IndicatorDefinition.from_dict(data) == plain
    designed = _definition(cluster_column="hv021", strata_column="hv022")
    data = designed.to_dict()
    assert (data["cluster_column"], data["strata_column"]) == ("hv021", "hv022")
    assert IndicatorDefinition.from_dict(json.loads(json.dumps(data))) == designed
    assert designed.design_columns() == ("hv021", "hv022")
    assert "hv021" not in designed.referenced_columns()  # a file may lack them


def test_design_columns_reach_the_prepared_frame(households: pd.DataFrame) -> None:
    frame = households.assign(hv021=[1, 1, 2, 2, 3, 3, 4, 4, 5, 5], HV022=[1] * 6 + [2] * 4)
    prepared = apply_indicator(frame, _definition(cluster_column="hv021", strata_column="hv022"))
    assert (prepared.cluster, prepared.strata) == ("hv021", "HV022")
    assert list(prepared.frame.columns[-2:]) == ["psu", "stratum"]
    # rows 7 (outcome 9 = missing) and 9 (no outcome) are left out
    assert prepared.frame["psu"].tolist() == [1, 1, 2, 2, 3, 3, 4, 5]
    assert prepared.frame["stratum"].tolist() == [1, 1, 1, 1, 1, 1, 2, 2]


def test_absent_or_incomplete_design_falls_back_with_a_message(households: pd.DataFrame) -> None:
    prepared = apply_indicator(households, _definition(cluster_column="hv021"))
    assert prepared.cluster is None and "psu" not in prepared.frame
    assert any("intervals assume independent rows" in m for m in prepared.messages)
    holes = households.assign(hv021=[1, None, 2, 2, 3, 3, 4, 4, 5, 5])
    prepared = apply_indicator(holes, _definition(cluster_column="hv021"))
    assert prepared.cluster is None
    assert any("missing value" in m for m in prepared.messages)


def test_presets_name_the_standard_design_variables() -> None:
    for preset in ESCAP_PRESETS.values():
        if preset.survey_kind == "MICS":
            assert (preset.cluster_column, preset.strata_column) == ("PSU", "stratum")
        elif preset.source_table in ("HR", "PR"):
            assert (preset.cluster_column, preset.strata_column) == ("hv021", "hv022")
        else:
            assert (preset.cluster_column, preset.strata_column) == ("v021", "v022")
