"""HEAT summary measures on hand-computed cases."""

import math

import numpy as np
import pandas as pd
import pytest

from analysis.engine import EngineError, GroupEstimate, group_estimates, heat_measures
from analysis.engine.heat import ORDERED_MEASURES, SIMPLE_MEASURES, UNORDERED_MEASURES

# Ordered (wealth-like) dimension, order 1 = most disadvantaged:
#   y = 0.4, 0.5, 0.8; shares p = 0.5, 0.3, 0.2.
#   μ = 0.2 + 0.15 + 0.16 = 0.51; ridits X = 0.25, 0.65, 0.90.
ORDERED = [
    GroupEstimate("Q1", 0.4, 50, order=1),
    GroupEstimate("Q2", 0.5, 30, order=2),
    GroupEstimate("Q3", 0.8, 20, order=3),
]


def test_ordered_favourable():
    m = heat_measures(ORDERED, ordered=True, favourable=True)
    assert m.applicable == SIMPLE_MEASURES + ORDERED_MEASURES
    assert m.setting_average == pytest.approx(0.51)
    assert m.difference == pytest.approx(0.4)  # most advantaged − most disadvantaged: 0.8 − 0.4
    assert m.ratio == pytest.approx(2.0)
    assert m.par == pytest.approx(0.29)  # most advantaged 0.8 − μ
    assert m.paf == pytest.approx(100 * 0.29 / 0.51)  # 56.8627…
    # Weighted LS of y on X: X̄ = 0.5, cov = 0.5·(−.25)(−.11) + .3·(.15)(−.01) + .2·(.4)(.29)
    # = 0.0365, var = 0.07 → b = 7.3/14, a = 0.51 − b/2 = 3.49/14.
    assert m.sii == pytest.approx(7.3 / 14)
    assert m.rii == pytest.approx(10.79 / 3.49)  # (a + b) / a
    # ACI = Σ p (2X − 1) y = .5·(−.5)·.4 + .3·(.3)·.5 + .2·(.8)·.8 = 0.073; RCI = ACI / μ.
    assert m.aci == pytest.approx(0.073)
    assert m.rci == pytest.approx(0.073 / 0.51)
    assert m.bgv is None and m.theil is None
    assert set(m.values()) == set(SIMPLE_MEASURES + ORDERED_MEASURES)


def test_ordered_adverse_and_input_order_irrelevant():
    m = heat_measures(list(reversed(ORDERED)), ordered=True, favourable=False)
    assert m.difference == pytest.approx(-0.4)  # most disadvantaged − most advantaged
    assert m.ratio == pytest.approx(0.5)
    assert m.par == 0.0  # 0.8 − 0.51 > 0 has the wrong sign for an adverse indicator
    assert m.paf == 0.0
    assert m.sii == pytest.approx(7.3 / 14)  # SII/ACI do not depend on favourability


def test_logistic_sii_recovers_an_exact_logistic_gradient():
    shares = np.array([0.2, 0.3, 0.5])
    ridit = np.cumsum(shares) - shares / 2  # 0.1, 0.35, 0.75
    a, b = -1.0, 2.0
    estimate = 1 / (1 + np.exp(-(a + b * ridit)))
    groups = [
        GroupEstimate(f"E{i}", float(e), float(s), order=i + 1)
        for i, (e, s) in enumerate(zip(estimate, shares, strict=True))
    ]
    m = heat_measures(groups, ordered=True, sii_model="logistic")
    expit = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    assert m.sii == pytest.approx(expit(a + b) - expit(a), abs=1e-9)
    assert m.rii == pytest.approx(expit(a + b) / expit(a), abs=1e-9)
    percent = [GroupEstimate(g.name, 100 * g.estimate, g.population, g.order) for g in groups]
    m100 = heat_measures(percent, ordered=True, sii_model="logistic", scale=100)
    assert m100.sii == pytest.approx(100 * m.sii, abs=1e-7)


# Unordered (region-like): y = 0.2, 0.6, 0.4; p = 0.25, 0.25, 0.5; μ = 0.05 + 0.15 + 0.2 = 0.4.
UNORDERED = [
    GroupEstimate("A", 0.2, 25),
    GroupEstimate("B", 0.6, 25),
    GroupEstimate("C", 0.4, 50),
]


