"""D-index, HOI and the Shapley decomposition."""

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.engine import build_cells, d_index_analysis, dissimilarity_index
from analysis.engine.dindex import _SubsetD, human_opportunity_index, shapley_values


def two_groups() -> pd.DataFrame:
    # A: 15 rows, 3 with y = 1 (p = 0.2, β = 0.75); B: 5 rows, 3 with y = 1 (p = 0.6, β = 0.25).
    return pd.DataFrame({"G": ["A"] * 15 + ["B"] * 5, "y": [1] * 3 + [0] * 12 + [1] * 3 + [0] * 2})


def test_hand_computed_d_and_hoi():
    cells = build_cells(two_groups(), outcome="y", circumstances=["G"])
    # p̄ = 0.3; D = (0.75·|0.2 − 0.3| + 0.25·|0.6 − 0.3|) / (2·0.3) = 0.15 / 0.6 = 0.25.
    result = d_index_analysis(cells)
    assert result.d_index == pytest.approx(0.25)
    assert result.hoi == pytest.approx(0.3 * 0.75)
    assert human_opportunity_index(0.3, 0.25) == pytest.approx(0.225)


def test_barrier_d_is_on_the_complement():
    cells = build_cells(two_groups(), outcome="y", circumstances=["G"])
    # 1 − y: p̄ = 0.7, same numerator 0.15 → D = 0.15 / 1.4; HOI = 0.7 · (1 − D).
    result = d_index_analysis(cells, complement=True)
    assert result.on_complement
    assert result.d_index == pytest.approx(0.15 / 1.4)
    assert result.mean == pytest.approx(0.7)
    assert result.hoi == pytest.approx(0.7 * (1 - 0.15 / 1.4))


def test_zero_mean_gives_zero_d():
    frame = pd.DataFrame({"G": ["A", "B"] * 10, "y": 0})
    cells = build_cells(frame, outcome="y", circumstances=["G"])
    assert dissimilarity_index(cells) == 0.0
    assert d_index_analysis(cells).shapley[0].share == 0.0


def test_two_circumstance_shapley_by_hand():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"A": rng.choice(["a", "b"], 500), "B": rng.choice(["x", "y", "z"], 500)})
    frame["y"] = (rng.random(500) < np.where(frame.A == "a", 0.3, 0.7)).astype(int)
    cells = build_cells(frame, outcome="y", circumstances=["A", "B"])
    d_a, d_b = dissimilarity_index(cells, ["A"]), dissimilarity_index(cells, ["B"])
    d_ab = dissimilarity_index(cells)
    shares = {s.circumstance: s for s in d_index_analysis(cells).shapley}
    # φ_A = ½ D(A) + ½ (D(A,B) − D(B)), φ_B likewise.
    assert shares["A"].value == pytest.approx(0.5 * d_a + 0.5 * (d_ab - d_b))
    assert shares["B"].value == pytest.approx(0.5 * d_b + 0.5 * (d_ab - d_a))


def test_shapley_values_of_additive_game_are_the_weights():
    weights = np.array([0.1, 0.25, 0.4])
    game = np.array([sum(weights[k] for k in range(3) if m >> k & 1) for m in range(8)])
    assert shapley_values(game, 3) == pytest.approx(weights)


def random_cells(seed: int, complement: bool = False):
    rng = np.random.default_rng(seed)
    n = 300
    frame = pd.DataFrame(
        {
            "A": rng.choice(["a0", "a1", "a2"], n),
            "B": rng.choice(["b0", "b1"], n),
            "C": rng.choice(["c0", "c1", "c2", "c3"], n),
            "D": rng.integers(0, 3, n),
            "w": rng.uniform(0.1, 5.0, n),
        }
    )
    p = 0.2 + 0.3 * (frame.A == "a1") + 0.2 * (frame.B == "b1") + 0.05 * frame.D
    frame["y"] = (rng.random(n) < p).astype(int)
    return frame, build_cells(frame, outcome="y", circumstances=["A", "B", "C", "D"], weight="w")


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), complement=st.booleans())
def test_d_properties(seed, complement):
    frame, cells = random_cells(seed)
    names = cells.names
    values = {
        subset: dissimilarity_index(cells, subset, complement=complement)
        for r in range(len(names) + 1)
        for subset in itertools.combinations(names, r)
    }
    for subset, d in values.items():
        assert 0.0 <= d <= 1.0
        for extra in names:
            if extra not in subset:
                bigger = tuple(n for n in names if n in subset or n == extra)
                assert values[bigger] >= d - 1e-12  # D never decreases when adding
    result = d_index_analysis(cells, complement=complement)
    assert sum(s.value for s in result.shapley) == pytest.approx(result.d_index, abs=1e-12)
    if result.d_index > 0:
        assert sum(s.share for s in result.shapley) == pytest.approx(1.0)
    # Both ways of enumerating subsets agree with direct grouping.
    subset_d = _SubsetD(cells, complement=complement)
    dense = subset_d._all_subsets_dense()
    grouped = subset_d._all_subsets_grouped()
    direct = np.array([subset_d(mask) for mask in range(16)])
    assert dense == pytest.approx(direct, abs=1e-12)
    assert grouped == pytest.approx(direct, abs=1e-12)
    # Scaling weights and permuting rows change nothing.
    moved = frame.sample(frac=1.0, random_state=1).assign(w=lambda f: f.w * 1e6)
    cells2 = build_cells(moved, outcome="y", circumstances=["A", "B", "C", "D"], weight="w")
    assert d_index_analysis(cells2, complement=complement).d_index == pytest.approx(
        result.d_index, rel=1e-9
    )


def test_d_uses_only_rows_with_every_circumstance():
    frame = pd.DataFrame(
        {
            "a": ["x", "x", "y", "y", None, "y"],
            "b": ["p", "q", "p", None, "q", "q"],
            "y": [1, 0, 1, 1, 0, 0],
        }
    )
    cells = build_cells(frame, outcome="y", circumstances=["a", "b"])
    assert cells.n_rows == 6 and cells.n_complete_rows == 4
    complete = build_cells(frame.dropna(), outcome="y", circumstances=["a", "b"])
    assert dissimilarity_index(cells) == pytest.approx(dissimilarity_index(complete))
    assert dissimilarity_index(cells, ["a"]) == pytest.approx(dissimilarity_index(complete, ["a"]))
