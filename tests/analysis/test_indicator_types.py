"""What the typed indicator definitions keep doing now that mypy checks analysis.indicators:
bands read from stored JSON are checked before use (the error names the field), the
catalogue's recodes are the same text-keyed pairs a stored definition holds, and a
circumstance's error names the circumstance it comes from."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis.indicators import (
    ESCAP_PRESETS,
    CircumstanceSpec,
    IndicatorDefinition,
    IndicatorError,
    OutcomeRule,
    apply_indicator,
)
from analysis.indicators.definition import recode_pairs


def _stored(bands: list[dict[str, object]]) -> dict[str, object]:
    """A definition as the portal stores it (JSON), with an age circumstance in bands."""
    return {
        "name": "Child marriage",
        "outcome": {"column": "married", "kind": "binary", "positive_values": [1]},
        "circumstances": [
            {"name": "Residence", "column": "hv025", "recode": {"1": "Urban", "2": "Rural"}},
            {"name": "Age group", "column": "age", "kind": "unordered", "bands": bands},
        ],
    }


@pytest.mark.parametrize(
    ("band", "field"),
    [
        ({"label": "15-24", "minimum": "fifteen", "maximum": 24}, "minimum"),
        ({"label": "15-24", "minimum": 15}, "maximum"),
        ({"label": "15-24", "minimum": 15, "maximum": float("nan")}, "maximum"),
    ],
)
def test_a_stored_band_without_numbers_is_refused_naming_its_field(
    band: dict[str, object], field: str
) -> None:
    with pytest.raises(IndicatorError, match="Band '15-24' needs numeric") as caught:
        IndicatorDefinition.from_dict(_stored([band]))
    assert caught.value.field == f"circumstances[1].bands[0].{field}"


def test_a_stored_band_with_numbers_is_kept() -> None:
    definition = IndicatorDefinition.from_dict(
        _stored([{"label": "15-24", "minimum": 15, "maximum": 24}])
    )
    (band,) = definition.circumstances[1].bands
    assert (band.label, band.minimum, band.maximum) == ("15-24", 15, 24)


def test_recode_pairs_are_what_a_stored_definition_holds() -> None:
    assert recode_pairs({1: "Urban", 2.0: "Rural", "3": "Camp"}) == (
        ("1", "Urban"),
        ("2", "Rural"),
        ("3", "Camp"),
    )
    wealth = next(
        spec
        for preset in ESCAP_PRESETS.values()
        for spec in preset.circumstances
        if spec.name == "Wealth"
    )
    assert dict(wealth.recode) == {
        "1": "Bottom 40%",
        "2": "Bottom 40%",
        "3": "Top 60%",
        "4": "Top 60%",
        "5": "Top 60%",
    }
    restored = IndicatorDefinition.from_dict(json.loads(json.dumps(_wealth_only(wealth))))
    assert restored.circumstances[0] == wealth


def _wealth_only(wealth: CircumstanceSpec) -> dict[str, object]:
    outcome = OutcomeRule(column="hv206", positive_values=(1,))
    return IndicatorDefinition(
        name="Electricity", outcome=outcome, circumstances=(wealth,)
    ).to_dict()


def test_an_unmapped_value_is_reported_for_the_circumstance_it_belongs_to() -> None:
    frame = pd.DataFrame({"y": [1, 0, 1, 0], "hv025": [1, 2, 1, 2], "hv270": [1, 2, 3, 9]})
    definition = IndicatorDefinition(
        name="Electricity",
        outcome=OutcomeRule(column="y", positive_values=(1,)),
        circumstances=(
            CircumstanceSpec(
                name="Residence", column="hv025", recode=recode_pairs({1: "U", 2: "R"})
            ),
            CircumstanceSpec(
                name="Wealth", column="hv270", recode=recode_pairs({1: "P", 2: "P", 3: "R"})
            ),
        ),
    )
    with pytest.raises(IndicatorError, match="unmapped: 9") as caught:
        apply_indicator(frame, definition)
    assert caught.value.field.startswith("circumstances[1]")
