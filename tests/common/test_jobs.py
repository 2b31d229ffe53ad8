"""The reaper fails background jobs a dead worker left running; people can run them again."""

import datetime
import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from analysis.models import Dataset, Run
from common import jobs
from common.jobs import WORKER_STOPPED, reap_stuck_jobs
from consultations.models import Upload
from recommendations.models import ImportJob
from tests.consultations.factories import consultation_objects
from tests.factories import run_with_result

LIMITS = {
    "analysis.Run": "ANALYSIS_TASK_TIME_LIMIT",
    "analysis.Dataset": "ANALYSIS_TASK_TIME_LIMIT",
    "recommendations.ImportJob": "IMPORT_TASK_TIME_LIMIT",
    "consultations.Upload": "UPLOAD_TASK_TIME_LIMIT",
}


def make_run(people, status):
    run = run_with_result(published=False)
    Run.objects.filter(pk=run.pk).update(status=status, result=None)
    return Run.objects.get(pk=run.pk)


def make_dataset(people, status):
    dataset = run_with_result(published=False).dataset
    Dataset.objects.filter(pk=dataset.pk).update(status=status)
    return Dataset.objects.get(pk=dataset.pk)


def make_import(people, status):
    return ImportJob.objects.create(
        country="Demoland", kind="template", original_name="x.csv", status=status
    )


def make_upload(people, status):
    objs = consultation_objects(people)
    return Upload.objects.create(
        campaign=objs.campaign,
        instrument=objs.instrument,
        organisation=people.partner_org,
        file="uploads/x.csv",
        original_name="x.csv",
        status=status,
    )


# label: (make, a running status, a finished status)
KINDS = {
    "analysis.Run": (make_run, "running", "succeeded"),
    "analysis.Dataset": (make_dataset, "profiling", "ready"),
    "recommendations.ImportJob": (make_import, "previewing", "succeeded"),
    "recommendations.ImportJob/importing": (make_import, "importing", "previewed"),
    "consultations.Upload": (make_upload, "importing", "imported"),
}


def kind_of(label):
    return next(k for k in jobs.registered() if k.label == label.split("/")[0])


def age(obj, kind, seconds):
    """Pretend the object's status last changed ``seconds`` ago."""
    then = timezone.now() - datetime.timedelta(seconds=seconds)
    type(obj).objects.filter(pk=obj.pk).update(**{kind.changed_at_field: then})


def test_every_background_model_is_registered():
    assert {k.label for k in jobs.registered()} >= set(LIMITS)
    for kind in jobs.registered():
        assert kind.limit() == getattr(settings, LIMITS[kind.label])


@pytest.mark.parametrize("label", sorted(KINDS))
def test_stuck_jobs_fail_fresh_and_finished_ones_do_not(label, people, settings):
    make, running, finished = KINDS[label]
    kind = kind_of(label)
    if not kind.has_clock():
        pytest.skip(f"{kind.label} has no {kind.changed_at_field} yet (upload state machine)")
    settings.JOB_REAPER_MARGIN = 60
    limit = kind.limit() + 60
    stuck, fresh, done = make(people, running), make(people, running), make(people, finished)
    age(stuck, kind, limit + 5)
    age(fresh, kind, limit - 30)
    age(done, kind, limit * 10)

    reaped = reap_stuck_jobs()

    assert reaped[kind.label] == 1
    for obj in (stuck, fresh, done):
        obj.refresh_from_db()
    assert stuck.status == kind.failed
    assert getattr(stuck, kind.message_field) == str(WORKER_STOPPED)
    assert fresh.status == running
    assert done.status == finished
    # Idempotent: the failed one is no longer running, the others are as they were.
    assert reap_stuck_jobs()[kind.label] == 0


def test_the_limit_follows_the_settings(people, settings):
    run = make_run(people, "running")
    age(run, kind_of("analysis.Run"), 30)
    assert reap_stuck_jobs()["analysis.Run"] == 0
    settings.ANALYSIS_TASK_TIME_LIMIT, settings.JOB_REAPER_MARGIN = 10, 10
    assert reap_stuck_jobs()["analysis.Run"] == 1
    run.refresh_from_db()
    assert run.status == "failed" and run.finished_at is not None


def test_a_model_without_a_clock_is_skipped(people, monkeypatch):
    monkeypatch.setattr(jobs, "_REGISTRY", dict(jobs._REGISTRY))
    jobs.register(Upload, running=["importing"], failed="failed", limit=0, changed_at_field="nope")
    assert "consultations.Upload" not in reap_stuck_jobs()


