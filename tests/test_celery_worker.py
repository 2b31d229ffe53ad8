"""A real Celery worker process, started against the real Redis broker, completes a task."""

import os
import subprocess
import sys
import time
import uuid

import pytest

REDIS_URL = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")


def redis_available() -> bool:
    import redis

    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        return False


@pytest.mark.celery_worker
def test_real_worker_completes_a_task(monkeypatch):
    if not redis_available():
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail(f"Redis is required but not reachable at {REDIS_URL}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lnob_portal.settings.test",
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "lnob_portal",
            "worker",
            "-Q",
            queue,
            "--pool=solo",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
            f"--hostname={queue}@%h",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        # The test process talks to the same broker through a fresh Celery app. Celery lets
        # CELERY_BROKER_URL in the environment override the broker argument, so set both.
        from celery import Celery

        monkeypatch.setenv("CELERY_BROKER_URL", REDIS_URL)
        monkeypatch.setenv("CELERY_RESULT_BACKEND", REDIS_URL)

        client = Celery("lnob_test_client", broker=REDIS_URL, backend=REDIS_URL)
        result = client.send_task("portal.ping", args=["hello"], queue=queue)
        deadline = time.monotonic() + 60
        while not result.ready() and time.monotonic() < deadline:
            if worker.poll() is not None:
                pytest.fail(f"worker exited early: {worker.stdout.read().decode()[-2000:]}")
            time.sleep(0.2)
        assert result.ready(), "the worker did not complete the task within 60 s"
        assert result.get(timeout=5)["value"] == "hello"
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
        worker.stdout.close()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_runs_an_analysis_on_the_analysis_queue(monkeypatch, people, tmp_path):
    """An LNOB run goes to the `analysis` queue and a worker on another process computes it
    against the same PostgreSQL database."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from analysis import services
    from analysis.indicators import ESCAP_PRESETS
    from analysis.models import Run
    from analysis.synthetic import generate_dhs_like

    if not redis_available() or connection.vendor != "postgresql":
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail("Redis and PostgreSQL are required for this test")
        pytest.skip("needs Redis and PostgreSQL (a worker cannot see an in-memory SQLite)")
    path = tmp_path / "HR.dta"
    generate_dhs_like(seed=5, n_households=800)["HR"].write_dta(path)
    dataset = services.dataset_upload(
        uploaded=SimpleUploadedFile("HR.dta", path.read_bytes()),
        title="HR",
        country="Demoland",
        survey_kind="DHS",
        survey_round="2022",
        user=people.rco,
    )
    services.dataset_profile(dataset=dataset)
    indicator = services.indicator_for(definition=ESCAP_PRESETS["dhs-electricity"].to_dict())
    # Created directly (not through runs_start) so that no in-process task computes it first.
    run = Run.objects.create(
        dataset=dataset,
        indicator=indicator,
        batch=uuid.uuid4(),
        definition=indicator.definition,
        dataset_sha256=dataset.sha256,
    )
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    queue = f"analysis-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lnob_portal.settings.test",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "lnob_portal",
            "worker",
            "-Q",
            queue,
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
            f"--hostname={queue}@%h",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        from celery import Celery

        monkeypatch.setenv("CELERY_BROKER_URL", REDIS_URL)
        monkeypatch.setenv("CELERY_RESULT_BACKEND", REDIS_URL)
        client = Celery("lnob_test_client", broker=REDIS_URL, backend=REDIS_URL)
        result = client.send_task("analysis.tasks.run_execute", args=[run.pk], queue=queue)
        assert result.get(timeout=90) == "succeeded"
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
        worker.stdout.close()
    run.refresh_from_db()
    assert run.status == Run.Status.SUCCEEDED and run.result["furthest_behind"]["path"]
