"""Shared fixtures for the engine tests (plain pytest, no database)."""

from pathlib import Path

import pandas as pd
import pytest

from analysis.engine import Circumstance

DATA = Path(__file__).parent / "data"
EDUCATION = Circumstance("HighestEducation", "ordered", ("Lower", "Secondary", "Higher"))
ESCAP_CIRCUMSTANCES = ["PoorerHousehold", "Residence", EDUCATION]


def expand_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """One row per record: n rows per cell, the first k with y = 1, all with weight w."""
    rows = cells.loc[cells.index.repeat(cells["n"])].reset_index(drop=True)
    position = rows.groupby(["PoorerHousehold", "Residence", "HighestEducation"]).cumcount()
    rows["y"] = (position < rows["k"]).astype(int)
    return rows[["PoorerHousehold", "Residence", "HighestEducation", "w", "y"]]


@pytest.fixture(scope="session")
def escap_rows() -> pd.DataFrame:
    """The PRODUCT.md §6 worked test vector, expanded to its 3,750 records."""
    return expand_cells(pd.read_csv(DATA / "escap_synthetic_cells.csv"))