def test_the_command_reaps(people, settings):
    settings.ANALYSIS_TASK_TIME_LIMIT, settings.JOB_REAPER_MARGIN = 1, 1
    run = make_run(people, "running")
    age(run, kind_of("analysis.Run"), 5)
    out = io.StringIO()
    call_command("reap_stuck_jobs", stdout=out)
    assert "analysis.Run: 1 stuck" in out.getvalue()
    run.refresh_from_db()
    assert run.status == "failed"


def test_status_changes_stamp_the_clock(people):
    run = make_run(people, "queued")
    age(run, kind_of("analysis.Run"), 3600)
    run.refresh_from_db()
    before = run.status_changed_at
    run.message = "no status change"
    run.save(update_fields=["message"])
    run.refresh_from_db()
    assert run.status_changed_at == before
    run.status = "running"
    run.save(update_fields=["status"])
    run.refresh_from_db()
    assert run.status_changed_at > before


def test_celery_gives_back_lost_tasks_and_waits_longer_than_any_task():
    from lnob_portal.celery import app

    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    for limit in (
        settings.CELERY_TASK_TIME_LIMIT,
        settings.ANALYSIS_TASK_TIME_LIMIT,
        settings.IMPORT_TASK_TIME_LIMIT,
        settings.UPLOAD_TASK_TIME_LIMIT,
    ):
        assert visibility > limit
    from analysis.tasks import run_execute_task
    from recommendations.tasks import import_preview_task

    assert run_execute_task.time_limit == settings.ANALYSIS_TASK_TIME_LIMIT
    assert import_preview_task.time_limit == settings.IMPORT_TASK_TIME_LIMIT
    assert run_execute_task.soft_time_limit < run_execute_task.time_limit
    schedule = settings.CELERY_BEAT_SCHEDULE["jobs-reap-stuck"]
    assert schedule["task"] == "common.reap_stuck_jobs"
    assert schedule["schedule"] <= 10 * 60


# --- tasks delivered twice, and retry ---------------------------------------------------------


def test_a_run_task_for_an_old_attempt_or_a_finished_run_does_nothing(people, monkeypatch):
    from analysis import bridge, services

    monkeypatch.setattr(bridge, "compute_run", lambda **kw: pytest.fail("computed"))
    run = make_run(people, "succeeded")
    assert services.run_execute(run=run).status == "succeeded"
    Run.objects.filter(pk=run.pk).update(status="queued", attempt=2)
    run.refresh_from_db()
    assert services.run_execute(run=run, attempt=1).status == "queued"


def test_a_run_given_back_by_a_dead_worker_fails_instead_of_running_again(people, monkeypatch):
    from analysis import bridge, services

    monkeypatch.setattr(bridge, "compute_run", lambda **kw: pytest.fail("computed"))
    run = make_run(people, "running")
    run = services.run_execute(run=run, attempt=run.attempt)
    assert run.status == "failed" and run.message == str(WORKER_STOPPED)


def test_a_profile_given_back_by_a_dead_worker_fails_and_keeps_the_file(people):
    from analysis import services

    dataset = make_dataset(people, "profiling")
    Dataset.objects.filter(pk=dataset.pk).update(started_at=timezone.now())
    dataset.refresh_from_db()
    dataset = services.dataset_profile(dataset=dataset, attempt=1)
    assert dataset.status == "failed" and dataset.message == str(WORKER_STOPPED)
    assert dataset.file.name == "surveys/x.dta"
    # Delivered again: nothing changes.
    assert services.dataset_profile(dataset=dataset, attempt=1).message == str(WORKER_STOPPED)


def test_retry_a_failed_run_through_the_page(
    people, client_for, monkeypatch, tmp_path, settings, django_capture_on_commit_callbacks
):
    from analysis import bridge

    # The run reads its survey file through the storage (a local copy), so it must exist.
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "surveys").mkdir()
    (tmp_path / "surveys" / "x.dta").write_bytes(b"")
    run = make_run(people, "running")
    Run.objects.filter(pk=run.pk).update(status="failed", message=str(WORKER_STOPPED))
    rco = client_for("rco")
    page = rco.get(reverse("analysis:run_detail", args=[run.pk])).content.decode()
    assert "The worker stopped before this finished" in page
    assert reverse("analysis:run_retry", args=[run.pk]) in page

    seen = {}

    def compute_run(**kwargs):
        seen.update(kwargs)
        return {"engine_version": "test", "nodes": []}

    monkeypatch.setattr(bridge, "compute_run", compute_run)
    with django_capture_on_commit_callbacks(execute=True):
        response = rco.post(reverse("analysis:run_retry", args=[run.pk]))
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == "succeeded" and run.attempt == 2 and run.message == ""
    assert seen["definition"] == run.definition  # the same immutable definition


