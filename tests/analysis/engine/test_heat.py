"""HEAT summary measures on hand-computed cases."""

import math
import os
import shutil
import subprocess

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


# WHO HEAT SII/RII for a binary indicator: logistic regression on the ridit, weighted by
# population share. Hand-computed case: shares 0.25, 0.5, 0.25 give ridits X = 0.125, 0.5,
# 0.875; estimates expit(−2 + 4X) = expit(−1.5), expit(0), expit(1.5) = 0.182426, 0.5,
# 0.817574 lie exactly on a logistic curve, so the weighted fit is a = −2, b = 4 and
#   v0 = expit(−2) = 0.119203, v1 = expit(2) = 0.880797,
#   SII = v1 − v0 = tanh(1) = 0.761594,  RII = v1 / v0 = e² = 7.389056.
# The linear fit of the same points gives a different SII (the slope of the WLS line).
def _exact_logistic_groups(scale: float = 1.0) -> list[GroupEstimate]:
    expit = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    values = [expit(-1.5), 0.5, expit(1.5)]
    return [
        GroupEstimate(f"Q{i + 1}", scale * v, p, order=i + 1)
        for i, (v, p) in enumerate(zip(values, [25, 50, 25], strict=True))
    ]


def test_heat_sii_rii_binary_is_logistic_on_the_ridit():
    m = heat_measures(_exact_logistic_groups(), ordered=True, binary=True)
    assert m.sii == pytest.approx(math.tanh(1.0), abs=1e-10)
    assert m.sii == pytest.approx(0.761594, abs=1e-6)
    assert m.rii == pytest.approx(math.exp(2.0), rel=1e-9)
    # the same fit on a 0–100 scale
    pct = heat_measures(_exact_logistic_groups(100), ordered=True, binary=True, scale=100)
    assert pct.sii == pytest.approx(100 * math.tanh(1.0), abs=1e-8)
    assert pct.rii == pytest.approx(math.exp(2.0), rel=1e-9)
    # non-binary (auto → linear): WLS slope. X̄ = 0.5, Σp(X−X̄)² = 2·0.25·0.375² = 0.0703125,
    # Σp(X−X̄)(y−ȳ) = 0.25·(−0.375)(0.182426 − 0.5) + 0.25·0.375·(0.817574 − 0.5) = 0.0595451
    linear = heat_measures(_exact_logistic_groups(), ordered=True)
    slope = 0.375 * 0.25 * 2 * (0.8175744761936437 - 0.5) / 0.0703125
    assert linear.sii == pytest.approx(slope, rel=1e-9)
    assert linear.rii == pytest.approx((0.5 + slope / 2) / (0.5 - slope / 2), rel=1e-9)
    forced = heat_measures(_exact_logistic_groups(), ordered=True, sii_model="logistic")
    assert forced.sii == pytest.approx(m.sii)


def test_heat_logistic_converges_on_extreme_proportions():
    groups = [
        GroupEstimate("Q1", 0.001, 10, order=1),
        GroupEstimate("Q2", 0.02, 30, order=2),
        GroupEstimate("Q3", 0.5, 30, order=3),
        GroupEstimate("Q4", 0.999, 30, order=4),
    ]
    m = heat_measures(groups, ordered=True, binary=True)
    assert m.sii is not None and 0 < m.sii < 1
    assert m.rii is not None and m.rii > 1


R_SII = (
    "p <- c(.5, .3, .2); y <- c(.4, .5, .8); X <- cumsum(p) - p / 2; "
    "m <- suppressWarnings(glm(y ~ X, family = quasibinomial, weights = p)); "
    'v <- predict(m, data.frame(X = c(0, 1)), type = "response"); '
    'cat(sprintf("%.12f %.12f", v[2] - v[1], v[2] / v[1]))'
)


def test_heat_logistic_sii_matches_r_glm():
    """The ORDERED groups (not on a logistic curve): R's glm gives SII 0.495426661587 and
    RII 2.895401473120 (checked against R when Rscript is present)."""
    m = heat_measures(ORDERED, ordered=True, binary=True)
    assert m.sii == pytest.approx(0.495426661587, abs=1e-10)
    assert m.rii == pytest.approx(2.895401473120, abs=1e-10)
    rscript = shutil.which("Rscript")
    if rscript is None:
        if os.environ.get("REQUIRE_R"):
            pytest.fail("REQUIRE_R is set but Rscript is not installed")
        return
    out = subprocess.run([rscript, "-e", R_SII], capture_output=True, text=True, check=True)
    sii, rii = map(float, out.stdout.split())
    assert m.sii == pytest.approx(sii, abs=1e-9)
    assert m.rii == pytest.approx(rii, abs=1e-9)
