"""Indicator definitions: the JSON-serialisable schema and its validation.

An :class:`IndicatorDefinition` says how ESCAP's LNOB method turns a survey table into the
data a tree is grown on (PRODUCT.md §6): the reference population (a filter), the 0/1 or
numeric outcome, the sample weight (DHS weights are stored ×1,000,000), the circumstances
(with recodes such as wealth quintiles 1–2 → "Bottom 40%") and, for subnational runs, the
region column. Every mistake raises :class:`IndicatorError` carrying the path of the field
it is about (``exc.field``, e.g. ``"outcome.threshold"`` or ``"circumstances[2].order"``).

Pure Python; no Django imports.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from functools import partial
from typing import Any, TypeGuard, TypeVar

import numpy as np

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


def gettext_noop(message: str) -> str:
    """Mark ``message`` for translation without translating it here (``makemessages``
    collects it; the portal translates it where it is shown, see
    :meth:`IndicatorError.translated`). This module stays free of Django."""
    return message


class IndicatorError(ValueError):
    """An indicator definition cannot be applied; the message says what to change.

    ``field`` is the path of the definition field the error is about, in the JSON's own
    names: ``"outcome.threshold"``, ``"circumstances[2].order"``,
    ``"population_filter[0].value"``, ``"query"``; empty when it is about the definition as a
    whole. Code that routes an error (the editor) reads ``field``, never the text.
    ``message`` is an English template with ``%(name)s`` placeholders that ``params`` fill;
    ``str(error)`` is the English text and :meth:`translated` the text in a language.
    """

    def __init__(self, message: str, *, field: str = "", **params: Any) -> None:
        self.message = message
        self.params = params
        self.field = field
        super().__init__(message % params if params else message)

    def within(self, prefix: str) -> IndicatorError:
        """The same error seen from the object that holds the one that raised it:
        ``error.within("outcome")`` turns ``"threshold"`` into ``"outcome.threshold"``."""
        if not self.field:
            field = prefix
        elif self.field.startswith("["):
            field = f"{prefix}{self.field}"
        else:
            field = f"{prefix}.{self.field}"
        return IndicatorError(self.message, field=field, **self.params)

    def translated(self, gettext: Callable[[str], str]) -> str:
        """The message in the language of ``gettext`` (e.g. Django's), filled in."""
        text = gettext(self.message)
        return text % self.params if self.params else text


T = TypeVar("T")


def _within(prefix: str, build: Callable[[], T]) -> T:
    """``build()``, with the field path of any IndicatorError it raises prefixed."""
    try:
        return build()
    except IndicatorError as exc:
        raise exc.within(prefix) from None


# --------------------------------------------------------------------------------------------
# Definition building blocks
# --------------------------------------------------------------------------------------------


def _is_number(value: object) -> TypeGuard[float]:
    """A real number, not a bool or NaN (numpy scalars count)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float | np.integer | np.floating):
        return not (isinstance(value, float | np.floating) and math.isnan(value))
    return False


def _last_index(values: list[str], value: str) -> int:
    return len(values) - 1 - values[::-1].index(value)


def _as_tuple(values: Any) -> tuple[Any, ...]:
    if values is None:
        return ()
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        return (values,)
    return tuple(values)


def _check_keys(kind: str, data: Mapping[str, Any], allowed: Iterable[str]) -> None:
    if not isinstance(data, Mapping):
        raise IndicatorError(
            gettext_noop("A %(kind)s must be a JSON object, not %(type)s."),
            kind=kind,
            type=type(data).__name__,
        )
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise IndicatorError(
            gettext_noop("Unknown field(s) in %(kind)s: %(unknown)s. Allowed: %(allowed)s."),
            field=unknown[0],
            kind=kind,
            unknown=", ".join(unknown),
            allowed=", ".join(sorted(allowed)),
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
            raise IndicatorError(gettext_noop("A condition needs a column name."), field="column")
        if self.op not in CONDITION_OPS:
            raise IndicatorError(
                gettext_noop(
                    "Unknown operator '%(op)s' in the condition on '%(column)s'. "
                    "Use one of: %(ops)s."
                ),
                field="op",
                op=self.op,
                column=self.column,
                ops=", ".join(CONDITION_OPS),
            )
        if self.op in ("in", "not in"):
            values = _as_tuple(self.value)
            if not values:
                raise IndicatorError(
                    gettext_noop(
                        "The condition '%(column)s %(op)s' needs a non-empty list of values."
                    ),
                    field="value",
                    column=self.column,
                    op=self.op,
                )
            object.__setattr__(self, "value", values)
        elif self.op == "between":
            bounds = _as_tuple(self.value)
            if len(bounds) != 2 or not all(_is_number(bound) for bound in bounds):
                raise IndicatorError(
                    gettext_noop(
                        "The condition '%(column)s between' needs two numbers [lowest, highest]."
                    ),
                    field="value",
                    column=self.column,
                )
            object.__setattr__(self, "value", (bounds[0], bounds[1]))
        elif self.op in ("<", "<=", ">", ">="):
            if not _is_number(self.value):
                raise IndicatorError(
                    gettext_noop(
                        "The condition '%(column)s %(op)s' needs a number, not %(value)s."
                    ),
                    field="value",
                    column=self.column,
                    op=self.op,
                    value=repr(self.value),
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
            tuple(
                c
                if isinstance(c, Condition)
                else _within(f"zero_when[{g}][{i}]", partial(Condition.from_dict, c))
                for i, c in enumerate(group)
            )
            for g, group in enumerate(self.zero_when or ())
        )
        object.__setattr__(self, "zero_when", groups)
        if not isinstance(self.column, str) or not self.column.strip():
            raise IndicatorError(gettext_noop("The outcome rule needs a column."), field="column")
        if self.kind not in OUTCOME_KINDS:
            raise IndicatorError(
                gettext_noop("Unknown outcome kind '%(kind)s'. Use 'binary' or 'numeric'."),
                field="kind",
                kind=self.kind,
            )
        if self.blank_as not in ("missing", "negative"):
            raise IndicatorError(
                gettext_noop("blank_as must be 'missing' or 'negative'."), field="blank_as"
            )
        if self.declared_missing_as not in ("missing", "negative"):
            raise IndicatorError(
                gettext_noop("declared_missing_as must be 'missing' or 'negative'."),
                field="declared_missing_as",
            )
        if self.kind == "binary":
            if bool(self.positive_values) == bool(self.negative_values):
                raise IndicatorError(
                    gettext_noop(
                        "The binary outcome on '%(column)s' needs either positive_values (the "
                        "answers that count as 1) or negative_values (the answers that count "
                        "as 0), not both and not neither."
                    ),
                    field="positive_values",
                    column=self.column,
                )
            if self.threshold is not None or self.direction is not None:
                raise IndicatorError(
                    gettext_noop(
                        "threshold/direction belong to a numeric outcome; use kind 'numeric'."
                    ),
                    field="threshold" if self.threshold is not None else "direction",
                )
        else:
            if self.positive_values or self.negative_values or self.any_of_columns:
                raise IndicatorError(
                    gettext_noop(
                        "The numeric outcome on '%(column)s' cannot have positive_values, "
                        "negative_values or any_of_columns; use kind 'binary' for coded answers."
                    ),
                    field="kind",
                    column=self.column,
                )
            if (self.threshold is None) != (self.direction is None):
                raise IndicatorError(
                    gettext_noop(
                        "A numeric outcome needs both threshold and direction, or neither."
                    ),
                    field="threshold" if self.threshold is None else "direction",
                )
            if self.direction is not None and self.direction not in THRESHOLD_DIRECTIONS:
                raise IndicatorError(
                    gettext_noop("Unknown direction '%(direction)s'. Use one of: %(directions)s."),
                    field="direction",
                    direction=self.direction,
                    directions=", ".join(THRESHOLD_DIRECTIONS),
                )
            if self.threshold is not None and not _is_number(self.threshold):
                raise IndicatorError(
                    gettext_noop("The outcome threshold must be a number."), field="threshold"
                )
            if self.threshold is None and (
                self.blank_as == "negative"
                or self.declared_missing_as == "negative"
                or self.zero_when
            ):
                raise IndicatorError(
                    gettext_noop(
                        "blank_as 'negative', declared_missing_as 'negative' and zero_when need "
                        "a 0/1 outcome: give a threshold."
                    ),
                    field="threshold",
                )
        for name, bound in (("valid_min", self.valid_min), ("valid_max", self.valid_max)):
            if bound is not None and not _is_number(bound):
                raise IndicatorError(
                    gettext_noop("valid_min and valid_max must be numbers."), field=name
                )

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
            tuple(
                _within(f"zero_when[{g}][{i}]", partial(Condition.from_dict, c))
                for i, c in enumerate(group)
            )
            for g, group in enumerate(data.get("zero_when") or ())
        )
        return cls(**values)


def _band_not_numeric(label: str, minimum: object) -> IndicatorError:
    return IndicatorError(
        gettext_noop("Band '%(label)s' needs numeric minimum and maximum."),
        field="minimum" if not _is_number(minimum) else "maximum",
        label=label,
    )


@dataclass(frozen=True)
class Band:
    """A numeric band turned into a level, inclusive at both ends (age 15–24 → "15-24")."""

    label: str
    minimum: float
    maximum: float

    def __post_init__(self) -> None:
        if not _is_number(self.minimum) or not _is_number(self.maximum):
            raise _band_not_numeric(self.label, self.minimum)
        if self.minimum > self.maximum:
            raise IndicatorError(
                gettext_noop("Band '%(label)s' has minimum above maximum."),
                field="minimum",
                label=self.label,
            )

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {"label": self.label, "minimum": self.minimum, "maximum": self.maximum}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Band:
        """Inverse of :meth:`to_dict`."""
        _check_keys("band", data, ("label", "minimum", "maximum"))
        label, minimum, maximum = data.get("label", ""), data.get("minimum"), data.get("maximum")
        if not _is_number(minimum) or not _is_number(maximum):
            raise _band_not_numeric(label, minimum)
        return cls(label=label, minimum=minimum, maximum=maximum)


def recode_pairs(recode: Mapping[Any, Any]) -> tuple[tuple[str, str], ...]:
    """A recode written as ``{source value: level}`` (codes may be numbers) in the form
    :class:`CircumstanceSpec` keeps: ``(source key, level)`` pairs, keys as text."""
    return tuple((value_key(source), str(level)) for source, level in recode.items())


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
            tuple(
                b if isinstance(b, Band) else _within(f"bands[{i}]", partial(Band.from_dict, b))
                for i, b in enumerate(self.bands or ())
            ),
        )
        if not isinstance(self.name, str) or not self.name.strip():
            raise IndicatorError(gettext_noop("Every circumstance needs a name."), field="name")
        if not isinstance(self.column, str) or not self.column.strip():
            raise IndicatorError(
                gettext_noop("Circumstance '%(name)s' needs a column."),
                field="column",
                name=self.name,
            )
        if self.kind not in CIRCUMSTANCE_KINDS:
            raise IndicatorError(
                gettext_noop(
                    "Circumstance '%(name)s' has unknown kind '%(kind)s'. Use unordered, "
                    "ordered or numeric."
                ),
                field="kind",
                name=self.name,
                kind=self.kind,
            )
        if self.recode and self.bands:
            raise IndicatorError(
                gettext_noop("Circumstance '%(name)s' has both a recode and bands; use one."),
                field="recode",
                name=self.name,
            )
        if self.kind == "numeric" and (self.recode or self.bands or self.order):
            raise IndicatorError(
                gettext_noop(
                    "Circumstance '%(name)s' is numeric, so it cannot have a recode, bands or "
                    "an order; make it ordered or unordered to group values."
                ),
                field="kind",
                name=self.name,
            )
        sources = [source for source, _ in self.recode]
        duplicated = sorted({s for s in sources if sources.count(s) > 1})
        if duplicated:
            raise IndicatorError(
                gettext_noop("Circumstance '%(name)s' recodes %(values)s more than once."),
                field="recode",
                name=self.name,
                values=", ".join(duplicated),
            )
        if self.order and len(set(self.order)) != len(self.order):
            raise IndicatorError(
                gettext_noop("Circumstance '%(name)s' repeats a level in its order."),
                field="order",
                name=self.name,
            )

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
            raise IndicatorError(
                gettext_noop("A circumstance recode must be a JSON object {source: level}."),
                field="recode",
            )
        values["recode"] = tuple(recode.items())
        values["bands"] = tuple(
            _within(f"bands[{i}]", partial(Band.from_dict, b))
            for i, b in enumerate(values.get("bands") or ())
        )
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
                c
                if isinstance(c, Condition)
                else _within(f"population_filter[{i}]", partial(Condition.from_dict, c))
                for i, c in enumerate(self.population_filter or ())
            ),
        )
        object.__setattr__(
            self,
            "circumstances",
            tuple(
                c
                if isinstance(c, CircumstanceSpec)
                else _within(f"circumstances[{i}]", partial(CircumstanceSpec.from_dict, c))
                for i, c in enumerate(self.circumstances or ())
            ),
        )
        if isinstance(self.outcome, Mapping):
            outcome = self.outcome
            object.__setattr__(
                self, "outcome", _within("outcome", lambda: OutcomeRule.from_dict(outcome))
            )
        if not isinstance(self.name, str) or not self.name.strip():
            raise IndicatorError(gettext_noop("An indicator needs a name."), field="name")
        if not isinstance(self.outcome, OutcomeRule):
            raise IndicatorError(
                gettext_noop("Indicator '%(name)s' needs an outcome rule."),
                field="outcome",
                name=self.name,
            )
        if not _is_number(self.weight_divisor) or self.weight_divisor <= 0:
            raise IndicatorError(
                gettext_noop(
                    "Indicator '%(name)s': the weight divisor must be a positive number "
                    "(1000000 for DHS, 1 for MICS)."
                ),
                field="weight_divisor",
                name=self.name,
            )
        names = [c.name for c in self.circumstances]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise IndicatorError(
                gettext_noop("Indicator '%(name)s' has two circumstances named %(names)s."),
                field=f"circumstances[{_last_index(names, repeated[0])}].name",
                name=self.name,
                names=", ".join(repeated),
            )
        reserved = sorted(set(names) & RESERVED_COLUMNS)
        if reserved:
            raise IndicatorError(
                gettext_noop(
                    "'%(name)s' is reserved for the prepared data; rename that circumstance."
                ),
                field=f"circumstances[{names.index(reserved[0])}].name",
                name=reserved[0],
            )
        if self.query is not None and _UNSAFE_QUERY.search(self.query):
            raise IndicatorError(
                gettext_noop(
                    "The query may only compare columns (==, !=, <, >, &, |, in); it cannot "
                    "assign, refer to variables with @, or use names with double underscores."
                ),
                field="query",
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

    def column_field(self, column: str) -> str:
        """The path of the first field that reads ``column`` ("" when none does)."""
        for index, condition in enumerate(self.population_filter):
            if condition.column == column:
                return f"population_filter[{index}].column"
        if column == self.outcome.column:
            return "outcome.column"
        if column in self.outcome.any_of_columns:
            return "outcome.any_of_columns"
        for g, group in enumerate(self.outcome.zero_when):
            for i, condition in enumerate(group):
                if condition.column == column:
                    return f"outcome.zero_when[{g}][{i}].column"
        if column == self.weight_column:
            return "weight_column"
        for index, spec in enumerate(self.circumstances):
            if spec.column == column:
                return f"circumstances[{index}].column"
        if column == self.region_column:
            return "region_column"
        return ""

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
            raise IndicatorError(
                gettext_noop("An indicator definition needs an outcome rule."), field="outcome"
            )
        outcome = values["outcome"]
        values["outcome"] = _within("outcome", lambda: OutcomeRule.from_dict(outcome))
        values["population_filter"] = tuple(
            _within(f"population_filter[{i}]", partial(Condition.from_dict, c))
            for i, c in enumerate(values.get("population_filter") or ())
        )
        values["circumstances"] = tuple(
            _within(f"circumstances[{i}]", partial(CircumstanceSpec.from_dict, c))
            for i, c in enumerate(values.get("circumstances") or ())
        )
        return cls(**values)
