"""Survey analysis in the portal: upload → profile → run → results → publish → link groups."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from analysis import services
from analysis.indicators import ESCAP_PRESETS
from analysis.models import Dataset, LeafGroupLink, Run
from demo.synthetic import generate_dhs_like
from taxonomy.models import PopulationGroup


@pytest.fixture(scope="module")
def hr_dta(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("survey") / "DEMOHR.dta"
    generate_dhs_like(seed=7, n_households=1500)["HR"].write_dta(path)
    return path.read_bytes()


@pytest.fixture
def dataset(people, hr_dta, django_capture_on_commit_callbacks) -> Dataset:
    with django_capture_on_commit_callbacks(execute=True):
        dataset = services.dataset_upload(
            uploaded=SimpleUploadedFile("DEMOHR.dta", hr_dta),
            title="Demo HR",
            country="Demoland",
            survey_kind="DHS",
            survey_round="2022",
            user=people.rco,
        )
    dataset.refresh_from_db()
    return dataset


def start(dataset, user, slug="dhs-electricity", capture=None, **kwargs) -> list[Run]:
    with capture(execute=True):
        runs = services.runs_start(
            dataset=dataset, definition=ESCAP_PRESETS[slug].to_dict(), user=user, **kwargs
        )
    for run in runs:
        run.refresh_from_db()
    return runs


def test_upload_in_the_browser_profiles_columns(
    people, client_for, hr_dta, django_capture_on_commit_callbacks
):
    client = client_for("rco")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("analysis:dataset_upload"),
            {
                "file": SimpleUploadedFile("DEMOHR.dta", hr_dta),
                "title": "HR 2022",
                "survey_kind": "DHS",
                "survey_round": "2022",
                "country": "Demoland",
            },
        )
    dataset = Dataset.objects.get()
    assert response.status_code == 302 and dataset.status == Dataset.Status.READY
    columns = {c["name"]: c for c in dataset.profile}
    assert {"Urban", "Rural"} == {level["level"] for level in columns["hv025"]["levels"]}
    page = client.get(dataset.get_absolute_url()).content.decode()
    assert "hv025" in page and "Rural" in page


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("survey.dta", b"\x00\x01not a stata file at all" * 50, "Stata"),
        ("survey.sav", b"name,age\nx,1\n", "SPSS"),
        ("survey.pdf", b"%PDF-1.4", "cannot be read"),
        ("empty.csv", b"", "empty"),
    ],
)
def test_unreadable_files_give_a_clear_message_and_leave_nothing(
    people, client_for, name, content, message
):
    before = (
        set((Path(settings.MEDIA_ROOT) / "surveys").glob("*"))
        if (Path(settings.MEDIA_ROOT) / "surveys").exists()
        else set()
    )
    response = client_for("rco").post(
        reverse("analysis:dataset_upload"),
        {
            "file": SimpleUploadedFile(name, content),
            "title": "Bad",
            "survey_kind": "DHS",
            "survey_round": "2022",
            "country": "Demoland",
        },
    )
    assert response.status_code == 200
    assert message.lower() in response.content.decode().lower()
    assert not Dataset.objects.exists()
    after = (
        set((Path(settings.MEDIA_ROOT) / "surveys").glob("*"))
        if (Path(settings.MEDIA_ROOT) / "surveys").exists()
        else set()
    )
    assert after == before


def test_a_run_finds_the_furthest_behind_and_is_reproducible(
    dataset, people, django_capture_on_commit_callbacks
):
    (run,) = start(dataset, people.rco, capture=django_capture_on_commit_callbacks)
    assert run.status == Run.Status.SUCCEEDED, run.message
    result = run.result
    assert result["furthest_behind"]["mean"] < result["mean"] < result["furthest_ahead"]["mean"]
    assert result["gap"] == pytest.approx(
        result["furthest_ahead"]["mean"] - result["furthest_behind"]["mean"]
    )
    assert 0 < result["d_index"] < 1
    assert sum(s["share"] for s in result["shapley"].values()) == pytest.approx(1)
    assert run.dataset_sha256 == dataset.sha256 and run.engine_version
    assert run.definition == ESCAP_PRESETS["dhs-electricity"].to_dict()


def test_subnational_batch_has_one_run_per_region(
    dataset, people, django_capture_on_commit_callbacks
):
    runs = start(dataset, people.rco, capture=django_capture_on_commit_callbacks, subnational=True)
    assert runs[0].region == "" and len(runs) == 7
    assert len({r.batch for r in runs}) == 1
    assert runs[0].status == Run.Status.SUCCEEDED
    regional = [r for r in runs[1:] if r.status == Run.Status.SUCCEEDED]
    assert regional, [r.message for r in runs[1:]]
    assert all(r.status in (Run.Status.SUCCEEDED, Run.Status.FAILED) for r in runs)


def test_a_constant_outcome_fails_with_a_message_a_person_can_act_on(
    dataset, people, django_capture_on_commit_callbacks
):
    definition = ESCAP_PRESETS["dhs-electricity"].to_dict()
    definition["outcome"]["positive_values"] = [0, 1, 9]
    with django_capture_on_commit_callbacks(execute=True):
        (run,) = services.runs_start(dataset=dataset, definition=definition, user=people.rco)
    run.refresh_from_db()
    assert run.status == Run.Status.FAILED
    assert "constant" in run.message and "Traceback" not in run.message


def test_results_page_and_downloads(
    dataset, people, client_for, django_capture_on_commit_callbacks
):
    (run,) = start(dataset, people.rco, capture=django_capture_on_commit_callbacks)
    client = client_for("rco")
    page = client.get(run.get_absolute_url()).content.decode()
    assert "<svg" in page and "Furthest behind" in page and "Shapley" in page
    assert "Text version of the tree" in page
    svg = client.get(reverse("analysis:run_download", args=[run.pk, "svg"]))
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    png = client.get(reverse("analysis:run_download", args=[run.pk, "png"]))
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    csv_text = client.get(reverse("analysis:run_download", args=[run.pk, "csv"])).content
    assert b"behind" in csv_text and b"ahead" in csv_text
    xlsx = client.get(reverse("analysis:run_download", args=[run.pk, "xlsx"]))
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.values)
    assert rows[0][0] == "node" and len(rows) == len(run.result["nodes"]) + 1


def test_run_result_and_page_show_design_based_intervals(
    dataset, people, client_for, django_capture_on_commit_callbacks
):
    (run,) = start(dataset, people.rco, capture=django_capture_on_commit_callbacks)
    result = run.result
    assert result["uncertainty"]["method"] == "taylor"
    assert result["uncertainty"]["design"]["cluster"] == "hv021"
    assert result["uncertainty"]["design"]["strata"] == "hv022"
    assert result["uncertainty"]["replicates"] == 200
    for node in result["nodes"]:
        assert node["ci"][0] <= node["mean"] <= node["ci"][1]
    assert result["gap_ci"][0] <= result["gap"] <= result["gap_ci"][1]
    assert result["d_index_ci"][0] < result["d_index_ci"][1]
    assert result["hoi_ci"][0] < result["hoi_ci"][1]
    page = client_for("rco").get(run.get_absolute_url()).content.decode()
    assert "95% CI" in page and "cluster hv021, strata hv022" in page
    assert "intervals assume independent rows" not in page


def test_without_a_design_the_page_says_intervals_assume_independent_rows(
    dataset, people, client_for, django_capture_on_commit_callbacks
):
    definition = ESCAP_PRESETS["dhs-electricity"].to_dict()
    definition.pop("cluster_column")
    definition.pop("strata_column")
    # Tiny leaves so that two neighbouring leaves cannot be told apart.
    with django_capture_on_commit_callbacks(execute=True):
        (run,) = services.runs_start(
            dataset=dataset,
            definition=definition,
            user=people.rco,
            params={"minbucket": 5, "cp": 0.0},
        )
    run.refresh_from_db()
    assert run.status == Run.Status.SUCCEEDED, run.message
    assert run.result["uncertainty"]["method"] == "iid"
    page = client_for("rco").get(run.get_absolute_url()).content.decode()
    assert "no survey design given: intervals assume independent rows" in page
    assert any(node.get("overlaps_sibling") for node in run.result["nodes"])
    assert "this difference may be noise" in page and "may be noise</strong>" in page


def test_a_design_column_missing_from_the_file_falls_back_to_independent_rows(
    dataset, people, django_capture_on_commit_callbacks
):
    definition = ESCAP_PRESETS["dhs-electricity"].to_dict()
    definition["cluster_column"] = "hv999"
    with django_capture_on_commit_callbacks(execute=True):
        (run,) = services.runs_start(dataset=dataset, definition=definition, user=people.rco)
    run.refresh_from_db()
    assert run.status == Run.Status.SUCCEEDED, run.message
    assert run.result["uncertainty"]["method"] == "iid"


def test_unct_sees_only_published_runs_and_partners_see_no_datasets(
    dataset, people, client_for, django_capture_on_commit_callbacks
):
    (run,) = start(dataset, people.rco, capture=django_capture_on_commit_callbacks)
    assert client_for("unct").get(run.get_absolute_url()).status_code == 404
    services.run_publish(run=run, user=people.rco)
    assert client_for("unct").get(run.get_absolute_url()).status_code == 200
    assert client_for("unct").get(dataset.get_absolute_url()).status_code == 404
    assert client_for("partner_own").get(dataset.get_absolute_url()).status_code == 404
    # a UNCT member may read but not publish
    response = client_for("unct").post(
        reverse("analysis:run_publish", args=[run.pk]), {"published": "0"}
    )
    assert response.status_code == 403


def test_rco_links_a_leaf_to_groups(
    dataset, people, client_for, vocabularies, django_capture_on_commit_callbacks
):
    (run,) = start(dataset, people.rco, capture=django_capture_on_commit_callbacks)
    leaf = run.result["furthest_behind"]["node"]
    poverty = PopulationGroup.objects.get(name="Persons living in poverty")
    client_for("rco").post(
        reverse("analysis:run_link_groups", args=[run.pk]), {"node": leaf, "groups": [poverty.pk]}
    )
    assert LeafGroupLink.objects.get().group == poverty
    client_for("rco").post(
        reverse("analysis:run_link_groups", args=[run.pk]), {"node": 999, "groups": [poverty.pk]}
    )
    assert LeafGroupLink.objects.count() == 1


def test_run_form_in_the_browser(dataset, people, client_for, django_capture_on_commit_callbacks):
    client = client_for("rco")
    page = client.get(dataset.get_absolute_url() + "?preset=dhs-electricity").content.decode()
    assert "hv206" in page  # the preset's definition is filled in
    import json

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("analysis:run_start", args=[dataset.pk]),
            {
                "preset": "dhs-electricity",
                "shapley": "on",
                "min_leaf": "100",
                "definition": json.dumps(ESCAP_PRESETS["dhs-electricity"].to_dict()),
            },
        )
    run = Run.objects.get()
    assert response.status_code == 302 and run.result["params"]["minbucket"] == 100
    bad = client.post(reverse("analysis:run_start", args=[dataset.pk]), {"definition": "{not json"})
    assert bad.status_code == 400 and "not valid JSON" in bad.content.decode()


def test_escap_n19_rule_is_computed_per_regional_tree(
    dataset, people, client_for, django_capture_on_commit_callbacks
):
    import json

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("rco").post(
            reverse("analysis:run_start", args=[dataset.pk]),
            {
                "preset": "dhs-electricity",
                "minbucket_rule": "19",
                "subnational": "on",
                "definition": json.dumps(ESCAP_PRESETS["dhs-electricity"].to_dict()),
            },
        )
    assert response.status_code == 302
    runs = list(Run.objects.filter(status="succeeded"))
    assert len(runs) > 2  # national + regions
    sizes = {run.result["n"] for run in runs}
    assert len(sizes) > 1
    for run in runs:
        n = run.result["n"]
        assert run.result["params"]["minbucket"] == int(max(49, n / 19)), run.region
        assert run.result["params"]["minsplit"] == int(2 * max(49, n / 19)), run.region


def test_api_creates_a_run_and_returns_results(
    dataset, people, client_for, django_capture_on_commit_callbacks
):
    client = client_for("rco")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/runs/",
            {
                "dataset": dataset.pk,
                "definition": ESCAP_PRESETS["dhs-electricity"].to_dict(),
            },
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    run_id = response.json()[0]["id"]
    data = client.get(f"/api/runs/{run_id}/").json()
    assert data["status"] == "succeeded" and data["result"]["furthest_behind"]["path"]
    assert client_for("unct").get(f"/api/runs/{run_id}/").status_code == 404
    assert client_for("partner_own").get("/api/datasets/").json()["count"] == 0


def test_the_same_file_posted_twice_is_stored_once(dataset, people, client_for, hr_dta):
    response = client_for("rco").post(
        reverse("analysis:dataset_upload"),
        {
            "file": SimpleUploadedFile("again.dta", hr_dta),
            "title": "Again",
            "survey_kind": "DHS",
            "survey_round": "2022",
            "country": "Demoland",
        },
    )
    assert response.status_code == 200
    assert "already uploaded as" in response.content.decode()
    assert Dataset.objects.count() == 1


def test_heat_sii_of_a_binary_run_is_logistic(dataset, people, django_capture_on_commit_callbacks):
    from analysis import selectors
    from analysis.engine import GroupEstimate, heat_measures

    (run,) = start(dataset, people.rco, capture=django_capture_on_commit_callbacks)
    assert run.result["outcome_binary"] is True
    ordered = [
        c["name"]
        for c in run.result["circumstances"]
        if c["kind"] == "ordered" and len(run.result["dimensions"][c["name"]]) > 2
    ]
    assert ordered, run.result["circumstances"]
    measures = selectors.run_heat(run=run, dimension=ordered[0])
    groups = tuple(GroupEstimate(**g) for g in run.result["dimensions"][ordered[0]])
    assert measures.sii is not None
    logistic = heat_measures(groups, ordered=True, sii_model="logistic")
    linear = heat_measures(groups, ordered=True, sii_model="linear")
    assert measures.sii == pytest.approx(logistic.sii)
    assert measures.sii != pytest.approx(linear.sii)
