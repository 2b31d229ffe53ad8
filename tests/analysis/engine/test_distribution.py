"""Palma and decile ratios on small worked examples, computed by hand (issue 14, item 3)."""

import pytest

from analysis.engine import distribution_measures, quintile_measures


def test_ten_equal_households_one_per_decile():
    # Wealth scores 1..10, weight 1 each: each household is a decile. Outcome total 35.
    #   bottom 20%: households 1, 2 -> mean (1 + 1) / 2 = 1
    #   bottom 40%: households 1-4 -> mean (1 + 1 + 2 + 2) / 4 = 1.5, sum 6
    #   top 10%:    household 10   -> mean 10, sum 10;  top 20%: (5 + 10) / 2 = 7.5
    #   Palma = top-10% share / bottom-40% share = (10/35) / (6/35) = 1.666667
    #   top 10% / bottom 20% = 10 / 1 = 10;  top 10% / bottom 40% = 10 / 1.5 = 6.666667
    outcome = [1, 1, 2, 2, 3, 3, 4, 4, 5, 10]
    # Rows in any order give the same answer.
    order = [3, 9, 0, 7, 1, 5, 8, 2, 6, 4]
    result = distribution_measures([i + 1 for i in order], [outcome[i] for i in order], [1.0] * 10)
    assert result.basis == "score"
    assert (result.bottom20, result.bottom40, result.top10, result.top20) == (1, 1.5, 10, 7.5)
    assert result.palma == pytest.approx(10 / 6)
    assert result.top10_bottom20 == pytest.approx(10)
    assert result.top10_bottom40 == pytest.approx(20 / 3)


def test_a_household_straddling_a_cut_counts_by_the_fraction_inside():
    # Weights 3, 3, 2, 2 (total 10) and outcomes 1, 2, 3, 6, poorest first.
    #   bottom 20% = 2 units of weight: 2/3 of household 1 -> mean 1
    #   bottom 40% = 4 units: household 1 (3) + 1 unit of household 2 -> (3*1 + 1*2) / 4
    #              = 1.25, sum 5
    #   top 10% = 1 unit: half of household 4 -> mean 6, sum 6
    #   Palma = 6 / 5 = 1.2;  top 10% / bottom 40% = 6 / 1.25 = 4.8
    result = distribution_measures([0.1, 0.5, 0.9, 2.0], [1, 2, 3, 6], [3, 3, 2, 2])
    assert result.bottom20 == pytest.approx(1)
    assert result.bottom40 == pytest.approx(1.25)
    assert result.top10 == pytest.approx(6)
    assert result.palma == pytest.approx(1.2)
    assert result.top10_bottom20 == pytest.approx(6)
    assert result.top10_bottom40 == pytest.approx(4.8)


def test_tied_scores_are_one_block():
    # Four households share the lowest score: the bottom 20% is 2/4 of that block, whose
    # mean is (0 + 0 + 1 + 1) / 4 = 0.5, whatever the order of the rows.
    result = distribution_measures([1, 1, 1, 1, 2, 3, 4, 5, 6, 7], [0, 1, 0, 1, 1, 1, 1, 1, 1, 1])
    assert result.bottom20 == pytest.approx(0.5)
    assert result.bottom40 == pytest.approx(0.5)


def test_quintiles_alone_give_quintile_ratios_and_no_palma():
    # Q1 mean 0.2, Q2 mean 0.4 (equal weights) -> bottom 40% 0.3; Q5 mean 0.9.
    quintile = [1, 1, 2, 2, 3, 4, 5, 5]
    outcome = [0.2, 0.2, 0.4, 0.4, 0.5, 0.7, 0.9, 0.9]
    result = quintile_measures(quintile, outcome)
    assert result.basis == "quintiles"
    assert result.palma is None and result.top10_bottom20 is None
    assert result.top20_bottom20 == pytest.approx(4.5)
    assert result.top20_bottom40 == pytest.approx(3.0)
