"""The portal's Celery app for a test worker whose analyses are slow, so that a test can kill
the worker in the middle of a run (tests/test_celery_worker.py). Start it with
``celery -A tests.slow_worker worker`` and LNOB_TEST_SLOW_RUN_SECONDS in its environment."""

import os
import time

from celery.signals import worker_ready

from lnob_portal.celery import app

__all__ = ["app"]


@worker_ready.connect
def _slow_down_analyses(**kwargs) -> None:
    from analysis import bridge

    compute_run = bridge.compute_run
    delay = float(os.environ.get("LNOB_TEST_SLOW_RUN_SECONDS", "0"))

    def slow_compute_run(**arguments):
        time.sleep(delay)
        return compute_run(**arguments)

    bridge.compute_run = slow_compute_run
