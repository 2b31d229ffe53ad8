"""Indicator definitions: from survey microdata to the analysed sample of one indicator.

An :class:`IndicatorDefinition` says, in JSON-serialisable form, how ESCAP's LNOB method turns
a survey table into the data a tree is grown on (PRODUCT.md §6): the reference population
(a filter), the 0/1 or numeric outcome, the sample weight (DHS weights are stored ×1,000,000),
the circumstances (with recodes such as wealth quintiles 1–2 → "Bottom 40%") and, for
subnational runs, the region column.

:func:`apply_indicator` evaluates a definition on a DataFrame and returns
:class:`PreparedData` with the columns ``outcome``, ``weight`` and one column per
circumstance, ready for ``analysis.engine``. Every mistake a person can make in a definition
raises :class:`IndicatorError` with a message saying what to change.

:data:`ESCAP_PRESETS` is the catalogue of ESCAP's published indicators for DHS and MICS. The
rules were read from ESCAP's public R code (``unescap/LNOB_Rcode``: ``Rfiles/DHS_get_data.R``,
``Rfiles/MICS_get_data.R``, ``DHScsv/DHSstandard.csv``, ``MICScsv/Lao2017MICS.csv``) and the
DHS Program's indicator code (``DHSProgram/DHS-Indicators-Stata``); each preset says whether it
was verified and from where.

Pure pandas; no Django imports.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd

from analysis.surveyio import value_key

CONDITION_OPS: tuple[str, ...] = (
    "==",
    "!=",
    "in",
    "not in",
    "<",
    "<=",
    ">",
    ">=",
    "between",
    "notnull",
)
CIRCUMSTANCE_KINDS: tuple[str, ...] = ("unordered", "ordered", "numeric")
OUTCOME_KINDS: tuple[str, ...] = ("binary", "numeric")
THRESHOLD_DIRECTIONS: tuple[str, ...] = ("below", "at_or_below", "above", "at_or_above")
RESERVED_COLUMNS: frozenset[str] = frozenset({"outcome", "weight", "region", "psu", "stratum"})

#: DHS stores sample weights multiplied by one million.
DHS_WEIGHT_DIVISOR = 1_000_000

_SCHEMA_VERSION = 1
_UNSAFE_QUERY = re.compile(r"@|__|\bimport\b|\blambda\b|(?<![=<>!])=(?!=)")


class IndicatorError(ValueError):
    """An indicator definition cannot be applied; the message says what to change."""


# --------------------------------------------------------------------------------------------
# Definition building blocks
# --------------------------------------------------------------------------------------------


def _as_tuple(values: Any) -> tuple[Any, ...]:
    if values is None:
        return ()
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        return (values,)
    return tuple(values)


def _check_keys(kind: str, data: Mapping[str, Any], allowed: Iterable[str]) -> None:
    if not isinstance(data, Mapping):
        raise IndicatorError(f"A {kind} must be a JSON object, not {type(data).__name__}.")
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise IndicatorError(
            f"Unknown field(s) in {kind}: {', '.join(unknown)}. Allowed: "
            + ", ".join(sorted(allowed))
            + "."
        )


@dataclass(frozen=True)
class Condition:
    """One simple condition on a column, e.g. ``{"column": "v012", "op": "between",
    "value": [20, 24]}``.

    ``between`` is inclusive at both ends. A missing value satisfies no condition (so
    ``!=`` and ``not in`` keep only rows where the column is known).
    """

    column: str
    op: str
    value: Any = None

    def __post_init__(self) -> None:
        if not isinstance(self.column, str) or not self.column.strip():
            raise IndicatorError("A condition needs a column name.")
        if self.op not in CONDITION_OPS:
            raise IndicatorError(
                f"Unknown operator '{self.op}' in the condition on '{self.column}'. Use one of: "
                + ", ".join(CONDITION_OPS)
                + "."
            )
        if self.op in ("in", "not in"):
            values = _as_tuple(self.value)
            if not values:
                raise IndicatorError(
                    f"The condition '{self.column} {self.op}' needs a non-empty list of values."
                )
            object.__setattr__(self, "value", values)
        elif self.op == "between":
            bounds = _as_tuple(self.value)
            if len(bounds) != 2 or not all(_is_number(bound) for bound in bounds):
                raise IndicatorError(
                    f"The condition '{self.column} between' needs two numbers [lowest, highest]."
                )
            object.__setattr__(self, "value", (bounds[0], bounds[1]))
        elif self.op in ("<", "<=", ">", ">="):
            if not _is_number(self.value):
                raise IndicatorError(
                    f"The condition '{self.column} {self.op}' needs a number, not {self.value!r}."
                )
        elif self.op == "notnull":
            object.__setattr__(self, "value", None)

    def describe(self) -> str:
        """The condition in words a person can read, e.g. ``v012 between 20 and 24``."""
        if self.op == "notnull":
            return f"{self.column} is not missing"
        if self.op == "between":
            return f"{self.column} between {self.value[0]} and {self.value[1]}"
        if self.op in ("in", "not in"):
            return f"{self.column} {self.op} [{', '.join(str(v) for v in self.value)}]"
        return f"{self.column} {self.op} {self.value}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {"column": self.column, "op": self.op, "value": value}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Condition:
        """Inverse of :meth:`to_dict`."""
        _check_keys("condition", data, ("column", "op", "value"))
        return cls(column=data.get("column", ""), op=data.get("op", ""), value=data.get("value"))


@dataclass(frozen=True)
class OutcomeRule:
    """How the outcome y of each unit is computed from one (or several) survey columns.

    ``kind="binary"``: y = 1 when the value is in ``positive_values`` and 0 otherwise; or, with
    ``negative_values`` instead (ESCAP's way for water and sanitation, which lists the
    *unimproved* codes), y = 0 when the value is in that list and 1 otherwise. With
    ``any_of_columns`` the same coding is read from several columns and y = 1 when any of them
    is positive (skilled attendance m3a/m3b/m3c; wife-beating v744a–e).

    ``kind="numeric"``: y is the number itself, or, with ``threshold`` and ``direction``, the 0/1
    test ``value < threshold`` (``below``), ``<=`` (``at_or_below``), ``>`` (``above``) or
    ``>=`` (``at_or_above``). Values outside [``valid_min``, ``valid_max``] are missing (DHS
    anthropometry flags 9996–9999).

    Values in ``missing_values`` are missing. A blank cell is missing, or 0 when
    ``blank_as="negative"`` (ESCAP counts a woman never married as "not married before 18").
    A code the *file* declares missing (SPSS user-missing values, Stata ``.a``-``.z``) is not
    a blank cell: it stays missing even with ``blank_as="negative"``, unless
    ``declared_missing_as="negative"`` says the definition counts it as 0 (e.g. a survey
    guide that counts "don't know" as "no" when the file declares "don't know" missing).
    :func:`apply_indicator` reports every such recoding with its reason.
    ``zero_when`` lists groups of conditions: when every condition of a group holds, y = 0
    (water more than 30 minutes away; a shared toilet).
    """

    column: str
    kind: str = "binary"
    positive_values: tuple[Any, ...] = ()
    negative_values: tuple[Any, ...] = ()
    missing_values: tuple[Any, ...] = ()
    any_of_columns: tuple[str, ...] = ()
    blank_as: str = "missing"
    declared_missing_as: str = "missing"
    threshold: float | None = None
    direction: str | None = None
    valid_min: float | None = None
    valid_max: float | None = None
    zero_when: tuple[tuple[Condition, ...], ...] = ()

    def __post_init__(self) -> None:
        for name in ("positive_values", "negative_values", "missing_values", "any_of_columns"):
            object.__setattr__(self, name, _as_tuple(getattr(self, name)))
        groups = tuple(
            tuple(c if isinstance(c, Condition) else Condition.from_dict(c) for c in group)
            for group in (self.zero_when or ())
        )
        object.__setattr__(self, "zero_when", groups)
        if not isinstance(self.column, str) or not self.column.strip():
            raise IndicatorError("The outcome rule needs a column.")
        if self.kind not in OUTCOME_KINDS:
            raise IndicatorError(f"Unknown outcome kind '{self.kind}'. Use 'binary' or 'numeric'.")
        if self.blank_as not in ("missing", "negative"):
            raise IndicatorError("blank_as must be 'missing' or 'negative'.")
        if self.declared_missing_as not in ("missing", "negative"):
            raise IndicatorError("declared_missing_as must be 'missing' or 'negative'.")
        if self.kind == "binary":
            if bool(self.positive_values) == bool(self.negative_values):
                raise IndicatorError(
                    f"The binary outcome on '{self.column}' needs either positive_values (the "
                    "answers that count as 1) or negative_values (the answers that count as 0), "
                    "not both and not neither."
                )
            if self.threshold is not None or self.direction is not None:
                raise IndicatorError(
                    "threshold/direction belong to a numeric outcome; use kind 'numeric'."
                )
        else:
            if self.positive_values or self.negative_values or self.any_of_columns:
                raise IndicatorError(
                    f"The numeric outcome on '{self.column}' cannot have positive_values, "
                    "negative_values or any_of_columns; use kind 'binary' for coded answers."
                )
            if (self.threshold is None) != (self.direction is None):
                raise IndicatorError(
                    "A numeric outcome needs both threshold and direction, or neither."
                )
            if self.direction is not None and self.direction not in THRESHOLD_DIRECTIONS:
                raise IndicatorError(
                    f"Unknown direction '{self.direction}'. Use one of: "
                    + ", ".join(THRESHOLD_DIRECTIONS)
                    + "."
                )
            if self.threshold is not None and not _is_number(self.threshold):
                raise IndicatorError("The outcome threshold must be a number.")
            if self.threshold is None and (
                self.blank_as == "negative"
                or self.declared_missing_as == "negative"
                or self.zero_when
            ):
                raise IndicatorError(
                    "blank_as 'negative', declared_missing_as 'negative' and zero_when need a "
                    "0/1 outcome: give a threshold."
                )
        for bound in (self.valid_min, self.valid_max):
            if bound is not None and not _is_number(bound):
                raise IndicatorError("valid_min and valid_max must be numbers.")

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the outcome reads, the main column first."""
        return (self.column, *self.any_of_columns)

    @property
    def is_binary(self) -> bool:
        """Whether the outcome takes only the values 0 and 1."""
        return self.kind == "binary" or self.threshold is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {
            "column": self.column,
            "kind": self.kind,
            "positive_values": list(self.positive_values),
            "negative_values": list(self.negative_values),
            "missing_values": list(self.missing_values),
            "any_of_columns": list(self.any_of_columns),
            "blank_as": self.blank_as,
            # Only when set, so stored definitions (and their indicator records) are unchanged.
            **(
                {"declared_missing_as": self.declared_missing_as}
                if self.declared_missing_as != "missing"
                else {}
            ),
            "threshold": self.threshold,
            "direction": self.direction,
            "valid_min": self.valid_min,
            "valid_max": self.valid_max,
            "zero_when": [[c.to_dict() for c in group] for group in self.zero_when],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OutcomeRule:
        """Inverse of :meth:`to_dict`."""
        _check_keys("outcome rule", data, [f.name for f in fields(cls)])
        values = dict(data)
        values["zero_when"] = tuple(
            tuple(Condition.from_dict(c) for c in group) for group in data.get("zero_when") or ()
        )
        return cls(**values)


@dataclass(frozen=True)
class Band:
    """A numeric band turned into a level, inclusive at both ends (age 15–24 → "15-24")."""

    label: str
    minimum: float
    maximum: float

    def __post_init__(self) -> None:
        if not _is_number(self.minimum) or not _is_number(self.maximum):
            raise IndicatorError(f"Band '{self.label}' needs numeric minimum and maximum.")
        if self.minimum > self.maximum:
            raise IndicatorError(f"Band '{self.label}' has minimum above maximum.")

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {"label": self.label, "minimum": self.minimum, "maximum": self.maximum}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Band:
        """Inverse of :meth:`to_dict`."""
        _check_keys("band", data, ("label", "minimum", "maximum"))
        return cls(
            label=data.get("label", ""), minimum=data.get("minimum"), maximum=data.get("maximum")
        )


@dataclass(frozen=True)
class CircumstanceSpec:
    """One circumstance of the model: output ``name``, source ``column`` and ``kind``.

    ``recode`` maps source values (codes or level names; keys are stored as text, so 1, 1.0
    and "1" are the same key) to output levels; ``bands`` turns a number into levels instead.
    Values the recode or bands do not cover become ``other_level`` if given, otherwise they
    are an error; missing values become ``missing_level`` if given, otherwise the row is left
    out. ``order`` is the level order of an ``ordered`` circumstance (derived from the recode
    or bands when not given).
    """

    name: str
    column: str
    kind: str = "unordered"
    order: tuple[str, ...] = ()
    recode: tuple[tuple[str, str], ...] = ()
    bands: tuple[Band, ...] = ()
    other_level: str | None = None
    missing_level: str | None = None

    def __post_init__(self) -> None:
        recode = self.recode
        pairs = recode.items() if isinstance(recode, Mapping) else (recode or ())
        object.__setattr__(
            self, "recode", tuple((value_key(source), str(level)) for source, level in pairs)
        )
        object.__setattr__(self, "order", tuple(str(level) for level in _as_tuple(self.order)))
        object.__setattr__(
            self,
            "bands",
            tuple(b if isinstance(b, Band) else Band.from_dict(b) for b in self.bands or ()),
        )
        if not isinstance(self.name, str) or not self.name.strip():
            raise IndicatorError("Every circumstance needs a name.")
        if not isinstance(self.column, str) or not self.column.strip():
            raise IndicatorError(f"Circumstance '{self.name}' needs a column.")
        if self.kind not in CIRCUMSTANCE_KINDS:
            raise IndicatorError(
                f"Circumstance '{self.name}' has unknown kind '{self.kind}'. Use unordered, "
                "ordered or numeric."
            )
        if self.recode and self.bands:
            raise IndicatorError(
                f"Circumstance '{self.name}' has both a recode and bands; use one."
            )
        if self.kind == "numeric" and (self.recode or self.bands or self.order):
            raise IndicatorError(
                f"Circumstance '{self.name}' is numeric, so it cannot have a recode, bands or "
                "an order; make it ordered or unordered to group values."
            )
        sources = [source for source, _ in self.recode]
        duplicated = sorted({s for s in sources if sources.count(s) > 1})
        if duplicated:
            raise IndicatorError(
                f"Circumstance '{self.name}' recodes {', '.join(duplicated)} more than once."
            )
        if self.order and len(set(self.order)) != len(self.order):
            raise IndicatorError(f"Circumstance '{self.name}' repeats a level in its order.")

    def output_levels(self) -> tuple[str, ...]:
        """The levels the recode, bands and fallbacks can produce, in definition order."""
        levels: list[str] = []
        candidates = [level for _, level in self.recode] + [band.label for band in self.bands]
        candidates += [lvl for lvl in (self.other_level, self.missing_level) if lvl is not None]
        for level in candidates:
            if level not in levels:
                levels.append(level)
        return tuple(levels)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (the recode becomes a JSON object with text keys)."""
        return {
            "name": self.name,
            "column": self.column,
            "kind": self.kind,
            "order": list(self.order),
            "recode": dict(self.recode),
            "bands": [band.to_dict() for band in self.bands],
            "other_level": self.other_level,
            "missing_level": self.missing_level,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CircumstanceSpec:
        """Inverse of :meth:`to_dict`."""
        _check_keys("circumstance", data, [f.name for f in fields(cls)])
        values = dict(data)
        recode = values.get("recode") or {}
        if not isinstance(recode, Mapping):
            raise IndicatorError("A circumstance recode must be a JSON object {source: level}.")
        values["recode"] = tuple(recode.items())
        values["bands"] = tuple(Band.from_dict(b) for b in values.get("bands") or ())
        values["order"] = tuple(values.get("order") or ())
        return cls(**values)


@dataclass(frozen=True)
class IndicatorDefinition:
    """A complete, JSON-serialisable indicator definition (see the module docstring).

    ``population_filter`` conditions are AND-ed; ``query`` is an optional extra pandas
    expression (``DataFrame.eval``) for trusted analysts. ``weight_divisor`` is 1,000,000 for
    DHS. ``barrier`` marks indicators where a high value is bad (stunting, violence); the tree
    is grown on the barrier itself and its highest-mean leaf is furthest behind.

    ``cluster_column`` and ``strata_column`` name the sampling design (primary sampling unit
    and stratum for standard errors: DHS hv021/hv022 in household files, v021/v022 in women's
    and children's files; MICS PSU/stratum). Both are optional: absent, intervals assume
    independent rows. They are written to the JSON only when set, so older definitions read
    and write unchanged.
    """

    name: str
    outcome: OutcomeRule
    description: str = ""
    slug: str = ""
    population_filter: tuple[Condition, ...] = ()
    query: str | None = None
    barrier: bool = False
    weight_column: str | None = None
    weight_divisor: float = 1.0
    circumstances: tuple[CircumstanceSpec, ...] = ()
    region_column: str | None = None
    survey_kind: str | None = None
    cluster_column: str | None = None
    strata_column: str | None = None
    source_table: str | None = None
    unit: str | None = None
    verified: bool = False
    notes: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "population_filter",
            tuple(
                c if isinstance(c, Condition) else Condition.from_dict(c)
                for c in self.population_filter or ()
            ),
        )
        object.__setattr__(
            self,
            "circumstances",
            tuple(
                c if isinstance(c, CircumstanceSpec) else CircumstanceSpec.from_dict(c)
                for c in self.circumstances or ()
            ),
        )
        if isinstance(self.outcome, Mapping):
            object.__setattr__(self, "outcome", OutcomeRule.from_dict(self.outcome))
        if not isinstance(self.name, str) or not self.name.strip():
            raise IndicatorError("An indicator needs a name.")
        if not isinstance(self.outcome, OutcomeRule):
            raise IndicatorError(f"Indicator '{self.name}' needs an outcome rule.")
        if not _is_number(self.weight_divisor) or self.weight_divisor <= 0:
            raise IndicatorError(
                f"Indicator '{self.name}': the weight divisor must be a positive number "
                "(1000000 for DHS, 1 for MICS)."
            )
        names = [c.name for c in self.circumstances]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise IndicatorError(
                f"Indicator '{self.name}' has two circumstances named {', '.join(repeated)}."
            )
        reserved = sorted(set(names) & RESERVED_COLUMNS)
        if reserved:
            raise IndicatorError(
                f"'{reserved[0]}' is reserved for the prepared data; rename that circumstance."
            )
        if self.query is not None and _UNSAFE_QUERY.search(self.query):
            raise IndicatorError(
                "The query may only compare columns (==, !=, <, >, &, |, in); it cannot assign, "
                "refer to variables with @, or use names with double underscores."
            )

    def referenced_columns(self) -> tuple[str, ...]:
        """Every survey column the definition reads (the query aside), without repeats."""
        columns = [c.column for c in self.population_filter]
        columns += list(self.outcome.columns)
        columns += [c.column for group in self.outcome.zero_when for c in group]
        if self.weight_column:
            columns.append(self.weight_column)
        columns += [c.column for c in self.circumstances]
        if self.region_column:
            columns.append(self.region_column)
        return tuple(dict.fromkeys(columns))

    def design_columns(self) -> tuple[str, ...]:
        """The sampling-design columns (cluster, strata) the definition names, if any."""
        return tuple(c for c in (self.cluster_column, self.strata_column) if c)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form; :meth:`from_dict` reads it back to an equal definition."""
        return {
            "schema": _SCHEMA_VERSION,
            "slug": self.slug,
            "name": self.name,
            "description": self.description,
            "survey_kind": self.survey_kind,
            "source_table": self.source_table,
            "unit": self.unit,
            "population_filter": [c.to_dict() for c in self.population_filter],
            "query": self.query,
            "outcome": self.outcome.to_dict(),
            "barrier": self.barrier,
            "weight_column": self.weight_column,
            "weight_divisor": self.weight_divisor,
            "circumstances": [c.to_dict() for c in self.circumstances],
            "region_column": self.region_column,
            "verified": self.verified,
            "notes": self.notes,
        } | {
            key: value
            for key, value in (
                ("cluster_column", self.cluster_column),
                ("strata_column", self.strata_column),
            )
            if value
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IndicatorDefinition:
        """Build a definition from :meth:`to_dict` output (e.g. stored JSON)."""
        _check_keys("indicator definition", data, [f.name for f in fields(cls)] + ["schema"])
        values = {key: value for key, value in data.items() if key != "schema"}
        if "outcome" not in values:
            raise IndicatorError("An indicator definition needs an outcome rule.")
        values["outcome"] = OutcomeRule.from_dict(values["outcome"])
        values["population_filter"] = tuple(
            Condition.from_dict(c) for c in values.get("population_filter") or ()
        )
        values["circumstances"] = tuple(
            CircumstanceSpec.from_dict(c) for c in values.get("circumstances") or ()
        )
        return cls(**values)


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
            f"No row of the reference population has a valid value of the outcome "
            f"'{definition.outcome.column}'. Check the outcome rule and its missing values."
        )

    weight = _compute_weight(definition, column, has_outcome, messages)
    has_weight = has_outcome & weight.notna()
    n_missing_weight = int((has_outcome & weight.isna()).sum())

    prepared: dict[str, pd.Series] = {}
    infos: list[PreparedCircumstance] = []
    complete = has_weight.copy()
    n_missing_circumstances = 0
    for spec in definition.circumstances:
        values, order = _compute_circumstance(
            spec, column(spec.column), labels_of(spec.column), has_weight
        )
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
            "No row is left once rows with missing outcome, weight or circumstances are "
            "removed. Check the missing values of the circumstances."
        )
    _check_not_constant(result["outcome"], definition)
    total_weight = float(result["weight"].sum())
    if total_weight <= 0:
        raise IndicatorError(
            "The weights of the analysed rows add up to zero: there is nothing to analyse."
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


# --------------------------------------------------------------------------------------------
# Evaluation helpers
# --------------------------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float | np.integer | np.floating):
        return not (isinstance(value, float | np.floating) and math.isnan(value))
    return False


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
        noun = "Column" if len(missing) == 1 else "Columns"
        verb = "is" if len(missing) == 1 else "are"
        raise IndicatorError(
            f"{noun} {', '.join(parts)} {verb} not in this dataset, but the indicator "
            f"'{definition.name}' needs {'it' if len(missing) == 1 else 'them'}."
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
    for condition in definition.population_filter:
        keep &= _condition_mask(condition, column(condition.column), labels_of(condition.column))
        if not keep.any():
            raise IndicatorError(
                "The reference-population filter leaves no rows: after "
                f"'{condition.describe()}' nothing is left. Check the condition's values "
                "against the data (codes or level names)."
            )
    if definition.query:
        keep &= _query_mask(frame, definition.query)
        if not keep.any():
            raise IndicatorError(
                f"The reference-population filter leaves no rows once the query "
                f"'{definition.query}' is applied."
            )
    return keep


def _query_mask(frame: pd.DataFrame, query: str) -> pd.Series:
    try:
        result = frame.eval(query)
    except Exception as exc:  # pandas raises many types for a bad expression
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise IndicatorError(f"The query '{query}' could not be evaluated: {reason}.") from exc
    if not isinstance(result, pd.Series) or not pd.api.types.is_bool_dtype(result.dtype):
        raise IndicatorError(
            f"The query '{query}' must be a true/false condition, e.g. \"v012 >= 20\"."
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
                f"The outcome column '{rule.column}' must hold numbers, but has values such as "
                f"{examples}. List them in missing_values or use a binary outcome."
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
                f"The weight column '{definition.weight_column}' must hold numbers, but has "
                f"values such as {examples}. Choose the sample-weight column (DHS hv005/v005, "
                "MICS hhweight/wmweight/chweight)."
            )
    numbers = numbers.astype(float)
    if (rows & (numbers < 0)).any():
        raise IndicatorError(
            f"The weight column '{definition.weight_column}' has negative values; sample "
            "weights must be zero or positive."
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
                f"The circumstance '{spec.name}' is numeric but column '{spec.column}' has "
                f"values such as {examples}. Make it ordered or unordered with a recode."
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
            what = "bands" if spec.bands else "recode"
            raise IndicatorError(
                f"The {what} of circumstance '{spec.name}' (column {spec.column}) leaves values "
                f"unmapped: {examples}{more}. Add them to the {what}, set other_level, or filter "
                "those rows out."
            )
        values[unmapped] = spec.other_level
    if spec.missing_level is not None:
        values[source_missing] = spec.missing_level

    observed = [str(v) for v in pd.unique(values[rows].dropna())]
    order = list(spec.order or spec.output_levels())
    if spec.kind == "ordered":
        if not order:
            raise IndicatorError(
                f"The ordered circumstance '{spec.name}' needs an order (lowest to highest)."
            )
        outside = [level for level in observed if level not in order]
        if outside:
            raise IndicatorError(
                f"The ordered circumstance '{spec.name}' has level(s) {', '.join(outside)} that "
                f"are not in its order ({', '.join(order)}). Add them to the order or recode them."
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
            f"The outcome is constant in this population (everyone has {shown}): there is "
            "nothing to split."
        )


# --------------------------------------------------------------------------------------------
# ESCAP presets
# --------------------------------------------------------------------------------------------

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
        recode={1: "Bottom 40%", 2: "Bottom 40%", 3: "Top 60%", 4: "Top 60%", 5: "Top 60%"},
    )


def _residence(column: str, other_level: str | None = None) -> CircumstanceSpec:
    return CircumstanceSpec(
        name="Residence",
        column=column,
        kind="unordered",
        recode={1: "Urban", 2: "Rural"},
        other_level=other_level,
    )


def _dhs_education(column: str, name: str) -> CircumstanceSpec:
    """DHS hv106/v106 (0 none, 1 primary, 2 secondary, 3 higher); ESCAP puts the rest in Lower."""
    return CircumstanceSpec(
        name=name,
        column=column,
        kind="ordered",
        order=_EDUCATION_ORDER,
        recode={0: "Lower", 1: "Lower", 2: "Secondary", 3: "Higher"},
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
        recode={0: "Lower", 1: "Lower", 2: "Secondary", 3: "Secondary", 4: "Higher"},
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
        recode=dict(codes),
        other_level="Never married",
        missing_level="Never married",
    )


def _sex(column: str) -> CircumstanceSpec:
    return CircumstanceSpec(
        name="Sex", column=column, kind="unordered", recode={1: "Male", 2: "Female"}
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


def _dhs(slug: str, name: str, **fields: Any) -> IndicatorDefinition:
    """A DHS preset: weights stored ×1,000,000."""
    return _preset("DHS", slug, name, weight_divisor=DHS_WEIGHT_DIVISOR, **fields)


def _mics(slug: str, name: str, **fields: Any) -> IndicatorDefinition:
    """A MICS preset: weights as they are; region is HH7."""
    return _preset("MICS", slug, name, weight_divisor=1.0, region="HH7", **fields)


def _dhs_presets() -> list[IndicatorDefinition]:
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
    return [
        _dhs(
            "dhs-electricity",
            "Access to electricity",
            **hh,
            outcome=_yes("hv206", blank_as="negative"),
            circumstances=hh_circumstances,
            verified=True,
            notes=f"hv206 = 1 (ESCAP AccessElectricity). Source: {_ESCAP_DHS_SOURCE}.{hh_note}",
        ),
        _dhs(
            "dhs-clean-cooking-fuel",
            "Clean cooking fuel",
            **hh,
            outcome=_yes("hv226", (1, 2, 3, 4), blank_as="negative"),
            circumstances=hh_circumstances,
            verified=True,
            notes=(
                "hv226 in 1-4 (electricity, LPG, natural gas, biogas; ESCAP cookfuel_code). "
                f"Source: {_ESCAP_DHS_SOURCE}.{hh_note}"
            ),
        ),
        _dhs(
            "dhs-basic-drinking-water",
            "Basic drinking water",
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
        _dhs(
            "dhs-basic-sanitation",
            "Basic sanitation",
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
        _dhs(
            "dhs-bank-account",
            "Household has a bank account",
            **hh,
            outcome=_yes("hv247", blank_as="negative"),
            circumstances=hh_circumstances,
            verified=True,
            notes=f"hv247 = 1 (ESCAP BankCardHH). Source: {_ESCAP_DHS_SOURCE}.{hh_note}",
        ),
        _dhs(
            "dhs-mobile-phone",
            "Household has a mobile phone",
            **hh,
            outcome=_yes("hv243a", blank_as="negative"),
            circumstances=hh_circumstances,
            verified=True,
            notes=f"hv243a = 1 (ESCAP MobilePhoneHH). Source: {_ESCAP_DHS_SOURCE}.{hh_note}",
        ),
        _dhs(
            "dhs-secondary-education-20-35",
            "Completed secondary education, age 20-35",
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
        _dhs(
            "dhs-secondary-education-35-plus",
            "Completed secondary education, age 35+",
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
        _dhs(
            "dhs-higher-education-25-35",
            "Higher education, age 25-35",
            **members,
            population=(Condition("hv105", "between", (25, 35)),),
            outcome=_yes("hv109", (5,), blank_as="negative"),
            circumstances=member_circumstances,
            verified=True,
            notes=f"Household members aged 25-35; hv109 = 5 (higher). Source: {_ESCAP_DHS_SOURCE}.",
        ),
        _dhs(
            "dhs-higher-education-35-plus",
            "Higher education, age 35+",
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
        _dhs(
            "dhs-skilled-birth-attendance",
            "Skilled birth attendance",
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
        _dhs(
            "dhs-family-planning-demand-satisfied",
            "Demand for family planning satisfied by modern methods",
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
        _dhs(
            "dhs-stunting",
            "Stunting (children under 5)",
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
            barrier=True,
            verified=True,
            notes="Height-for-age z-score x100 at or below -200. " + anthropometry_note,
        ),
        _dhs(
            "dhs-wasting",
            "Wasting (children under 5)",
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
            barrier=True,
            verified=True,
            notes="Weight-for-height z-score x100 at or below -200. " + anthropometry_note,
        ),
        _dhs(
            "dhs-overweight",
            "Overweight (children under 5)",
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
            barrier=True,
            verified=True,
            notes="Weight-for-height z-score x100 at or above 200. " + anthropometry_note,
        ),
        _dhs(
            "dhs-physical-violence",
            "Physical violence (ever-married women)",
            **{**women, "weight": "d005"},
            population=violence_population,
            outcome=_yes("d106", any_of_columns=("d107",), blank_as="negative"),
            circumstances=violence_circumstances,
            barrier=True,
            verified=True,
            notes="d106 (less severe) or d107 (severe physical violence). " + violence_note,
        ),
        _dhs(
            "dhs-sexual-violence",
            "Sexual violence (ever-married women)",
            **{**women, "weight": "d005"},
            population=violence_population,
            outcome=_yes("d108", blank_as="negative"),
            circumstances=violence_circumstances,
            barrier=True,
            verified=True,
            notes="d108 (any sexual violence). " + violence_note,
        ),
        _dhs(
            "dhs-emotional-violence",
            "Emotional violence (ever-married women)",
            **{**women, "weight": "d005"},
            population=violence_population,
            outcome=_yes("d104", blank_as="negative"),
            circumstances=violence_circumstances,
            barrier=True,
            verified=True,
            notes="d104 (any emotional violence). " + violence_note,
        ),
        _dhs(
            "dhs-wife-beating-justified",
            "Attitudes justifying wife-beating",
            **women,
            outcome=_yes(
                "v744a", any_of_columns=("v744b", "v744c", "v744d", "v744e"), blank_as="negative"
            ),
            circumstances=(
                *women_base,
                _numeric("Births in last 5 years", "v208"),
                _dhs_education("v106", "Education"),
            ),
            barrier=True,
            verified=True,
            notes=(
                "Agrees a husband is justified in beating his wife for at least one reason "
                "(v744a-e = 1), as we_dvjustify_onereas in DHSProgram/DHS-Indicators-Stata "
                "Chap15_WE/WE_EMPW.do. ESCAP's DHS code has no such indicator; the circumstances "
                "follow its MICS ReasonBeating model."
            ),
        ),
        _dhs(
            "dhs-internet-use",
            "Internet use in the last 12 months (women)",
            **women,
            outcome=_yes("v171a", blank_as="negative"),
            circumstances=(*women_base, _dhs_education("v106", "Education")),
            verified=True,
            notes=f"v171a = 1 (ESCAP InternetUse). Source: {_ESCAP_DHS_SOURCE}.",
        ),
        _dhs(
            "dhs-bank-account-women",
            "Women with a bank account",
            **women,
            outcome=_yes("v170"),
            circumstances=(*women_base, _dhs_education("v106", "Education")),
            verified=True,
            notes=(
                "v170 = 1, women with a missing answer left out (ESCAP BankAccount). Source: "
                f"{_ESCAP_DHS_SOURCE}."
            ),
        ),
        _dhs(
            "dhs-child-marriage",
            "Child marriage (women 20-24 married before 18)",
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
            barrier=True,
            verified=True,
            notes=(
                "Women aged 20-24 whose age at first cohabitation (v511) is below 18; never "
                f"married counts as 0 (ESCAP ChildMarriage18). Source: {_ESCAP_DHS_SOURCE}."
            ),
        ),
    ]


def _mics_presets() -> list[IndicatorDefinition]:
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
    return [
        _mics(
            "mics-electricity",
            "Access to electricity",
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
        _mics(
            "mics-clean-cooking-fuel",
            "Clean cooking fuel",
            **hh,
            outcome=_yes("EU1", (1, 2, 3, 4, 5)),
            circumstances=hh_circumstances,
            verified=True,
            notes=(
                "Cookstove EU1 in 1-5 (ESCAP cookfuel_code: electricity, LPG, natural gas, "
                f"biogas, solar). Source: {_ESCAP_MICS_SOURCE}.{education_note}"
            ),
        ),
        _mics(
            "mics-basic-drinking-water",
            "Basic drinking water",
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
        _mics(
            "mics-basic-sanitation",
            "Basic sanitation",
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
        _mics(
            "mics-bank-account",
            "Household has a bank account",
            **hh,
            outcome=_yes("HC19"),
            circumstances=hh_circumstances,
            verified=True,
            notes=f"HC19 = 1 (ESCAP BankCardHH). Source: {_ESCAP_MICS_SOURCE}.{education_note}",
        ),
        _mics(
            "mics-mobile-phone",
            "Household has a mobile phone",
            **hh,
            outcome=_yes("HC12"),
            circumstances=hh_circumstances,
            verified=True,
            notes=f"HC12 = 1 (ESCAP MobilePhoneHH). Source: {_ESCAP_MICS_SOURCE}.{education_note}",
        ),
        _mics(
            "mics-skilled-birth-attendance",
            "Skilled birth attendance",
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
        _mics(
            "mics-family-planning-demand-satisfied",
            "Demand for family planning satisfied by modern methods",
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
        _mics(
            "mics-stunting",
            "Stunting (children under 5)",
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
            barrier=True,
            verified=True,
            notes="HAZ2 at or below -2; " + anthropometry_note,
        ),
        _mics(
            "mics-wasting",
            "Wasting (children under 5)",
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
            barrier=True,
            verified=True,
            notes="WHZ2 at or below -2; " + anthropometry_note,
        ),
        _mics(
            "mics-overweight",
            "Overweight (children under 5)",
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
            barrier=True,
            verified=True,
            notes="WHZ2 at or above 2; " + anthropometry_note,
        ),
        _mics(
            "mics-wife-beating-justified",
            "Attitudes justifying wife-beating",
            **women,
            outcome=_yes(
                "DV1A", any_of_columns=("DV1B", "DV1C", "DV1D", "DV1E"), blank_as="negative"
            ),
            circumstances=(*women_base, _mics_education("welevel", "Education")),
            barrier=True,
            verified=True,
            notes=(
                "Any of DV1A-DV1E = 1 (ESCAP ReasonBeating). ESCAP also uses the number of "
                f"children under 5. Source: {_ESCAP_MICS_SOURCE}.{education_note}"
            ),
        ),
        _mics(
            "mics-internet-use",
            "Internet use in the last 3 months (women)",
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
        _mics(
            "mics-child-marriage",
            "Child marriage (women 20-24 married before 18)",
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
            barrier=True,
            verified=True,
            notes=(
                "Women 20-24 with age at first marriage/union (WAGEM) below 18; never married "
                f"counts as 0 (ESCAP ChildMarriage18). Source: {_ESCAP_MICS_SOURCE}."
                f"{education_note}"
            ),
        ),
    ]


def _catalogue(definitions: Iterable[IndicatorDefinition]) -> dict[str, IndicatorDefinition]:
    catalogue: dict[str, IndicatorDefinition] = {}
    for definition in definitions:
        if definition.slug in catalogue:
            raise RuntimeError(f"Duplicate preset slug {definition.slug}")
        catalogue[definition.slug] = definition
    return catalogue


#: ESCAP's standard indicators keyed by slug ("dhs-stunting", "mics-electricity", …).
#: Not included: MICS secondary/higher education (ESCAP maps MICS education levels and grades
#: country by country) and MICS violence (the DV module's names vary by survey).
ESCAP_PRESETS: dict[str, IndicatorDefinition] = _catalogue([*_dhs_presets(), *_mics_presets()])


def presets_for(survey_kind: Literal["DHS", "MICS"]) -> dict[str, IndicatorDefinition]:
    """The presets of one survey programme."""
    return {slug: d for slug, d in ESCAP_PRESETS.items() if d.survey_kind == survey_kind}


__all__ = [
    "CIRCUMSTANCE_KINDS",
    "CONDITION_OPS",
    "DHS_WEIGHT_DIVISOR",
    "ESCAP_PRESETS",
    "Band",
    "CircumstanceSpec",
    "Condition",
    "IndicatorDefinition",
    "IndicatorError",
    "OutcomeRule",
    "PreparedCircumstance",
    "PreparedData",
    "apply_indicator",
    "presets_for",
]


_PLURALS = {"woman": "women", "man": "men", "child": "children", "person": "persons"}


def _plural_unit(unit: str) -> str:
    """ "woman 15-49" → "women 15-49", "household member" → "household members"."""
    words = unit.split()
    if not words:
        return ""
    if words[0].lower() in _PLURALS:
        return " ".join([_PLURALS[words[0].lower()], *words[1:]])
    if any(ch.isdigit() for ch in unit):
        return unit
    return " ".join([*words[:-1], words[-1] + ("" if words[-1].endswith("s") else "s")])


def _condition_text(condition: Mapping[str, Any]) -> str:
    column, op, value = (
        condition.get("column", "?"),
        condition.get("op", ""),
        condition.get("value"),
    )
    if op == "between" and isinstance(value, (list, tuple)) and len(value) == 2:
        return f"{column} {value[0]}–{value[1]}"
    if op in ("in", "not in") and isinstance(value, (list, tuple)):
        return f"{column} {op} {', '.join(str(v) for v in value)}"
    if op in ("notnull", "isnull"):
        return f"{column} {'known' if op == 'notnull' else 'missing'}"
    return f"{column} {op} {value}"


def reference_population_text(definition: Mapping[str, Any], region: str = "") -> str:
    """Whom a run's leaves are compared with, in words: the definition's unit of analysis
    (plural), the run's region and its reference-population conditions, e.g. "all women
    15-49 where v208 > 0" or "all households in Coast". A group page says "poorer rural
    women vs all women 15-49" instead of implying a comparison with everyone."""
    unit = _plural_unit(str(definition.get("unit") or ""))
    text = f"all {unit}" if unit else "everyone surveyed"
    if region:
        text += f" in {region}"
    conditions = [
        _condition_text(c)
        for c in definition.get("population_filter") or ()
        if isinstance(c, Mapping)
    ]
    if conditions:
        text += " where " + " and ".join(conditions)
    if definition.get("query"):
        text += " (and a custom filter)"
    return text[:300]
