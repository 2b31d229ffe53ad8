"""Indicator definitions: from survey microdata to the analysed sample of one indicator.

- :mod:`analysis.indicators.definition`: the JSON-serialisable schema (:class:`IndicatorDefinition`
  and its parts) and its validation; errors are :class:`IndicatorError` with a field path.
- :mod:`analysis.indicators.evaluate`: :func:`apply_indicator`, a definition on a DataFrame.
- :mod:`analysis.indicators.grammar`: a definition in words (:func:`reference_population_text`).
- :mod:`analysis.indicators.catalogue`: ESCAP's indicators, each concept stated once and
  generated for DHS and MICS (:data:`ESCAP_PRESETS`).

Everything public is re-exported here, so ``from analysis.indicators import X`` works.
Pure pandas; no Django imports.
"""

from analysis.indicators.catalogue import (
    ESCAP_CONCEPTS,
    ESCAP_PRESETS,
    ESCAP_SDG_GOALS,
    IndicatorConcept,
    concept_for_preset,
    presets_for,
)
from analysis.indicators.definition import (
    CIRCUMSTANCE_KINDS,
    CONDITION_OPS,
    DHS_WEIGHT_DIVISOR,
    OUTCOME_KINDS,
    RESERVED_COLUMNS,
    THRESHOLD_DIRECTIONS,
    Band,
    CircumstanceSpec,
    Condition,
    IndicatorDefinition,
    IndicatorError,
    OutcomeRule,
)
from analysis.indicators.evaluate import (
    BLANK_AS_NO_REASON,
    DECLARED_AS_MISSING_REASON,
    DECLARED_AS_NO_REASON,
    PreparedCircumstance,
    PreparedData,
    apply_indicator,
)
from analysis.indicators.grammar import reference_population_text

__all__ = [
    "BLANK_AS_NO_REASON",
    "CIRCUMSTANCE_KINDS",
    "CONDITION_OPS",
    "DECLARED_AS_MISSING_REASON",
    "DECLARED_AS_NO_REASON",
    "DHS_WEIGHT_DIVISOR",
    "ESCAP_CONCEPTS",
    "ESCAP_PRESETS",
    "ESCAP_SDG_GOALS",
    "OUTCOME_KINDS",
    "RESERVED_COLUMNS",
    "THRESHOLD_DIRECTIONS",
    "Band",
    "CircumstanceSpec",
    "Condition",
    "IndicatorConcept",
    "IndicatorDefinition",
    "IndicatorError",
    "OutcomeRule",
    "PreparedCircumstance",
    "PreparedData",
    "apply_indicator",
    "concept_for_preset",
    "presets_for",
    "reference_population_text",
]
