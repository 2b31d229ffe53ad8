"""Evaluating an indicator definition on survey microdata.

:func:`apply_indicator` evaluates a definition on a DataFrame and returns
:class:`PreparedData` with the columns ``outcome``, ``weight`` and one column per
circumstance, ready for ``analysis.engine``.

Pure pandas; no Django imports.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from analysis.indicators.definition import (
    CircumstanceSpec,
    Condition,
    IndicatorDefinition,
    IndicatorError,
    OutcomeRule,
    _within,
    gettext_noop,
)
from analysis.surveyio import value_key

# --------------------------------------------------------------------------------------------
# Prepared data
# --------------------------------------------------------------------------------------------


class PreparedCircumstance(NamedTuple):
    """A circumstance as the engine needs it: output name, kind and level order."""

    name: str
    kind: str
    order: tuple[str, ...]


@dataclass(frozen=True)
class PreparedData:
    """The analysed sample of one indicator.

    ``frame`` has the columns ``outcome`` (float; 0/1 for binary outcomes), ``weight``
    (divided by the definition's divisor), one column per circumstance named by its output
    name (text levels, or numbers for numeric circumstances) and ``region`` when the
    definition has a region column, and ``psu`` / ``stratum`` when the definition names
    design columns found in the data (``cluster`` / ``strata`` give the survey columns used;
    None when absent). ``n_reference`` is the number of rows analysed;
    ``n_excluded_by_filter`` the rows outside the reference population; the ``n_missing_*``
    counts are rows of the reference population left out for missing values;
    ``n_incomplete_circumstances`` the rows kept although a circumstance is missing
    (``keep_missing_circumstances``). ``outcome_recoding`` says how many cells of the
    reference population the outcome rule turned into "no" or into missing other than by
    their own value, and why: ``{"column", "kind" ("blank" | "declared_missing"), "as"
    ("no" | "missing"), "count", "reason"}``.
    """

    frame: pd.DataFrame
    circumstances: tuple[PreparedCircumstance, ...]
    n_reference: int
    n_excluded_by_filter: int
    n_missing_outcome: int = 0
    n_missing_weight: int = 0
    n_missing_circumstances: int = 0
    weighted_mean: float = math.nan
    barrier: bool = False
    messages: tuple[str, ...] = ()
    cluster: str | None = None
    strata: str | None = None
    n_incomplete_circumstances: int = 0
    outcome_recoding: tuple[dict[str, Any], ...] = ()


def _design_column(
    frame: pd.DataFrame, name: str | None, role: str, rows: pd.Series, messages: list[str]
) -> tuple[str | None, pd.Series | None]:
    """A sampling-design column (exact name, else a unique case-insensitive match) on the
    analysed rows; (None, None) with a message when it is absent or has missing values, so
    that intervals fall back to independent rows instead of failing the run."""
    if not name:
        return None, None
    found = name if name in frame.columns else None
    if found is None:
        matches = [c for c in frame.columns if str(c).casefold() == name.casefold()]
        found = str(matches[0]) if len(matches) == 1 else None
    if found is None:
        messages.append(
            f"The {role} column '{name}' is not in this dataset: intervals assume independent rows."
        )
        return None, None
    values = frame.loc[rows, found]
    missing = int(values.isna().sum())
    if missing:
        messages.append(
            f"The {role} column '{found}' has {missing} missing value(s) among the analysed "
            "rows: intervals assume independent rows."
        )
        return None, None
    return found, values


def apply_indicator(
    frame: pd.DataFrame,
    definition: IndicatorDefinition,
    *,
    value_labels: Mapping[str, Mapping[Any, str]] | None = None,
    keep_missing_circumstances: bool = False,
    declared_missing_rows: Mapping[str, np.ndarray] | None = None,
    carry: Mapping[str, str] | None = None,
) -> PreparedData:
    """Evaluate ``definition`` on ``frame`` and return the analysed sample.

    ``carry`` ({name: column of ``frame``}) copies further columns, such as the wealth
    index for the distribution measures, into the sample for the rows kept.

    Steps: resolve columns (exact name, else a unique case-insensitive match); keep the rows
    of the reference population; compute the outcome (rows with a missing outcome are left
    out); divide the weights (rows with a missing weight are left out); build each
    circumstance (rows with a missing circumstance are left out unless it has a
    ``missing_level``, or unless ``keep_missing_circumstances``: then they stay, with the
    value missing, for the engine's surrogate splits, and are counted in
    ``n_incomplete_circumstances``). ``value_labels`` (from
    :class:`analysis.surveyio.SurveyFrame`) lets rules written with codes match a frame
    holding level names, and the reverse. ``declared_missing_rows`` (also from the
    SurveyFrame) marks the cells that held a code the file declares missing: they are missing
    for the outcome even when the rule counts a blank as "no" (see :class:`OutcomeRule`);
    ``outcome_recoding`` lists each such recoding with its count and reason.

    Raises :class:`IndicatorError` for a missing column (naming close matches), a filter that
    leaves no rows, non-numeric values where numbers are needed, a recode that leaves values
    unmapped, and an outcome that is constant in the analysed sample.
    """
    labels = dict(value_labels or {})
    messages: list[str] = []
    resolved = _resolve_columns(frame, definition, messages)

    def column(name: str) -> pd.Series:
        return frame[resolved[name]]

    def labels_of(name: str) -> Mapping[Any, str]:
        return labels.get(resolved[name], labels.get(name, {}))

    n_total = len(frame)
    keep = _reference_population(frame, definition, column, labels_of)
    n_reference_population = int(keep.sum())
    n_excluded = n_total - n_reference_population

    declared_rows = dict(declared_missing_rows or {})

    def declared_of(name: str) -> pd.Series:
        mask = declared_rows.get(resolved[name])
        if mask is None or len(mask) != len(frame):
            return pd.Series(False, index=frame.index)
        return pd.Series(np.asarray(mask, dtype=bool), index=frame.index)

    recoding: list[dict[str, Any]] = []
    outcome = _compute_outcome(
        definition.outcome, column, labels_of, keep, declared_of, recoding, resolved
    )
    has_outcome = keep & outcome.notna()
    n_missing_outcome = int((keep & outcome.isna()).sum())
    if n_missing_outcome:
        messages.append(
            f"{n_missing_outcome} row(s) of the reference population have no valid outcome "
            "(missing, or outside the valid range) and are left out."
        )
    if not has_outcome.any():
        raise IndicatorError(
            gettext_noop(
                "No row of the reference population has a valid value of the outcome "
                "'%(column)s'. Check the outcome rule and its missing values."
            ),
            field="outcome.missing_values",
            column=definition.outcome.column,
        )

    weight = _compute_weight(definition, column, has_outcome, messages)
    has_weight = has_outcome & weight.notna()
    n_missing_weight = int((has_outcome & weight.isna()).sum())

    prepared: dict[str, pd.Series] = {}
    infos: list[PreparedCircumstance] = []
    complete = has_weight.copy()
    n_missing_circumstances = 0
    for index, spec in enumerate(definition.circumstances):

        def compute(spec: CircumstanceSpec = spec) -> tuple[pd.Series, tuple[str, ...]]:
            # Looking the column up may fail too: inside _within, so the error names the field.
            return _compute_circumstance(
                spec, column(spec.column), labels_of(spec.column), has_weight
            )

        values, order = _within(f"circumstances[{index}]", compute)
        missing_here = has_weight & values.isna()
        if missing_here.any():
            count = int(missing_here.sum())
            messages.append(
                f"{count} row(s) have no value for the circumstance '{spec.name}' "
                f"(column {resolved[spec.column]}) "
                + (
                    "and are sent down the tree by surrogate splits, as rpart does; D, HOI "
                    "and the Shapley decomposition leave them out."
                    if keep_missing_circumstances
                    else "and are left out."
                )
            )
        complete &= values.notna()
        prepared[spec.name] = values
        infos.append(PreparedCircumstance(spec.name, spec.kind, order))
    n_incomplete = int((has_weight & ~complete).sum())
    if keep_missing_circumstances:
        n_missing_circumstances = 0
        kept = has_weight
    else:
        n_missing_circumstances = n_incomplete
        n_incomplete = 0
        kept = complete

    result = pd.DataFrame(
        {"outcome": outcome[kept].astype(float), "weight": weight[kept].astype(float)}
    )
    for name, values in prepared.items():
        result[name] = values[kept]
    if definition.region_column:
        region = column(definition.region_column)[kept]
        result["region"] = region.map(_display_value)
    for entry in recoding:
        # Counted on the reference population, and per region for subnational runs.
        rows = entry.pop("_rows")
        if definition.region_column:
            regions = column(definition.region_column)[rows].map(_display_value).astype(str)
            entry["by_region"] = {str(k): int(v) for k, v in regions.value_counts().items()}
    # The design columns of the rows kept (incomplete ones too under surrogate routing).
    cluster, psu = _design_column(frame, definition.cluster_column, "cluster (PSU)", kept, messages)
    strata, stratum = _design_column(frame, definition.strata_column, "strata", kept, messages)
    if (definition.cluster_column and cluster is None) or (
        definition.strata_column and strata is None
    ):
        cluster = strata = psu = stratum = None
    if psu is not None:
        result["psu"] = psu
    if stratum is not None:
        result["stratum"] = stratum
    for name, source in (carry or {}).items():
        if source in frame.columns:
            result[name] = frame[source][kept]
    result = result.reset_index(drop=True)
    if result.empty:
        raise IndicatorError(
            gettext_noop(
                "No row is left once rows with missing outcome, weight or circumstances are "
                "removed. Check the missing values of the circumstances."
            ),
            field="circumstances",
        )
    _check_not_constant(result["outcome"], definition)
    total_weight = float(result["weight"].sum())
    if total_weight <= 0:
        raise IndicatorError(
            gettext_noop(
                "The weights of the analysed rows add up to zero: there is nothing to analyse."
            ),
            field="weight_column",
        )
    weighted_mean = float((result["outcome"] * result["weight"]).sum() / total_weight)
    return PreparedData(
        frame=result,
        circumstances=tuple(infos),
        n_reference=len(result),
        n_excluded_by_filter=n_excluded,
        n_missing_outcome=n_missing_outcome,
        n_missing_weight=n_missing_weight,
        n_missing_circumstances=n_missing_circumstances,
        weighted_mean=weighted_mean,
        n_incomplete_circumstances=n_incomplete,
        barrier=definition.barrier,
        messages=tuple(messages),
        cluster=cluster,
        strata=strata,
        outcome_recoding=tuple(recoding),
    )


def _display_value(value: Any) -> Any:
    """Codes shown as text ("1", not "1.0"); level names unchanged; missing stays missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return np.nan
    if isinstance(value, str):
        return value.strip()
    return value_key(value)


def _resolve_columns(
    frame: pd.DataFrame, definition: IndicatorDefinition, messages: list[str]
) -> dict[str, str]:
    available = [str(c) for c in frame.columns]
    by_folded: dict[str, list[str]] = {}
    for name in available:
        by_folded.setdefault(name.casefold(), []).append(name)
    resolved: dict[str, str] = {}
    missing: list[str] = []
    for name in definition.referenced_columns():
        if name in frame.columns:
            resolved[name] = name
            continue
        matches = by_folded.get(name.casefold(), [])
        if len(matches) == 1:
            resolved[name] = matches[0]
            messages.append(f"Using column '{matches[0]}' for '{name}' (capitalisation differs).")
        else:
            missing.append(name)
    if missing:
        parts = []
        for name in missing:
            close = difflib.get_close_matches(name, available, n=3, cutoff=0.6)
            if not close:
                close = difflib.get_close_matches(
                    name.casefold(), [a.casefold() for a in available], n=3, cutoff=0.6
                )
                close = [by_folded[c][0] for c in close]
            hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
            parts.append(f"'{name}'{hint}")
        raise IndicatorError(
            gettext_noop(
                "Column %(columns)s is not in this dataset, but the indicator '%(name)s' needs it."
            )
            if len(missing) == 1
            else gettext_noop(
                "Columns %(columns)s are not in this dataset, but the indicator '%(name)s' "
                "needs them."
            ),
            field=definition.column_field(missing[0]),
            columns=", ".join(parts),
            name=definition.name,
        )
    return resolved


def _keys(series: pd.Series) -> pd.Series:
    """Canonical, case-folded text of each value (NaN where missing or blank)."""
    unique = pd.unique(series.dropna())
    mapping = {value: value_key(value).casefold() for value in unique}
    keys = series.map(mapping)
    return keys.where(keys != "", np.nan)


def _expanded_keys(values: Iterable[Any], labels: Mapping[Any, str]) -> set[str]:
    """Rule values as keys, plus the label of each code and the code of each label."""
    keys = {value_key(value).casefold() for value in values}
    for code, label in labels.items():
        code_key, label_key = value_key(code).casefold(), str(label).strip().casefold()
        if code_key in keys or label_key in keys:
            keys.update((code_key, label_key))
    return keys


def _numbers(series: pd.Series, labels: Mapping[Any, str]) -> pd.Series:
    """Numeric values; level names are turned back into their codes when labels are known."""
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return series.astype(float)
    texts = series.map(lambda v: v.strip() if isinstance(v, str) else v)
    if labels:
        back = {str(label).strip().casefold(): code for code, label in labels.items()}
        texts = texts.map(lambda v: back.get(v.casefold(), v) if isinstance(v, str) else v)
    return pd.to_numeric(texts, errors="coerce").astype(float)


def _condition_mask(
    condition: Condition, series: pd.Series, labels: Mapping[Any, str]
) -> pd.Series:
    op = condition.op
    if op == "notnull":
        return _keys(series).notna()
    if op in ("==", "!=", "in", "not in"):
        values = condition.value if op in ("in", "not in") else (condition.value,)
        keys = _keys(series)
        hit = keys.isin(_expanded_keys(values, labels))
        return (hit if op in ("==", "in") else ~hit) & keys.notna()
    numbers = _numbers(series, labels)
    if op == "between":
        low, high = condition.value
        return numbers.between(low, high, inclusive="both").fillna(False)
    compare = {"<": numbers.lt, "<=": numbers.le, ">": numbers.gt, ">=": numbers.ge}[op]
    return compare(condition.value).fillna(False)


def _reference_population(
    frame: pd.DataFrame,
    definition: IndicatorDefinition,
    column: Any,
    labels_of: Any,
) -> pd.Series:
    keep = pd.Series(True, index=frame.index)
    for index, condition in enumerate(definition.population_filter):
        keep &= _condition_mask(condition, column(condition.column), labels_of(condition.column))
        if not keep.any():
            raise IndicatorError(
                gettext_noop(
                    "The reference-population filter leaves no rows: after '%(condition)s' "
                    "nothing is left. Check the condition's values against the data (codes or "
                    "level names)."
                ),
                field=f"population_filter[{index}].value",
                condition=condition.describe(),
            )
    if definition.query:
        keep &= _query_mask(frame, definition.query)
        if not keep.any():
            raise IndicatorError(
                gettext_noop(
                    "The reference-population filter leaves no rows once the query "
                    "'%(query)s' is applied."
                ),
                field="query",
                query=definition.query,
            )
    return keep


def _query_mask(frame: pd.DataFrame, query: str) -> pd.Series:
    try:
        result = frame.eval(query)
    except Exception as exc:  # pandas raises many types for a bad expression
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise IndicatorError(
            gettext_noop("The query '%(query)s' could not be evaluated: %(reason)s."),
            field="query",
            query=query,
            reason=reason,
        ) from exc
    if not isinstance(result, pd.Series) or not pd.api.types.is_bool_dtype(result.dtype):
        raise IndicatorError(
            gettext_noop(
                "The query '%(query)s' must be a true/false condition, e.g. \"v012 >= 20\"."
            ),
            field="query",
            query=query,
        )
    return result.fillna(False).astype(bool)


BLANK_AS_NO_REASON = (
    "blank cell counted as 'no': the indicator definition counts a blank as 'no' "
    "(blank_as = negative), as ESCAP does"
)
DECLARED_AS_MISSING_REASON = (
    "code the file declares missing (SPSS user-missing value, Stata .a-.z) kept missing, "
    "not counted as 'no' like a blank cell"
)
DECLARED_AS_NO_REASON = (
    "code the file declares missing (SPSS user-missing value, Stata .a-.z) counted as 'no': "
    "the indicator definition says so (declared_missing_as = negative)"
)


def _binary_status(
    rule: OutcomeRule, series: pd.Series, labels: Mapping[Any, str], file_declared: pd.Series
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(positive, missing, blank counted as no) masks for one column of a binary outcome.

    ``file_declared`` marks cells that held a code the file declares missing (read as
    blanks): they are missing unless ``declared_missing_as="negative"``; a plain blank is
    missing or "no" by ``blank_as``."""
    keys = _keys(series)
    blank = keys.isna()
    rule_missing = keys.isin(_expanded_keys(rule.missing_values, labels)) & ~blank
    if rule.positive_values:
        positive = keys.isin(_expanded_keys(rule.positive_values, labels))
    else:
        positive = ~keys.isin(_expanded_keys(rule.negative_values, labels)) & ~blank
    positive &= ~rule_missing
    file_declared = file_declared & blank
    plain_blank = blank & ~file_declared
    missing = rule_missing.copy()
    if rule.blank_as == "missing":
        missing |= plain_blank
    if rule.declared_missing_as == "missing":
        missing |= file_declared
    blank_as_no = plain_blank if rule.blank_as == "negative" else plain_blank & False
    return positive, missing, blank_as_no


def _note_recoding(
    recoding: list[dict[str, Any]],
    column: str,
    rows: pd.Series,
    file_declared: pd.Series,
    blank_as_no: pd.Series,
    rule: OutcomeRule,
) -> None:
    """Add the recodings of one outcome column (counted on the reference population)."""
    declared = rows & file_declared
    if declared.any():
        as_no = rule.declared_missing_as == "negative"
        recoding.append(
            {
                "column": column,
                "kind": "declared_missing",
                "as": "no" if as_no else "missing",
                "count": int(declared.sum()),
                "reason": DECLARED_AS_NO_REASON if as_no else DECLARED_AS_MISSING_REASON,
                "_rows": declared,
            }
        )
    blanks = rows & blank_as_no
    if blanks.any():
        recoding.append(
            {
                "column": column,
                "kind": "blank",
                "as": "no",
                "count": int(blanks.sum()),
                "reason": BLANK_AS_NO_REASON,
                "_rows": blanks,
            }
        )


def _compute_outcome(
    rule: OutcomeRule,
    column: Any,
    labels_of: Any,
    keep: pd.Series,
    declared_of: Any = None,
    recoding: list[dict[str, Any]] | None = None,
    resolved: Mapping[str, str] | None = None,
) -> pd.Series:
    if declared_of is None:

        def declared_of(_name: str) -> pd.Series:
            return pd.Series(False, index=keep.index)

    notes: list[dict[str, Any]] = [] if recoding is None else recoding
    if rule.kind == "binary":
        any_positive = pd.Series(False, index=keep.index)
        all_missing = pd.Series(True, index=keep.index)
        for name in rule.columns:
            file_declared = declared_of(name)
            positive, missing, blank_as_no = _binary_status(
                rule, column(name), labels_of(name), file_declared
            )
            _note_recoding(
                notes,
                (resolved or {}).get(name, name),
                keep,
                file_declared & column(name).isna(),
                blank_as_no,
                rule,
            )
            any_positive |= positive
            all_missing &= missing
        outcome = pd.Series(np.where(any_positive, 1.0, 0.0), index=keep.index)
        outcome[~any_positive & all_missing] = np.nan
    else:
        series = column(rule.column)
        labels = labels_of(rule.column)
        numbers = _numbers(series, labels)
        keys = _keys(series)
        declared_missing = keys.isin(_expanded_keys(rule.missing_values, labels))
        non_numeric = keep & keys.notna() & numbers.isna() & ~declared_missing
        if non_numeric.any():
            examples = ", ".join(repr(v) for v in pd.unique(series[non_numeric].astype(str))[:5])
            raise IndicatorError(
                gettext_noop(
                    "The outcome column '%(column)s' must hold numbers, but has values such as "
                    "%(examples)s. List them in missing_values or use a binary outcome."
                ),
                field="outcome.missing_values",
                column=rule.column,
                examples=examples,
            )
        numbers = numbers.where(~declared_missing)
        out_of_range = pd.Series(False, index=keep.index)
        if rule.valid_min is not None:
            out_of_range |= numbers < rule.valid_min
        if rule.valid_max is not None:
            out_of_range |= numbers > rule.valid_max
        file_declared = declared_of(rule.column) & keys.isna()
        if rule.threshold is None:
            outcome = numbers.where(~out_of_range)
            _note_recoding(
                notes, (resolved or {}).get(rule.column, rule.column), keep, file_declared,
                file_declared & False, rule,
            )  # fmt: skip
        else:
            test = {
                "below": numbers.lt,
                "at_or_below": numbers.le,
                "above": numbers.gt,
                "at_or_above": numbers.ge,
            }[rule.direction or "below"](rule.threshold)
            outcome = pd.Series(np.where(test, 1.0, 0.0), index=keep.index)
            blank = numbers.isna() & ~declared_missing & ~file_declared
            missing = declared_missing | out_of_range
            if rule.blank_as == "missing":
                missing |= blank
            if rule.declared_missing_as == "missing":
                missing |= file_declared
            outcome[missing] = np.nan
            blank_as_no = blank & ~out_of_range if rule.blank_as == "negative" else blank & False
            _note_recoding(
                notes, (resolved or {}).get(rule.column, rule.column), keep, file_declared,
                blank_as_no, rule,
            )  # fmt: skip
    for group in rule.zero_when:
        applies = pd.Series(True, index=keep.index)
        for condition in group:
            applies &= _condition_mask(
                condition, column(condition.column), labels_of(condition.column)
            )
        outcome[applies & outcome.notna()] = 0.0
    return outcome


def _compute_weight(
    definition: IndicatorDefinition,
    column: Any,
    rows: pd.Series,
    messages: list[str],
) -> pd.Series:
    if not definition.weight_column:
        messages.append("No weight column: every row counts equally (unweighted).")
        return pd.Series(1.0, index=rows.index)
    raw = column(definition.weight_column)
    numbers = pd.to_numeric(raw, errors="coerce")
    if not pd.api.types.is_numeric_dtype(raw.dtype):
        texts = raw.map(lambda v: v.strip() if isinstance(v, str) else v)
        bad = rows & numbers.isna() & texts.notna() & (texts != "")
        if bad.any():
            examples = ", ".join(repr(v) for v in pd.unique(raw[bad].astype(str))[:5])
            raise IndicatorError(
                gettext_noop(
                    "The weight column '%(column)s' must hold numbers, but has values such as "
                    "%(examples)s. Choose the sample-weight column (DHS hv005/v005, MICS "
                    "hhweight/wmweight/chweight)."
                ),
                field="weight_column",
                column=definition.weight_column,
                examples=examples,
            )
    numbers = numbers.astype(float)
    if (rows & (numbers < 0)).any():
        raise IndicatorError(
            gettext_noop(
                "The weight column '%(column)s' has negative values; sample weights must be "
                "zero or positive."
            ),
            field="weight_column",
            column=definition.weight_column,
        )
    missing = int((rows & numbers.isna()).sum())
    if missing:
        messages.append(f"{missing} row(s) have no weight and are left out.")
    return numbers / float(definition.weight_divisor)


def _compute_circumstance(
    spec: CircumstanceSpec,
    series: pd.Series,
    labels: Mapping[Any, str],
    rows: pd.Series,
) -> tuple[pd.Series, tuple[str, ...]]:
    if spec.kind == "numeric":
        numbers = _numbers(series, {})
        keys = _keys(series)
        bad = rows & keys.notna() & numbers.isna()
        if bad.any():
            examples = ", ".join(repr(v) for v in pd.unique(series[bad].astype(str))[:5])
            raise IndicatorError(
                gettext_noop(
                    "The circumstance '%(name)s' is numeric but column '%(column)s' has values "
                    "such as %(examples)s. Make it ordered or unordered with a recode."
                ),
                field="kind",
                name=spec.name,
                column=spec.column,
                examples=examples,
            )
        return numbers, ()

    if spec.bands:
        numbers = _numbers(series, labels)
        values = pd.Series(np.nan, index=series.index, dtype=object)
        for band in spec.bands:
            inside = numbers.between(band.minimum, band.maximum, inclusive="both")
            values[inside & values.isna()] = band.label
        unmapped = rows & values.isna() & _keys(series).notna()
        source_missing = _keys(series).isna()
    elif spec.recode:
        recode: dict[str, str] = {}
        for source, level in spec.recode:
            recode[source.casefold()] = level
        for code, label in labels.items():
            code_key, label_key = value_key(code).casefold(), str(label).strip().casefold()
            if code_key in recode and label_key not in recode:
                recode[label_key] = recode[code_key]
            elif label_key in recode and code_key not in recode:
                recode[code_key] = recode[label_key]
        keys = _keys(series)
        values = keys.map(recode).astype(object)
        unmapped = rows & values.isna() & keys.notna()
        source_missing = keys.isna()
    else:
        values = series.map(_display_value).astype(object)
        values = values.where(values != "", np.nan)
        unmapped = pd.Series(False, index=series.index)
        source_missing = values.isna()

    if unmapped.any():
        if spec.other_level is None:
            shown = pd.unique(series[unmapped].map(_display_value))
            examples = ", ".join(str(v) for v in shown[:10])
            more = f" and {len(shown) - 10} more" if len(shown) > 10 else ""
            raise IndicatorError(
                gettext_noop(
                    "The bands of circumstance '%(name)s' (column %(column)s) leaves values "
                    "unmapped: %(examples)s%(more)s. Add them to the bands, set other_level, or "
                    "filter those rows out."
                )
                if spec.bands
                else gettext_noop(
                    "The recode of circumstance '%(name)s' (column %(column)s) leaves values "
                    "unmapped: %(examples)s%(more)s. Add them to the recode, set other_level, "
                    "or filter those rows out."
                ),
                field="bands" if spec.bands else "recode",
                name=spec.name,
                column=spec.column,
                examples=examples,
                more=more,
            )
        values[unmapped] = spec.other_level
    if spec.missing_level is not None:
        values[source_missing] = spec.missing_level

    observed = [str(v) for v in pd.unique(values[rows].dropna())]
    order = list(spec.order or spec.output_levels())
    if spec.kind == "ordered":
        if not order:
            raise IndicatorError(
                gettext_noop(
                    "The ordered circumstance '%(name)s' needs an order (lowest to highest)."
                ),
                field="order",
                name=spec.name,
            )
        outside = [level for level in observed if level not in order]
        if outside:
            raise IndicatorError(
                gettext_noop(
                    "The ordered circumstance '%(name)s' has level(s) %(levels)s that are not in "
                    "its order (%(order)s). Add them to the order or recode them."
                ),
                field="order",
                name=spec.name,
                levels=", ".join(outside),
                order=", ".join(order),
            )
    else:
        order += sorted(level for level in observed if level not in order)
    used = [level for level in order if level in observed]
    values = values.where(values.isna(), values.astype(str))
    return values, tuple(used)


def _check_not_constant(outcome: pd.Series, definition: IndicatorDefinition) -> None:
    distinct = pd.unique(outcome)
    if len(distinct) == 1:
        value = float(distinct[0])
        shown = value_key(value) if value.is_integer() else f"{value:g}"
        raise IndicatorError(
            gettext_noop(
                "The outcome is constant in this population (everyone has %(value)s): there is "
                "nothing to split."
            ),
            field="outcome.positive_values",
            value=shown,
        )


# --------------------------------------------------------------------------------------------
# ESCAP presets
# --------------------------------------------------------------------------------------------
