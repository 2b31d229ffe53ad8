"""PRODUCT.md §6 worked test vector (ESCAP's R functions with rpart 4.1.19), to 6 decimals."""

import pytest

from analysis.engine import analyse, escap_params
from tests.analysis.engine.conftest import ESCAP_CIRCUMSTANCES

APPROX = {"abs": 5e-7}


@pytest.fixture(scope="module")
def result(escap_rows):
    return analyse(escap_rows, outcome="y", circumstances=ESCAP_CIRCUMSTANCES, weight="w")


def test_sample_and_parameters(result):
    assert len(result.nodes) == 9
    assert result.n == 3750
    assert result.params.minbucket == 340
    assert result.params.minsplit == 681
    assert result.params.cp == pytest.approx(1 / 3750)
    assert result.params.max_depth == 6
    assert result.mean == pytest.approx(0.612887, **APPROX)


def test_minsplit_is_rpart_truncation_of_twice_unrounded_min_node():
    # ESCAP passes min_node = max(49, N/11) unrounded; rpart truncates 340.9 and 681.8.
    params = escap_params(3750)
    assert (params.minbucket, params.minsplit) == (340, 681)
    assert (escap_params(300).minbucket, escap_params(300).minsplit) == (49, 98)
    assert escap_params(3750, minbucket_divisor=19).minbucket == 197


def test_root_split_on_wealth(result):
    tree = result.tree
    assert tree.node(2).condition.circumstance == "PoorerHousehold"
    assert tree.node(3).condition.circumstance == "PoorerHousehold"
    assert tree.node(2).condition.levels == ("1",)  # the poorer branch has the lower mean
    assert tree.node(3).condition.levels == ("0",)


def test_poorer_branch_splits_on_education(result):
    tree = result.tree
    assert tree.node(4).condition.levels == ("Lower",)
    assert tree.node(5).condition.levels == ("Secondary", "Higher")
    lower = tree.node(4)
    assert lower.is_leaf
    assert lower.n == 1150
    assert lower.mean == pytest.approx(0.336290, **APPROX)
    assert lower.share == pytest.approx(0.312107, **APPROX)


def test_poorer_lower_node_not_split_by_residence_because_of_minbucket(result, escap_rows):
    assert result.tree.node(4).is_leaf
    poorer_lower = escap_rows[
        (escap_rows.PoorerHousehold == 1) & (escap_rows.HighestEducation == "Lower")
    ]
    urban = (poorer_lower.Residence == "Urban").sum()
    assert urban == 250 < result.params.minbucket


def test_richer_branch_splits_on_education_then_residence(result):
    tree = result.tree
    assert tree.node(6).condition.levels == ("Lower",)
    assert tree.node(7).condition.levels == ("Secondary", "Higher")
    assert not tree.node(7).is_leaf
    assert tree.node(14).condition.label == "Residence = Rural"
    assert tree.node(15).condition.label == "Residence = Urban"
    assert {n.id for n in tree.leaves} == {4, 5, 6, 14, 15}


def test_furthest_behind_and_ahead(result):
    behind, ahead = result.furthest_behind, result.furthest_ahead
    assert behind.node == 4
    assert behind.path_labels == ("PoorerHousehold = 1", "HighestEducation = Lower")
    assert ahead.node == 15
    assert ahead.n == 700
    assert ahead.mean == pytest.approx(0.931579, **APPROX)
    assert ahead.share == pytest.approx(0.191291, **APPROX)
    assert ahead.path_labels == (
        "PoorerHousehold = 0",
        "HighestEducation in {Secondary, Higher}",
        "Residence = Urban",
    )
    assert result.gap == pytest.approx(0.595289, **APPROX)


def test_d_index_hoi_and_single_circumstance_d(result):
    assert result.d_index == pytest.approx(0.164774, **APPROX)
    assert result.hoi == pytest.approx(0.511899, **APPROX)
    assert not result.d_on_complement
    single = result.single_circumstance_d
    assert single["PoorerHousehold"] == pytest.approx(0.155368, **APPROX)
    assert single["Residence"] == pytest.approx(0.099201, **APPROX)
    assert single["HighestEducation"] == pytest.approx(0.136586, **APPROX)


def test_shapley_shares(result):
    shares = {s.circumstance: s.share for s in result.shapley}
    assert shares["PoorerHousehold"] == pytest.approx(0.4519, abs=5e-5)
    assert shares["HighestEducation"] == pytest.approx(0.3379, abs=5e-5)
    assert shares["Residence"] == pytest.approx(0.2102, abs=5e-5)
    assert sum(s.value for s in result.shapley) == pytest.approx(result.d_index, abs=1e-12)