def test_only_failed_runs_are_retried_and_only_by_rco_staff(people, client_for):
    run = make_run(people, "failed")
    for role in ("partner_own", "unct"):
        assert client_for(role).post(reverse("analysis:run_retry", args=[run.pk])).status_code in (
            403,
            404,
        )
    run.refresh_from_db()
    assert run.status == "failed" and run.attempt == 1
    Run.objects.filter(pk=run.pk).update(status="succeeded")
    client_for("rco").post(reverse("analysis:run_retry", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == "succeeded" and run.attempt == 1


def test_reprofile_a_failed_dataset(
    people, client_for, monkeypatch, tmp_path, settings, django_capture_on_commit_callbacks
):
    from analysis import services

    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "surveys").mkdir()
    (tmp_path / "surveys" / "x.dta").write_bytes(b"")
    dataset = make_dataset(people, "failed")
    Dataset.objects.filter(pk=dataset.pk).update(message=str(WORKER_STOPPED))
    rco = client_for("rco")
    page = rco.get(reverse("analysis:dataset_detail", args=[dataset.pk])).content.decode()
    assert "The worker stopped before this finished" in page
    assert reverse("analysis:dataset_reprofile", args=[dataset.pk]) in page
    monkeypatch.setattr(services, "profile_survey", lambda path, **kwargs: [])
    monkeypatch.setattr(services, "read_survey_metadata", lambda path, **kwargs: ([], {}, {}))
    with django_capture_on_commit_callbacks(execute=True):
        response = rco.post(reverse("analysis:dataset_reprofile", args=[dataset.pk]))
    assert response.status_code == 302
    dataset.refresh_from_db()
    assert dataset.status == "ready" and dataset.attempt == 2, dataset.message


def test_a_dataset_whose_file_is_gone_cannot_be_profiled_again(people, client_for):
    dataset = make_dataset(people, "failed")  # its file, surveys/x.dta, is not on disk
    response = client_for("rco").post(reverse("analysis:dataset_reprofile", args=[dataset.pk]))
    assert response.status_code == 302
    dataset.refresh_from_db()
    assert dataset.status == "failed" and dataset.attempt == 1


def test_retry_a_failed_import(
    people, client_for, monkeypatch, tmp_path, settings, django_capture_on_commit_callbacks
):
    from recommendations import services

    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "recommendations").mkdir()
    (tmp_path / "recommendations" / "x.csv").write_text("")
    job = make_import(people, "failed")
    job.file.name = "recommendations/x.csv"
    job.message = str(WORKER_STOPPED)
    job.save()
    rco = client_for("rco")
    page = rco.get(reverse("recommendations:import_detail", args=[job.pk])).content.decode()
    assert "The worker stopped before this finished" in page
    assert reverse("recommendations:import_retry", args=[job.pk]) in page
    monkeypatch.setattr(services, "_run", lambda job, dry_run: None)  # reading: a no-op
    with django_capture_on_commit_callbacks(execute=True):
        response = rco.post(reverse("recommendations:import_retry", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.attempt == 2 and job.message == "" and job.status == "previewing"
    assert job.started_at is not None  # a worker (in-process here) began reading it


def test_an_import_task_for_an_older_attempt_does_nothing(people, monkeypatch):
    from recommendations import services

    monkeypatch.setattr(services, "_run", lambda job, dry_run: pytest.fail("read"))
    job = make_import(people, "importing")
    ImportJob.objects.filter(pk=job.pk).update(attempt=3)
    job.refresh_from_db()
    assert services.import_commit(job=job, attempt=2).status == "importing"
    assert services.import_preview(job=job, attempt=3).status == "importing"


def test_a_reaped_upload_keeps_no_raw_file(people, settings, tmp_path):
    """The reaper fails a stuck upload in bulk; the hourly purge then deletes its raw file,
    which may hold stories with phone numbers (nothing is kept of a failed upload)."""
    from consultations.uploads import uploads_raw_purge

    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "uploads").mkdir()
    raw = tmp_path / "uploads" / "x.csv"
    raw.write_text("story,phone\nThe well is dry,+254 700 000000\n")
    upload = make_upload(people, "importing")
    kind = kind_of("consultations.Upload")
    age(upload, kind, kind.limit() + settings.JOB_REAPER_MARGIN + 60)
    assert reap_stuck_jobs()["consultations.Upload"] == 1
    upload.refresh_from_db()
    assert upload.status == "failed" and str(WORKER_STOPPED) in upload.message
    assert raw.exists()
    uploads_raw_purge()
    upload.refresh_from_db()
    assert not raw.exists() and not upload.file
