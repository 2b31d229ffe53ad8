"""Monitoring values from published runs across two survey rounds (issue 14, item 1)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from analysis import services
from analysis.indicators import ESCAP_PRESETS
from analysis.models import LeafGroupLink, Run
from analysis.selectors import _from_data, _node_conditions, group_rounds
from demo.synthetic import generate_dhs_like
from evidence.models import MonitoringIndicator
from evidence.monitoring.selectors import indicators_for_group
from taxonomy.models import PopulationGroup


@pytest.fixture(scope="module")
def surveys(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("rounds")
    files = {}
    for year, seed in (("2015", 7), ("2020", 11)):
        path = folder / f"DEMOHR{year}.dta"
        generate_dhs_like(seed=seed, n_households=1500)["HR"].write_dta(path)
        files[year] = path.read_bytes()
    return files


@pytest.fixture
def runs(people, surveys, django_capture_on_commit_callbacks):
    found = {}
    for year, content in surveys.items():
        with django_capture_on_commit_callbacks(execute=True):
            dataset = services.dataset_upload(
                uploaded=SimpleUploadedFile(f"DEMOHR{year}.dta", content),
                title=f"Demo HR {year}",
                country="Demoland",
                survey_kind="DHS",
                survey_round=year,
                user=people.rco,
            )
        dataset.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            (run,) = services.runs_start(
                dataset=dataset,
                definition=ESCAP_PRESETS["dhs-electricity"].to_dict(),
                user=people.rco,
            )
        run.refresh_from_db()
        assert run.status == run.Status.SUCCEEDED, run.message
        run.published = True
        run.save()
        found[year] = run
    return found


def test_the_group_is_followed_with_the_baselines_conditions(people, runs):
    group = PopulationGroup.objects.get(slug="persons-living-in-rural-areas")
    first, second = runs["2015"], runs["2020"]
    leaf = first.result["furthest_behind"]["node"]
    LeafGroupLink.objects.create(run=first, node_id=leaf, group=group)
    nodes = {n["id"]: n for n in first.result["nodes"]}
    baseline = [_node_conditions(nodes, leaf)]

    # The data path agrees with the engine's own leaf on the baseline round.
    mean, others, share = _from_data(first, baseline)
    assert mean == pytest.approx(nodes[leaf]["mean"], abs=1e-9)
    assert share == pytest.approx(nodes[leaf]["share"], abs=1e-9)
    national = first.result["mean"]
    assert others == pytest.approx((national - share * mean) / (1 - share), abs=1e-9)

    rounds = group_rounds(group, slug="dhs-electricity", country="Demoland", viewer=people.unct)
    assert [r.round for r in rounds] == ["2015", "2020"]
    assert rounds[0].how == "linked"
    assert rounds[0].group == pytest.approx(nodes[leaf]["mean"])
    # 2020 has no link: its value is the 2020 rows meeting the 2015 conditions, whether
    # its tree has that node or not.
    assert rounds[1].how in {"same_node", "from_data"}
    assert rounds[1].group == pytest.approx(_from_data(second, baseline)[0], abs=1e-9)

    MonitoringIndicator.objects.create(
        group=group,
        country="Demoland",
        name="Electricity",
        source="run",
        analysis_indicator="dhs-electricity",
        target_group=95.0,
        floor=60.0,
        floor_label="every region",
    )
    # Two regional runs of the latest round (as a subnational batch stores them).
    for region, mean in (("North", 0.55), ("South", 0.81)):
        Run.objects.create(
            dataset=second.dataset,
            indicator=second.indicator,
            batch=second.batch,
            region=region,
            definition=second.definition,
            status=Run.Status.SUCCEEDED,
            result={**second.result, "mean": mean},
            dataset_sha256=second.dataset_sha256,
            published=True,
        )
    (item,) = indicators_for_group(group, "Demoland", people.partner_own)
    assert [r.year for r in item.rounds] == [2015, 2020]
    assert item.baseline_group == pytest.approx(100 * nodes[leaf]["mean"])
    assert item.rounds[0].group_ci is not None  # carried from the run's leaf interval
    assert item.floor_round == "2020"
    assert [(r, round(v, 6), meets) for r, v, meets in item.floor_regions] == [
        ("North", 55.0, False),
        ("South", 81.0, True),
    ]
    if rounds[1].how == "from_data":
        assert "defines the group differently" in " ".join(item.notes)
    # Someone of another country sees nothing of Demoland's monitoring.
    assert indicators_for_group(group, "Demoland", people.foreign_unct) == ()


def test_the_run_page_shows_the_palma_ratio_from_the_wealth_score(runs, client_for):
    run = runs["2015"]
    distribution = run.result["distribution"]
    assert distribution["basis"] == "score" and distribution["column"] == "hv271"
    # Electricity rises with wealth in the synthetic survey: the richest have more.
    assert distribution["top10"] > distribution["bottom40"] > 0
    assert distribution["palma"] == pytest.approx(
        distribution["top10"] * 0.1 / (distribution["bottom40"] * 0.4), rel=1e-6
    )
    page = client_for("unct").get(f"/analysis/runs/{run.pk}/").content.decode()
    assert "Palma ratio" in page
    assert f"{distribution['palma']:.3f}" in page


def test_a_round_whose_tree_splits_otherwise_is_computed_from_its_rows(people, runs):
    group = PopulationGroup.objects.get(slug="persons-living-in-rural-areas")
    first, second = runs["2015"], runs["2020"]
    leaf = first.result["furthest_behind"]["node"]
    LeafGroupLink.objects.create(run=first, node_id=leaf, group=group)
    baseline = [_node_conditions({n["id"]: n for n in first.result["nodes"]}, leaf)]
    # The 2020 tree found no split at all: no node has the 2015 conditions.
    root = next(n for n in second.result["nodes"] if n["parent"] is None)
    second.result = {**second.result, "nodes": [{**root, "is_leaf": True}]}
    second.save()

    rounds = group_rounds(group, slug="dhs-electricity", country="Demoland", viewer=people.rco)
    assert [r.how for r in rounds] == ["linked", "from_data"]
    mean, others, share = _from_data(second, baseline)
    assert (rounds[1].group, rounds[1].others, rounds[1].share) == (mean, others, share)
    assert 0 < share < 1 and mean != others

    MonitoringIndicator.objects.create(
        group=group,
        country="Demoland",
        name="Electricity",
        source="run",
        analysis_indicator="dhs-electricity",
    )
    (item,) = indicators_for_group(group, "Demoland", people.unct)
    assert "The 2020 tree defines the group differently" in item.notes[0]
    assert item.rounds[1].group == pytest.approx(100 * mean)
