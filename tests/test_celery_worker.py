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
