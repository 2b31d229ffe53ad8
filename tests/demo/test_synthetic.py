"""Tests for demo.synthetic: the seeded DHS-like demo survey."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.indicators import ESCAP_PRESETS, apply_indicator, presets_for
from analysis.surveyio import read_survey
from demo.synthetic import REGIONS, REMOTE_REGIONS, SyntheticFile, generate_dhs_like


@pytest.fixture(scope="module")
def survey() -> dict[str, SyntheticFile]:
    return generate_dhs_like()


def _weighted_mean(frame: pd.DataFrame, value: str, weight: str, by: str) -> pd.Series:
    return frame.groupby(by).apply(
        lambda group: np.average(group[value], weights=group[weight]), include_groups=False
    )


def test_same_seed_gives_the_same_survey() -> None:
    first = generate_dhs_like(seed=11, n_households=400)
    second = generate_dhs_like(seed=11, n_households=400)
    assert set(first) == {"HR", "PR", "IR", "KR"}
    for name in first:
        pd.testing.assert_frame_equal(first[name].frame, second[name].frame)
    other = generate_dhs_like(seed=12, n_households=400)
    assert not first["HR"].frame.equals(other["HR"].frame)


def test_sizes_and_shapes(survey: dict[str, SyntheticFile]) -> None:
    assert len(survey["HR"].frame) == 3_000
    assert 2_000 < len(survey["IR"].frame) < 5_000
    assert 1_000 < len(survey["KR"].frame) < 3_000
    assert len(survey["PR"].frame) == survey["HR"].frame["hv009"].sum()
    women = survey["IR"].frame
    assert women["v012"].between(15, 49).all()
    assert (
        survey["KR"].frame.groupby("caseid").size()
        == women.set_index("caseid")["v208"].loc[survey["KR"].frame["caseid"].unique()]
    ).all()
    assert survey["HR"].frame["hhid"].is_unique and women["caseid"].is_unique


def test_weights_are_stored_times_a_million(survey: dict[str, SyntheticFile]) -> None:
    weights = survey["HR"].frame["hv005"]
    assert weights.dtype.kind == "i"
    assert 200_000 < weights.min() and weights.max() < 10_000_000


def test_regions_and_labels(survey: dict[str, SyntheticFile]) -> None:
    households = survey["HR"]
    assert len(REGIONS) >= 5 and all(isinstance(name, str) for name in REGIONS.values())
    assert set(households.frame["hv024"]) == set(REGIONS)
    assert households.level_order("hv270") == ["Poorest", "Poorer", "Middle", "Richer", "Richest"]
    for table in survey.values():
        for column, labels in table.value_labels.items():
            assert column in table.frame, column
            codes = set(table.frame[column].dropna().astype(int))
            if column.startswith("hw7") or column == "hv204":
                continue  # labels mark special codes only
            assert codes <= set(labels), (table.recode, column, codes - set(labels))
        assert set(table.variable_labels) == set(table.frame.columns)


def test_access_is_lower_for_rural_and_poorest(survey: dict[str, SyntheticFile]) -> None:
    households = survey["HR"].frame
    by_residence = _weighted_mean(households, "hv206", "hv005", "hv025")
    assert by_residence[2] < by_residence[1] - 0.15
    by_wealth = _weighted_mean(households, "hv206", "hv005", "hv270")
    assert by_wealth[1] < by_wealth[5] - 0.5
    assert list(by_wealth) == sorted(by_wealth)
    by_region = _weighted_mean(households, "hv206", "hv005", "hv024")
    assert max(by_region[r] for r in REMOTE_REGIONS) < min(
        by_region[r] for r in set(REGIONS) - REMOTE_REGIONS
    )
    by_ethnicity = _weighted_mean(households, "hv206", "hv005", "ethnicity")
    assert by_ethnicity[2] == by_ethnicity.min()


def test_rural_poorest_intersection_is_markedly_worse(survey: dict[str, SyntheticFile]) -> None:
    households = survey["HR"].frame.assign(
        rural=lambda f: f["hv025"] == 2, poorest=lambda f: f["hv270"] == 1
    )
    means = households.groupby(["rural", "poorest"]).apply(
        lambda g: np.average(g["hv206"], weights=g["hv005"]), include_groups=False
    )
    assert means[(True, True)] < means[(True, False)] - 0.25
    assert means[(True, True)] < means[(False, True)] - 0.15


def test_barriers_are_higher_for_the_disadvantaged(survey: dict[str, SyntheticFile]) -> None:
    prepared = apply_indicator(survey["KR"].frame, ESCAP_PRESETS["dhs-stunting"])
    by_wealth = _weighted_mean(prepared.frame, "outcome", "weight", "Wealth")
    assert by_wealth["Bottom 40%"] > by_wealth["Top 60%"] + 0.1
    education = _weighted_mean(prepared.frame, "outcome", "weight", "Mother's education")
    assert education["Lower"] > education["Higher"]


def test_write_dta_round_trip_gives_labelled_levels(
    survey: dict[str, SyntheticFile], tmp_path: Path
) -> None:
    households = survey["HR"]
    path = households.write_dta(tmp_path / "SYHR01FL.dta")
    read = read_survey(path)
    frame = read.frame
    assert set(frame["hv025"]) == {"Urban", "Rural"}
    assert read.value_label_order["hv270"] == households.level_order("hv270")
    assert read.value_label_order["hv024"] == [REGIONS[code] for code in sorted(REGIONS)]
    assert frame["hv206"].isin(["Yes", "No"]).all()
    assert read.variable_labels["hv206"] == "Has electricity"
    # Labels that only mark special codes keep the minutes numeric.
    assert pd.api.types.is_numeric_dtype(frame["hv204"])
    expected = households.frame["hv025"].map({1: "Urban", 2: "Rural"})
    assert frame["hv025"].tolist() == expected.tolist()


def test_presets_agree_on_codes_and_on_the_labelled_file(
    survey: dict[str, SyntheticFile], tmp_path: Path
) -> None:
    children = read_survey(survey["KR"].write_dta(tmp_path / "SYKR01FL.dta"))
    definition = ESCAP_PRESETS["dhs-stunting"]
    from_codes = apply_indicator(survey["KR"].frame, definition)
    from_labels = apply_indicator(children.frame, definition, value_labels=children.value_labels)
    assert from_labels.n_reference == from_codes.n_reference
    assert from_labels.weighted_mean == pytest.approx(from_codes.weighted_mean)


@pytest.mark.parametrize("slug", sorted(presets_for("DHS")))
def test_every_dhs_preset_applies_to_the_demo_data(
    survey: dict[str, SyntheticFile], slug: str
) -> None:
    definition = ESCAP_PRESETS[slug]
    prepared = apply_indicator(survey[definition.source_table].frame, definition)
    assert 0 < prepared.weighted_mean < 1
    assert prepared.n_reference >= 200
    assert [c.name for c in prepared.circumstances] == [c.name for c in definition.circumstances]
    for circumstance in prepared.circumstances:
        values = prepared.frame[circumstance.name]
        if circumstance.kind == "numeric":
            assert pd.api.types.is_numeric_dtype(values)
        else:
            assert values.nunique() >= 2, (slug, circumstance.name)
            assert set(values) <= set(circumstance.order)


def test_generation_rejects_tiny_samples() -> None:
    with pytest.raises(ValueError, match="at least 200"):
        generate_dhs_like(n_households=50)
