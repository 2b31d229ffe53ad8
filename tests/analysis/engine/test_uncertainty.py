"""Properties of the uncertainty module: bootstrap, leaf membership, overlap flag, i.i.d. note."""

import numpy as np
import pandas as pd
import pytest

from analysis.engine import analyse, build_cells, dissimilarity_index, result_to_dict
from analysis.engine.errors import EngineError
from analysis.engine.uncertainty import (
    IID_NOTE,
    bootstrap_d_hoi,
    domain_means,
    make_design,
    rao_wu_factors,
    row_leaves,
)


def _clustered(n_psu: int, rows_per_psu: int = 20, seed: int = 1) -> pd.DataFrame:
    """Two-stratum cluster sample; y depends on wealth and residence, plus a PSU effect."""
    rng = np.random.default_rng(seed)
    psu = np.repeat(np.arange(n_psu), rows_per_psu)
    stratum = psu % 2
    rural = np.repeat(rng.random(n_psu) < 0.5, rows_per_psu)
    poor = rng.random(psu.size) < 0.4
    effect = np.repeat(rng.normal(0, 0.4, n_psu), rows_per_psu)
    logit = 0.8 - 1.2 * poor - 0.8 * rural + effect
    y = (rng.random(psu.size) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame(
        {
            "y": y,
            "w": rng.uniform(0.5, 2.0, psu.size),
            "Wealth": np.where(poor, "Poor", "Rich"),
            "Residence": np.where(rural, "Rural", "Urban"),
            "psu": psu,
            "stratum": stratum,
        }
    )


def _boot(frame: pd.DataFrame, seed: int = 7, replicates: int = 200):
    design = make_design(len(frame), psu=frame["psu"], strata=frame["stratum"])
    group = frame.groupby(["Wealth", "Residence"]).ngroup().to_numpy()
    return bootstrap_d_hoi(
        frame["y"].to_numpy(), frame["w"].to_numpy(), group, design,
        replicates=replicates, seed=seed,
    )  # fmt: skip


def test_rao_wu_factors_resample_n_minus_one_psus_per_stratum():
    strata = np.repeat([0, 0, 0, 1, 1, 2], 3)  # PSUs: 3 in stratum 0, 2 in 1, 1 (lonely) in 2
    psu = np.repeat(np.arange(6), 3)
    design = make_design(len(psu), psu=psu, strata=strata)
    factors = rao_wu_factors(design, 50, seed=3)
    assert factors.shape == (50, 6)
    # stratum 0: 2 draws among 3 PSUs, each counted × 3/2; the factors sum to n_h = 3
    np.testing.assert_allclose(factors[:, :3].sum(axis=1), 3.0)
    assert set(np.unique(factors[:, :3])) <= {0.0, 1.5, 3.0}
    np.testing.assert_allclose(factors[:, 3:5].sum(axis=1), 2.0)
    np.testing.assert_allclose(factors[:, 5], 1.0)  # a lonely stratum keeps its weights


def test_bootstrap_is_reproducible_with_its_seed():
    frame = _clustered(60)
    first, again, other = _boot(frame, seed=11), _boot(frame, seed=11), _boot(frame, seed=12)
    np.testing.assert_array_equal(first.d_index, again.d_index)
    np.testing.assert_array_equal(first.hoi, again.hoi)
    assert first.d_interval == again.d_interval
    assert not np.array_equal(first.d_index, other.d_index)


def test_replicate_d_equals_engine_d_on_reweighted_rows():
    frame = _clustered(30)
    design = make_design(len(frame), psu=frame["psu"], strata=frame["stratum"])
    result = _boot(frame, seed=5, replicates=3)
    factors = rao_wu_factors(design, 3, seed=5)
    for r in range(3):
        reweighted = frame.assign(w=frame["w"] * factors[r, design.psu])
        cells = build_cells(
            reweighted, outcome="y", circumstances=["Wealth", "Residence"], weight="w"
        )
        assert result.d_index[r] == pytest.approx(dissimilarity_index(cells), rel=1e-10)


def test_interval_contains_the_estimate_and_shrinks_with_more_psus():
    small, large = _clustered(30), _clustered(300)
    for frame in (small, large):
        cells = build_cells(frame, outcome="y", circumstances=["Wealth", "Residence"], weight="w")
        d = dissimilarity_index(cells)
        boot = _boot(frame)
        assert boot.d_interval[0] <= d <= boot.d_interval[1]
        hoi = cells.mean * (1 - d)
        assert boot.hoi_interval[0] <= hoi <= boot.hoi_interval[1]
    width = lambda b: b.d_interval[1] - b.d_interval[0]  # noqa: E731
    assert width(_boot(large)) < 0.6 * width(_boot(small))


def test_clustering_widens_intervals_compared_with_iid():
    frame = _clustered(40, rows_per_psu=40)
    y, w, everyone = frame["y"], frame["w"], np.ones(len(frame), dtype=bool)
    clustered = domain_means(y, w, everyone, make_design(len(frame), psu=frame["psu"]))
    iid = domain_means(y, w, everyone, make_design(len(frame)))
    assert clustered.se[0] > iid.se[0]
    assert make_design(len(frame)).method == "iid"
    assert make_design(len(frame)).note == IID_NOTE


def test_missing_design_value_is_an_error():
    with pytest.raises(EngineError, match="missing"):
        make_design(3, psu=[1, None, 2])


def test_row_leaves_reproduce_the_tree_nodes():
    frame = _clustered(80)
    result = analyse(
        frame, outcome="y", circumstances=["Wealth", "Residence"], weight="w", minbucket=50
    )
    leaves = row_leaves(frame, result.tree)
    assert (leaves > 0).all()
    for node in result.tree.leaves:
        rows = frame[leaves == node.id]
        assert len(rows) == node.n
        assert np.average(rows["y"], weights=rows["w"]) == pytest.approx(node.mean)


def _two_leaves(gap: float, n_per_group: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = np.repeat(["A", "B"], n_per_group)
    p = np.where(group == "A", 0.5 - gap / 2, 0.5 + gap / 2)
    y = (rng.random(group.size) < p).astype(int)
    return pd.DataFrame({"y": y, "g": group, "w": 1.0})


def test_overlap_flag_on_constructed_cases():
    # 60 rows per leaf, rates about 0.45 vs 0.55: the intervals (± ~0.13) overlap.
    noisy = analyse(
        _two_leaves(0.1, 60), outcome="y", circumstances=["g"], weight="w",
        minbucket=5, cp=0.0, uncertainty=True,
    )  # fmt: skip
    data = result_to_dict(noisy)
    leaves = [node for node in data["nodes"] if node["is_leaf"]]
    assert len(leaves) == 2
    assert all(node["overlaps_sibling"] for node in leaves)
    assert data["uncertainty"]["method"] == "iid"
    assert data["uncertainty"]["note"] == IID_NOTE
    low, high = data["gap_ci"]
    assert low < 0 < data["gap"] < high  # the gap's own interval includes 0 as well
    # 2,000 rows per leaf, 0.2 vs 0.8: clearly separated.
    clear = result_to_dict(
        analyse(
            _two_leaves(0.6, 2000), outcome="y", circumstances=["g"], weight="w",
            minbucket=5, cp=0.0, uncertainty=True,
        )
    )  # fmt: skip
    leaves = [node for node in clear["nodes"] if node["is_leaf"]]
    assert not any(node["overlaps_sibling"] for node in leaves)
    for node in clear["nodes"]:
        assert node["ci"][0] <= node["mean"] <= node["ci"][1]
    assert clear["gap_ci"][0] > 0
    assert clear["d_index_ci"][0] <= clear["d_index"] <= clear["d_index_ci"][1]
    assert clear["hoi_ci"][0] <= clear["hoi"] <= clear["hoi_ci"][1]
    assert clear["furthest_behind"]["ci"] == next(
        node["ci"] for node in clear["nodes"] if node["id"] == clear["furthest_behind"]["node"]
    )


def test_no_intervals_unless_asked_or_designed():
    frame = _clustered(20)
    plain = result_to_dict(analyse(frame, outcome="y", circumstances=["Wealth"], weight="w"))
    assert "uncertainty" not in plain and "ci" not in plain["nodes"][0]
    designed = analyse(frame, outcome="y", circumstances=["Wealth"], weight="w", cluster="psu")
    assert designed.uncertainty is not None
    assert designed.uncertainty.design.method == "taylor"


def test_barrier_bootstrap_is_on_the_complement():
    frame = _clustered(40)
    result = analyse(
        frame, outcome="y", circumstances=["Wealth", "Residence"], weight="w",
        barrier=True, cluster="psu", strata="stratum",
    )  # fmt: skip
    assert result.d_on_complement
    low, high = result.uncertainty.d_index
    assert low <= result.d_index <= high


def test_given_row_leaves_and_surrogate_policy():
    """A tree that routed rows with missing values by surrogates: the caller passes each
    row's leaf; D's bootstrap uses the complete rows (where the engine computes D)."""
    from analysis.engine.uncertainty import analyse_uncertainty

    frame = _two_leaves(0.4, 300)
    frame.loc[::10, "g"] = None
    complete = frame.dropna()
    result = analyse(complete, outcome="y", circumstances=["g"], weight="w", minbucket=5, cp=0.0)
    leaves = row_leaves(complete, result.tree)
    routed = np.zeros(len(frame), dtype=np.int64)
    routed[frame["g"].notna().to_numpy()] = leaves
    routed[frame["g"].isna().to_numpy()] = result.tree.leaves[0].id  # "surrogate" routing
    info = analyse_uncertainty(
        frame, result.tree, outcome="y", circumstances=["g"], weight="w",
        missing_circumstance="surrogate", row_leaf=routed,
        behind=result.furthest_behind.node, ahead=result.furthest_ahead.node,
    )  # fmt: skip
    assert info.n_rows == len(frame)
    # the tree was grown without the incomplete rows, so the routed means differ: a warning
    assert "membership_warning" in info.extra
    # intervals are centred on the tree's means
    for node in result.tree.nodes:
        assert info.node(node.id).interval.estimate == node.mean
    low, high = info.d_index
    assert low <= result.d_index <= high
