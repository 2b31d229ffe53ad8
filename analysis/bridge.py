"""The one bridge between stored datasets/runs and the pure engine (analysis/engine)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pandas as pd

from analysis.engine import (
    Circumstance,
    analyse,
    distribution_measures,
    group_estimates,
    quintile_measures,
    result_to_dict,
)
from analysis.indicators import IndicatorDefinition, apply_indicator
from analysis.prepared import cached_survey
from analysis.surveyio import SurveyFileError, SurveyFrame, read_survey

# The wealth index of DHS (households, women) and MICS files: the factor score first
# (deciles, so the Palma ratio), else the quintiles.
WEALTH_SCORE_COLUMNS = ("hv271", "v191", "wscore")
WEALTH_QUINTILE_COLUMNS = ("hv270", "v190", "windex5")


def wealth_columns(available) -> tuple[str, ...]:
    """The wealth columns a file has (by exact name among ``available``: column names, or
    a Dataset's stored profile), score first; at most one score and one quintile column."""
    names = {c.get("name") if isinstance(c, dict) else c for c in available or ()}
    score = next((c for c in WEALTH_SCORE_COLUMNS if c in names), None)
    quintile = next((c for c in WEALTH_QUINTILE_COLUMNS if c in names), None)
    return tuple(c for c in (score, quintile) if c)


def _read(
    path: str,
    indicator: IndicatorDefinition,
    sha256: str | None = None,
    extra: tuple[str, ...] = (),
) -> SurveyFrame:
    """Read the columns the indicator needs, with its design columns when the file has them
    (a file without them is analysed with intervals for independent rows).

    With the file's ``sha256`` the prepared columns are cached as Parquet beside the file
    (:mod:`analysis.prepared`), so the runs of a batch read the survey file once."""
    columns = list(indicator.referenced_columns())
    columns += [c for c in extra if c not in columns]
    design = [c for c in indicator.design_columns() if c not in columns]

    def load() -> SurveyFrame:
        if design:
            try:
                return read_survey(path, columns=columns + design)
            except SurveyFileError:
                pass
        return read_survey(path, columns=columns)

    if not sha256:
        return load()
    return cached_survey(path, sha256=sha256, columns=columns + design, load=load)


def read_for_indicator(
    path: str, definition: dict, sha256: str | None = None, wealth: tuple[str, ...] = ()
) -> SurveyFrame:
    """The columns an indicator reads (see :func:`_read`), through the batch cache; pass
    the file's ``wealth`` columns as the run does so the cached read is shared."""
    return _read(path, IndicatorDefinition.from_dict(definition), sha256, extra=tuple(wealth))


def compute_run(
    *,
    path: str,
    definition: dict,
    region: str = "",
    params: dict | None = None,
    shapley: bool = True,
    missing_policy: str | None = None,
    sha256: str | None = None,
    wealth: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Read the survey, apply the indicator, run the engine; return JSON to store on the Run.

    ``wealth`` names the file's wealth columns (:func:`wealth_columns`): with them the
    result gets ``distribution`` (Palma ratio and top/bottom ratios by wealth).

    ``missing_policy`` (else ``params["missing_circumstance"]``, else ``"surrogate"``) is
    what happens to rows missing a circumstance: ``"surrogate"`` keeps them and lets the
    engine route them by rpart's surrogate splits (D, HOI and Shapley then use the complete
    rows, ``n_used_for_d``); ``"level"`` gives them a "Missing" level; ``"drop"`` leaves them
    out here, as the portal did before. The policy is stored as ``missing_policy``.
    ``sha256`` (the file's) lets the runs of a batch share one read of the file.

    Raises SurveyFileError, IndicatorError or EngineError with a message a person can act on.
    """
    params = dict(params or {})
    policy = missing_policy or params.pop("missing_circumstance", None) or "surrogate"
    params.pop("missing_circumstance", None)
    indicator = IndicatorDefinition.from_dict(definition)
    survey = _read(path, indicator, sha256, extra=tuple(wealth))
    prepared = apply_indicator(
        survey.frame,
        indicator,
        value_labels=survey.value_labels,
        keep_missing_circumstances=policy != "drop",
        declared_missing_rows=survey.declared_missing_rows,
        carry={f"_wealth_{column}": column for column in wealth},
    )
    frame = prepared.frame
    if region:
        frame = frame[frame["region"].astype(str) == region]
    circumstances = [
        Circumstance(c.name, c.kind, tuple(c.order) or None) for c in prepared.circumstances
    ]
    # The design of the whole file: the analysed rows are a domain of it (reference
    # population, region), and PSUs without analysed rows still count in the variance.
    design_sample = None
    if prepared.cluster or prepared.strata:
        design_sample = pd.DataFrame(
            {
                name: survey.frame[column]
                for name, column in (("psu", prepared.cluster), ("stratum", prepared.strata))
                if column
            }
        ).dropna()
    result = analyse(
        frame,
        outcome="outcome",
        circumstances=circumstances,
        weight="weight",
        barrier=prepared.barrier,
        shapley=shapley,
        cluster="psu" if prepared.cluster else None,
        strata="stratum" if prepared.strata else None,
        uncertainty=True,
        design_sample=design_sample,
        missing_circumstance=policy,
        **params,
    )
    data = result_to_dict(result)
    # Name the survey's own design columns (the prepared frame calls them psu / stratum).
    design = data["uncertainty"]["design"]
    design["cluster"], design["strata"] = prepared.cluster, prepared.strata
    data["outcome_binary"] = result.outcome_is_binary
    data["single_d"] = dict(result.single_circumstance_d)
    data["d_on_complement"] = result.d_on_complement
    data["circumstances"] = [
        {"name": c.name, "kind": c.kind, "order": list(c.order or ())} for c in circumstances
    ]
    # Per-circumstance group estimates, so HEAT measures can be computed for any dimension
    # later without reading the file again.
    data["dimensions"] = {
        c.name: [
            asdict(g)
            for g in group_estimates(
                frame,
                outcome="outcome",
                dimension=c.name,
                weight="weight",
                order=list(c.order) if c.kind == "ordered" and c.order else None,
            )
        ]
        for c in circumstances
        if c.kind != "numeric"
    }
    distribution = _distribution(frame, wealth, survey.value_labels)
    if distribution is not None:
        data["distribution"] = distribution
    data["sample"] = {
        "n_reference": prepared.n_reference,
        "n_excluded_by_filter": prepared.n_excluded_by_filter,
        "n_missing_outcome": prepared.n_missing_outcome,
        "n_missing_weight": prepared.n_missing_weight,
        "n_missing_circumstances": prepared.n_missing_circumstances,
        "messages": list(prepared.messages),
        "n_incomplete_circumstances": prepared.n_incomplete_circumstances,
        # The codes the file declares missing (SPSS user-missing, Stata .a-.z) that were
        # treated as missing, per column read: [{"code", "label", "count"}].
        "declared_missing": survey.declared_missing,
    }
    # Cells the outcome rule recoded other than by their own value (a blank counted as "no",
    # a declared missing code kept missing or counted as "no"), with the reason; counts are
    # of the reference population, of the region for a regional run.
    data["outcome_recoding"] = [
        {
            key: value
            for key, value in {
                **entry,
                "count": entry.get("by_region", {}).get(region, 0) if region else entry["count"],
            }.items()
            if key != "by_region"
        }
        for entry in prepared.outcome_recoding
    ]
    data["outcome_recoding"] = [e for e in data["outcome_recoding"] if e["count"]]
    return data


def _distribution(frame: pd.DataFrame, wealth, value_labels) -> dict[str, Any] | None:
    """Distribution measures of the outcome by the wealth column carried in ``frame``
    (score first, else quintile codes 1–5); None without one or when it cannot be used."""
    for column in wealth:
        name = f"_wealth_{column}"
        if name not in frame.columns:
            continue
        values = pd.to_numeric(frame[name], errors="coerce")
        if values.isna().all() and column in (value_labels or {}):
            # Read as level names: back to the codes through the file's labels.
            codes = {label: code for code, label in value_labels[column].items()}
            values = pd.to_numeric(frame[name].map(codes), errors="coerce")
        try:
            if column in WEALTH_SCORE_COLUMNS:
                measures = distribution_measures(values, frame["outcome"], frame["weight"])
            else:
                if not set(values.dropna().unique()) <= {1, 2, 3, 4, 5}:
                    continue
                measures = quintile_measures(values, frame["outcome"], frame["weight"])
        except ValueError:
            continue
        return {**asdict(measures), "column": column}
    return None


def regions_of(
    path: str, definition: dict, sha256: str | None = None, wealth: tuple[str, ...] = ()
) -> list[str]:
    """The regions present in the indicator's reference population (for subnational runs).

    With ``sha256`` it reads through the batch cache, so the runs that follow do not read
    the survey file again."""
    indicator = IndicatorDefinition.from_dict(definition)
    if not indicator.region_column:
        return []
    survey = _read(path, indicator, sha256, extra=tuple(wealth))
    prepared = apply_indicator(survey.frame, indicator, value_labels=survey.value_labels)
    return sorted(prepared.frame["region"].dropna().astype(str).unique())
