"""The ESCAP catalogue states each concept once and generates the DHS and MICS presets.

The fixture holds main's hand-written presets (``to_dict()`` of every ``ESCAP_PRESETS`` entry,
dumped before the catalogue was refactored), so a change to a generated preset shows here.
"""

import json
from pathlib import Path

import pytest

from analysis.indicators import (
    ESCAP_CONCEPTS,
    ESCAP_PRESETS,
    ESCAP_SDG_GOALS,
    IndicatorDefinition,
    concept_for_preset,
    presets_for,
)

FIXTURE = Path(__file__).parent / "fixtures" / "escap_presets_before_catalogue.json"
HAND_WRITTEN = json.loads(FIXTURE.read_text(encoding="utf-8"))


def test_the_catalogue_generates_exactly_the_hand_written_presets():
    assert sorted(ESCAP_PRESETS) == sorted(HAND_WRITTEN)
    assert len(ESCAP_PRESETS) == 36


@pytest.mark.parametrize("slug", sorted(HAND_WRITTEN))
def test_each_generated_preset_equals_the_hand_written_one(slug):
    generated = json.loads(json.dumps(ESCAP_PRESETS[slug].to_dict()))
    assert generated == HAND_WRITTEN[slug]
    # and it reads back to an equal definition, as a stored run would
    assert IndicatorDefinition.from_dict(HAND_WRITTEN[slug]) == ESCAP_PRESETS[slug]


def test_each_concept_is_stated_once_with_its_goal_and_both_surveys_where_escap_has_them():
    keys = [c.key for c in ESCAP_CONCEPTS]
    assert len(keys) == len(set(keys)) == 22
    both = [c.key for c in ESCAP_CONCEPTS if set(c.variables) == {"DHS", "MICS"}]
    assert len(both) == 14
    for concept in ESCAP_CONCEPTS:
        for kind in concept.variables:
            preset = ESCAP_PRESETS[concept.slug_for(kind)]
            assert preset.barrier is concept.barrier
            assert preset.survey_kind == kind
        assert ESCAP_SDG_GOALS[concept.key] == concept.sdg_goal


def test_goal_barrier_and_name_come_from_the_concept():
    stunting = concept_for_preset("mics-stunting")
    assert stunting is concept_for_preset("dhs-stunting")
    assert (stunting.sdg_goal, stunting.barrier) == (2, True)
    assert concept_for_preset("dhs-electricity").sdg_goal == 7
    assert concept_for_preset("custom-thing") is None
    # a name that differs by survey is stated as such, not as a second concept
    assert ESCAP_PRESETS["dhs-internet-use"].name.endswith("12 months (women)")
    assert ESCAP_PRESETS["mics-internet-use"].name.endswith("3 months (women)")
    # the order of the catalogue is kept: DHS first, then MICS
    assert list(ESCAP_PRESETS)[0] == "dhs-electricity"
    assert list(presets_for("MICS"))[0] == "mics-electricity"
