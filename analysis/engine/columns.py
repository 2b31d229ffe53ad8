"""A light table of numpy columns: what the engine reads without pandas.

``lnob-tree`` reads a CSV with pyarrow straight into a :class:`Columns` (numbers as float64
arrays, text as :class:`Coded` level codes) and hands it to :func:`analysis.engine.analyse`,
so the command never imports pandas. pandas callers (the portal) pass a DataFrame as before,
or convert at their edge with :meth:`Columns.from_pandas` / :meth:`Columns.to_pandas`.
This module imports numpy only; pandas is imported inside the two converters.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, eq=False)
class Coded:
    """A text (or labelled) column as level codes: ``levels[codes[i]]``, −1 where missing."""

    codes: np.ndarray
    levels: tuple[Any, ...]
    ordered: bool = False

    def __len__(self) -> int:
        return int(self.codes.shape[0])

    def take(self, rows: np.ndarray) -> Coded:
        """The rows selected by a boolean mask or an index array."""
        return Coded(self.codes[rows], self.levels, self.ordered)

    def isna(self) -> np.ndarray:
        return self.codes < 0

    def present(self) -> np.ndarray:
        """Whether each level occurs in at least one row."""
        codes = self.codes
        return np.bincount(codes[codes >= 0], minlength=len(self.levels))[: len(self.levels)] > 0

    def to_objects(self) -> np.ndarray:
        """The rows' level values as an object array (None where missing)."""
        table = np.empty(len(self.levels) + 1, dtype=object)
        table[: len(self.levels)] = list(self.levels)
        table[-1] = None
        return table[self.codes]

    def relabel(self, keys: Sequence[Any]) -> Coded:
        """Give level ``i`` the value ``keys[i]``; levels that become equal are merged (first
        occurrence's position) and an empty or None key becomes missing."""
        merged: dict[Any, int] = {}
        remap = np.empty(len(keys) + 1, dtype=np.int64)
        for i, key in enumerate(keys):
            if key is None or key == "":
                remap[i] = -1
            else:
                remap[i] = merged.setdefault(key, len(merged))
        remap[-1] = -1
        return Coded(remap[self.codes], tuple(merged), self.ordered)


Column = np.ndarray | Coded


def parse_number(value: Any) -> float | None:
    """A level as the number pandas' ``to_numeric`` reads in it, else None ("1_000" is text)."""
    if isinstance(value, str) and "_" in value:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def encode_values(values: np.ndarray) -> Coded:
    """A number array as sorted level codes, NaN → −1 (as ``pd.factorize(sort=True)``)."""
    numbers = np.asarray(values, dtype=np.float64)
    missing = np.isnan(numbers)
    levels = np.unique(numbers[~missing])
    codes = np.searchsorted(levels, numbers).astype(np.int64)
    codes[missing] = -1
    return Coded(codes, tuple(levels.tolist()))


def column_is_missing(column: Column) -> np.ndarray:
    """Per row, whether the value is missing (−1 code, NaN; None in an object array)."""
    if isinstance(column, Coded):
        return column.isna()
    if column.dtype.kind == "f":
        return np.isnan(column)
    if column.dtype.kind == "O":
        return np.array([v is None or v != v for v in column], dtype=bool)
    return np.zeros(column.shape[0], dtype=bool)


class Columns:
    """Named columns of equal length, in order: float/int/bool numpy arrays or :class:`Coded`."""

    def __init__(self, data: Mapping[str, Column] | Iterable[tuple[str, Column]] = ()) -> None:
        self._data: dict[str, Column] = dict(data)
        lengths = {len(column) for column in self._data.values()}
        if len(lengths) > 1:
            raise ValueError("The columns have different lengths.")

    @property
    def columns(self) -> list[str]:
        return list(self._data)

    def __len__(self) -> int:
        return len(next(iter(self._data.values()))) if self._data else 0

    def __contains__(self, name: object) -> bool:
        return name in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __getitem__(self, name: str) -> Column:
        return self._data[name]

    def __setitem__(self, name: str, column: Column) -> None:
        if self._data and len(column) != len(self):
            raise ValueError(f"Column {name!r} has {len(column)} rows, not {len(self)}.")
        self._data[name] = column

    def select(self, names: Sequence[str]) -> Columns:
        return Columns((name, self._data[name]) for name in names)

    def take(self, rows: np.ndarray) -> Columns:
        """The rows selected by a boolean mask or an index array."""
        return Columns(
            (name, column.take(rows) if isinstance(column, Coded) else column[rows])
            for name, column in self._data.items()
        )

    def dropna(self) -> Columns:
        """The rows with no missing value in any column."""
        keep = np.ones(len(self), dtype=bool)
        for column in self._data.values():
            keep &= ~column_is_missing(column)
        return self.take(keep)

    def copy(self) -> Columns:
        """A new table with the same column arrays (replacing a column leaves this one)."""
        return Columns(self._data)

    @classmethod
    def from_pandas(cls, frame: pd.DataFrame) -> Columns:
        """A DataFrame's columns: Categoricals and text as :class:`Coded` (text levels sorted,
        as ``pd.factorize(sort=True)``), numbers and booleans as numpy arrays (NaN missing)."""
        import pandas as pd

        data: dict[str, Column] = {}
        for name in frame.columns:
            series = frame[name]
            if isinstance(series.dtype, pd.CategoricalDtype):
                data[str(name)] = Coded(
                    np.asarray(series.cat.codes, dtype=np.int64),
                    tuple(series.cat.categories.tolist()),
                    bool(series.dtype.ordered),
                )
            elif pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(
                series.dtype
            ):
                data[str(name)] = series.to_numpy(dtype=np.float64, na_value=np.nan)
            else:
                try:
                    codes, uniques = pd.factorize(series, sort=True)
                except TypeError:  # mixed types cannot be sorted: sort their text instead
                    codes, uniques = pd.factorize(series.astype("string"), sort=True)
                data[str(name)] = Coded(
                    np.asarray(codes, dtype=np.int64),
                    tuple(np.asarray(uniques, dtype=object).tolist()),
                )
        return cls(data)

    def to_pandas(self) -> pd.DataFrame:
        """A DataFrame of the columns (:class:`Coded` as Categoricals)."""
        import pandas as pd

        data: dict[str, Any] = {}
        for name, column in self._data.items():
            if isinstance(column, Coded):
                data[name] = pd.Categorical.from_codes(
                    column.codes,
                    dtype=pd.CategoricalDtype(list(column.levels), ordered=column.ordered),
                    validate=False,
                )
            else:
                data[name] = column
        return pd.DataFrame(data, index=pd.RangeIndex(len(self)))
