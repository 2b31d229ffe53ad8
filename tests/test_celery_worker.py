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
    from demo.synthetic import generate_dhs_like

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


def _worker(queue: str, env: dict, app: str = "lnob_portal") -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            app,
            "worker",
            "-Q",
            queue,
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
            f"--hostname={queue}-{uuid.uuid4().hex[:4]}@%h",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _wait_for(condition, worker: subprocess.Popen, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if worker.poll() is not None:
            pytest.fail(f"worker exited early: {worker.stdout.read().decode()[-2000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {seconds} s")
        time.sleep(0.2)


def _stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    worker.stdout.close()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_run_whose_worker_is_killed_is_reaped_and_can_be_run_again(
    monkeypatch, settings, people, client_for, tmp_path
):
    """kill -9 the worker in the middle of a run: the run stays "running" until the reaper
    fails it with a message; RCO staff run it again and a fresh worker finishes it."""
    from types import SimpleNamespace

    from celery import Celery
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse

    from analysis import services
    from analysis import tasks as analysis_tasks
    from analysis.indicators import ESCAP_PRESETS
    from analysis.models import Run
    from common.jobs import WORKER_STOPPED
    from demo.synthetic import generate_dhs_like

    if not redis_available() or connection.vendor != "postgresql":
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail("Redis and PostgreSQL are required for this test")
        pytest.skip("needs Redis and PostgreSQL (a worker cannot see an in-memory SQLite)")
    path = tmp_path / "HR.dta"
    generate_dhs_like(seed=6, n_households=600)["HR"].write_dta(path)
    dataset = services.dataset_upload(
        uploaded=SimpleUploadedFile("HR.dta", path.read_bytes()),
        title="HR",
        country="Demoland",
        survey_kind="DHS",
        survey_round="2022",
        user=people.rco,
    )
    # Profiled here (an earlier test's client app may have become Celery's current app).
    services.dataset_profile(dataset=dataset)
    dataset.refresh_from_db()
    assert dataset.status == "ready"
    indicator = services.indicator_for(definition=ESCAP_PRESETS["dhs-electricity"].to_dict())
    run = Run.objects.create(  # not through runs_start, so no in-process task computes it
        dataset=dataset,
        indicator=indicator,
        batch=uuid.uuid4(),
        definition=indicator.definition,
        dataset_sha256=dataset.sha256,
        created_by=people.rco,
    )
    db = connection.settings_dict
    queue = f"analysis-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lnob_portal.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "ANALYSIS_TASK_TIME_LIMIT": "3",
        "JOB_REAPER_MARGIN": "1",
    }
    monkeypatch.setenv("CELERY_BROKER_URL", REDIS_URL)
    monkeypatch.setenv("CELERY_RESULT_BACKEND", REDIS_URL)
    client = Celery("lnob_test_client", broker=REDIS_URL, backend=REDIS_URL, set_as_current=False)

    def status() -> str:
        run.refresh_from_db()
        return run.status

    # 1. A worker starts the run and dies with it (SIGKILL: no chance to say anything).
    slow = _worker(queue, {**env, "LNOB_TEST_SLOW_RUN_SECONDS": "120"}, app="tests.slow_worker")
    try:
        client.send_task("analysis.tasks.run_execute", args=[run.pk, run.attempt], queue=queue)
        _wait_for(lambda: status() == "running", slow, 40, "the worker did not start the run")
        slow.kill()
        slow.wait(timeout=10)
    finally:
        _stop(slow)

    # 2. Nothing moves it until the reaper: first within its limit, then past it.
    settings.ANALYSIS_TASK_TIME_LIMIT, settings.JOB_REAPER_MARGIN = 3, 1
    call_command("reap_stuck_jobs", stdout=open(os.devnull, "w"))
    assert status() == "running"
    time.sleep(max(0.0, 4.2 - (time.time() - run.status_changed_at.timestamp())))
    call_command("reap_stuck_jobs", stdout=open(os.devnull, "w"))
    assert status() == "failed" and run.message == str(WORKER_STOPPED)

    # 3. The page says so and offers to run it again; a fresh worker finishes it.
    rco = client_for("rco")
    page = rco.get(reverse("analysis:run_detail", args=[run.pk])).content.decode()
    assert str(WORKER_STOPPED) in page and reverse("analysis:run_retry", args=[run.pk]) in page
    sent = []

    def delay(pk, attempt):
        sent.append(attempt)
        client.send_task("analysis.tasks.run_execute", args=[pk, attempt], queue=queue)

    monkeypatch.setattr(analysis_tasks, "run_execute_task", SimpleNamespace(delay=delay))
    assert rco.post(reverse("analysis:run_retry", args=[run.pk])).status_code == 302
    assert sent == [2]
    fresh = _worker(queue, env)
    try:
        _wait_for(lambda: status() == "succeeded", fresh, 60, "the run did not finish")
        assert run.attempt == 2 and run.message == "" and run.result["furthest_behind"]["path"]
        # The dead worker's message, delivered again, is for an old attempt: nothing happens.
        finished_at = run.finished_at
        stale = client.send_task("analysis.tasks.run_execute", args=[run.pk, 1], queue=queue)
        assert stale.get(timeout=30) == "succeeded"
        run.refresh_from_db()
        assert run.finished_at == finished_at
    finally:
        _stop(fresh)