def test_unordered_favourable():
    m = heat_measures(UNORDERED, ordered=False)
    assert m.applicable == SIMPLE_MEASURES + UNORDERED_MEASURES
    assert m.difference == pytest.approx(0.4)  # max − min
    assert m.ratio == pytest.approx(3.0)
    assert m.par == pytest.approx(0.2)  # best (0.6) − μ
    assert m.paf == pytest.approx(50.0)
    assert m.bgv == pytest.approx(0.25 * 0.04 + 0.25 * 0.04)  # 0.02
    assert m.idis_unweighted == pytest.approx(100 * (0.4 / 3) / 0.4)  # 33.33
    assert m.idis_weighted == pytest.approx(100 * 0.1 / 0.4)  # 25
    assert m.mdm_unweighted == pytest.approx(0.4 / 3)
    assert m.mdm_weighted == pytest.approx(0.1)
    assert m.mdb_unweighted == pytest.approx((0.4 + 0 + 0.2) / 3)  # 0.2
    assert m.mdb_weighted == pytest.approx(0.25 * 0.4 + 0.5 * 0.2)  # 0.2
    # r = 0.5, 1.5, 1: TI = 1000·(0.25·0.5·ln 0.5 + 0.25·1.5·ln 1.5) = 65.4060
    assert m.theil == pytest.approx(1000 * (0.375 * math.log(1.5) - 0.125 * math.log(2)))
    # MLD = 1000·(0.25·ln 2 − 0.25·ln 1.5) = 71.9205
    assert m.mean_log_deviation == pytest.approx(1000 * 0.25 * (math.log(2) - math.log(1.5)))
    assert m.sii is None and m.aci is None


def test_unordered_adverse_best_is_the_lowest():
    m = heat_measures(UNORDERED, ordered=False, favourable=False)
    assert m.difference == pytest.approx(0.4)  # unordered: max − min whatever the direction
    assert m.par == pytest.approx(-0.2)  # best = lowest 0.2: 0.2 − 0.4, right sign for adverse
    assert m.paf == pytest.approx(-50.0)
    assert m.mdb_unweighted == pytest.approx((0 + 0.4 + 0.2) / 3)
    assert m.mdb_weighted == pytest.approx(0.25 * 0.4 + 0.5 * 0.2)


def test_reference_group():
    groups = [UNORDERED[0], UNORDERED[1], GroupEstimate("C", 0.4, 50, reference=True)]
    m = heat_measures(groups, ordered=False, favourable=True)
    assert m.difference == pytest.approx(0.2)  # reference 0.4 − lowest other 0.2
    assert m.ratio == pytest.approx(2.0)
    assert m.par == pytest.approx(0.0)  # reference 0.4 − μ 0.4
    adverse = heat_measures(groups, ordered=False, favourable=False)
    assert adverse.difference == pytest.approx(0.2)  # highest other 0.6 − reference 0.4
    assert adverse.ratio == pytest.approx(1.5)


def test_two_groups_get_only_simple_measures_and_given_setting_average():
    groups = [GroupEstimate("Rural", 0.3, 60), GroupEstimate("Urban", 0.9, 40)]
    m = heat_measures(groups, ordered=False, setting_average=0.5)
    assert m.applicable == SIMPLE_MEASURES
    assert m.par == pytest.approx(0.4)  # 0.9 − 0.5
    assert m.paf == pytest.approx(80.0)
    assert m.bgv is None


def test_invalid_input():
    with pytest.raises(EngineError):
        heat_measures(UNORDERED[:1], ordered=False)
    with pytest.raises(EngineError, match="order"):
        heat_measures(UNORDERED, ordered=True)


def test_group_estimates_weighted():
    frame = pd.DataFrame(
        {
            "Wealth": ["Poor", "Poor", "Rich", "Rich", None],
            "y": [1, 0, 1, 1, 1],
            "w": [1.0, 3.0, 2.0, 2.0, 9.0],
        }
    )
    groups = group_estimates(
        frame, outcome="y", dimension="Wealth", weight="w", order=["Poor", "Rich"], reference="Rich"
    )
    poor, rich = groups
    assert (poor.name, poor.estimate, poor.population, poor.order) == ("Poor", 0.25, 4.0, 1)
    assert (rich.estimate, rich.population, rich.order, rich.reference) == (1.0, 4.0, 2, True)
