"""The portal reads a survey file once per batch, and pages never open it.

Labels are stored on the Dataset at profiling; the prepared columns of a batch are cached as
Parquet beside the upload (analysis.prepared), keyed by the file's SHA-256 and the columns.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from analysis import bridge, prepared, services, surveyio, views
from analysis.indicators import ESCAP_PRESETS
from analysis.models import Dataset, Run
from demo.synthetic import generate_dhs_like


@pytest.fixture(scope="module")
def hr_dta(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("survey") / "DEMOHR.dta"
    generate_dhs_like(seed=7, n_households=1500)["HR"].write_dta(path)
    return path.read_bytes()


def _upload(people, content: bytes, name: str, capture) -> Dataset:
    with capture(execute=True):
        dataset = services.dataset_upload(
            uploaded=SimpleUploadedFile(name, content),
            title="Demo",
            country="Demoland",
            survey_kind="DHS",
            survey_round="2022",
            user=people.rco,
        )
    dataset.refresh_from_db()
    return dataset


@pytest.fixture
def dataset(people, hr_dta, django_capture_on_commit_callbacks) -> Dataset:
    dataset = _upload(people, hr_dta, "DEMOHR.dta", django_capture_on_commit_callbacks)
    name = dataset.file.path
    yield dataset
    prepared.remove_cache(name)


def _cache_files(dataset: Dataset) -> list[Path]:
    folder = Path(dataset.file.path).parent / prepared.CACHE_FOLDER
    return sorted(folder.glob(f"{Path(dataset.file.path).name}.*.parquet"))


def _count_reads(monkeypatch) -> list[tuple]:
    calls: list[tuple] = []
    real = bridge.read_survey

    def counting(path, **kwargs):
        calls.append((path, tuple(kwargs.get("columns") or ())))
        return real(path, **kwargs)

    monkeypatch.setattr(bridge, "read_survey", counting)
    return calls


def test_labels_are_stored_on_the_dataset_at_profiling(dataset):
    assert dataset.status == Dataset.Status.READY
    assert dataset.variable_labels["hv206"]
    tables = dataset.value_label_tables()
    assert tables["hv206"] == {0: "No", 1: "Yes"}


def test_a_subnational_batch_reads_the_file_once(
    dataset, people, monkeypatch, django_capture_on_commit_callbacks
):
    calls = _count_reads(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        runs = services.runs_start(
            dataset=dataset,
            definition=ESCAP_PRESETS["dhs-electricity"].to_dict(),
            user=people.rco,
            subnational=True,
        )
    assert len(runs) == 7
    for run in runs:
        run.refresh_from_db()
    assert all(r.status in (Run.Status.SUCCEEDED, Run.Status.FAILED) for r in runs)
    assert runs[0].status == Run.Status.SUCCEEDED, runs[0].message
    assert len(calls) == 1, calls
    assert len(_cache_files(dataset)) == 1


def test_cached_and_uncached_runs_give_the_same_result(dataset):
    definition = ESCAP_PRESETS["dhs-electricity"].to_dict()
    path = dataset.file.path
    plain = bridge.compute_run(path=path, definition=definition, region="", shapley=False)
    first = bridge.compute_run(
        path=path, definition=definition, shapley=False, sha256=dataset.sha256
    )
    again = bridge.compute_run(
        path=path, definition=definition, shapley=False, sha256=dataset.sha256
    )
    for result in (first, again):
        assert result["nodes"] == plain["nodes"]
        assert result["sample"] == plain["sample"]


def test_a_damaged_cache_file_is_read_again_from_the_survey(dataset, monkeypatch):
    definition = ESCAP_PRESETS["dhs-electricity"].to_dict()
    bridge.regions_of(dataset.file.path, definition, sha256=dataset.sha256)
    (cache,) = _cache_files(dataset)
    cache.write_bytes(b"not parquet")
    calls = _count_reads(monkeypatch)
    regions = bridge.regions_of(dataset.file.path, definition, sha256=dataset.sha256)
    assert len(regions) == 6 and len(calls) == 1
    calls.clear()
    assert bridge.regions_of(dataset.file.path, definition, sha256=dataset.sha256) == regions
    assert calls == []  # rewritten whole


def test_concurrent_runs_write_one_whole_cache_file(dataset):
    definition = ESCAP_PRESETS["dhs-electricity"].to_dict()
    results: list = []

    def run() -> None:
        results.append(bridge.read_for_indicator(dataset.file.path, definition, dataset.sha256))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4
    for survey in results:
        pd.testing.assert_frame_equal(survey.frame, results[0].frame)
    folder = Path(dataset.file.path).parent / prepared.CACHE_FOLDER
    assert not list(folder.glob("*.tmp"))
    assert len(_cache_files(dataset)) == 1


def test_deleting_the_dataset_or_its_file_removes_the_cache(dataset, people, monkeypatch):
    definition = ESCAP_PRESETS["dhs-electricity"].to_dict()
    bridge.regions_of(dataset.file.path, definition, sha256=dataset.sha256)
    assert len(_cache_files(dataset)) == 1
    path = Path(dataset.file.path)
    dataset.delete()
    assert not list((path.parent / prepared.CACHE_FOLDER).glob(f"{path.name}.*"))


def test_a_failed_profile_removes_the_file_and_its_cache(dataset):
    definition = ESCAP_PRESETS["dhs-electricity"].to_dict()
    bridge.regions_of(dataset.file.path, definition, sha256=dataset.sha256)
    path = Path(dataset.file.path)
    services._dataset_fail(dataset, "broken")
    assert not path.exists()
    assert not list((path.parent / prepared.CACHE_FOLDER).glob(f"{path.name}.*"))


def test_the_dataset_page_never_opens_the_file(dataset, client_for, monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("the dataset page opened the survey file")

    for name in ("read_dta", "read_sav", "read_file_in_chunks"):
        monkeypatch.setattr(surveyio.pyreadstat, name, fail)
    monkeypatch.setattr(surveyio, "read_survey_metadata", fail)
    monkeypatch.setattr(views, "read_survey_metadata", fail)
    response = client_for("rco").get(dataset.get_absolute_url(), {"preset": "dhs-electricity"})
    assert response.status_code == 200
    form = response.context["form"]
    assert dict(form.fields["outcome_values"].choices)["1"].startswith("1 = Yes (")


def test_a_dataset_profiled_before_labels_were_kept_reads_them_once(
    dataset, client_for, monkeypatch
):
    Dataset.objects.filter(pk=dataset.pk).update(value_labels=None)
    client = client_for("rco")
    assert client.get(dataset.get_absolute_url()).status_code == 200
    dataset.refresh_from_db()
    assert dataset.value_label_tables()["hv206"] == {0: "No", 1: "Yes"}
    monkeypatch.setattr(views, "read_survey_metadata", None)  # would fail if called
    assert client.get(dataset.get_absolute_url()).status_code == 200


def test_the_dataset_page_lists_declared_missing_codes(
    people, client_for, tmp_path, django_capture_on_commit_callbacks
):
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "v106": rng.choice([0.0, 1, 2, 3], 200),
            "v005": rng.integers(500_000, 2_000_000, 200).astype(float),
        }
    )
    frame.loc[:22, "v106"] = 8
    path = tmp_path / "ZZIR.sav"
    pyreadstat.write_sav(
        frame,
        str(path),
        variable_value_labels={"v106": {0: "None", 1: "Primary", 8: "Don't know"}},
        missing_ranges={"v106": [8, 9]},
    )
    dataset = _upload(people, path.read_bytes(), "ZZIR.sav", django_capture_on_commit_callbacks)
    column = next(c for c in dataset.profile if c["name"] == "v106")
    assert column["n_missing"] == 23
    assert column["declared_missing"] == [{"code": 8, "label": "Don't know", "count": 23}]
    page = client_for("rco").get(dataset.get_absolute_url()).content.decode()
    assert "Declared missing in the file:" in page
    assert "<code>8</code> “Don&#x27;t know” (23)" in page
    assert dataset.value_label_tables()["v106"] == {0: "None", 1: "Primary", 8: "Don't know"}


def test_declared_missing_codes_are_not_offered_as_outcome_levels(
    people, client_for, tmp_path, django_capture_on_commit_callbacks
):
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"hv206": rng.choice([0.0, 1.0], 100)})
    frame.loc[:4, "hv206"] = 9
    path = tmp_path / "ZZHR.sav"
    pyreadstat.write_sav(
        frame,
        str(path),
        variable_value_labels={"hv206": {0: "No", 1: "Yes", 9: "Missing"}},
        missing_ranges={"hv206": [9]},
    )
    dataset = _upload(people, path.read_bytes(), "ZZHR.sav", django_capture_on_commit_callbacks)
    response = client_for("rco").get(dataset.get_absolute_url(), {"preset": "dhs-electricity"})
    choices = dict(response.context["form"].fields["outcome_values"].choices)
    assert set(choices) == {"0", "1"}
