"""In-process refreshes ("thread" mode, ``make run``) are debounced: they wait until no
request has been in flight for a quiet period, so the requests that follow an edit never
share the process with a recomputation; repeated edits of a group coalesce into one."""

import queue
import time

import pytest
from django.core.signals import request_finished, request_started

from evidence import refresh

PAIR = (101, "Demoland")
OTHER = (102, "Demoland")


@pytest.fixture(autouse=True)
def quiet_process():
    """Start from a quiet process: earlier tests in the same run (live-server browser tests,
    clients in other threads) may have left requests counted in flight or pairs queued."""

    def reset():
        with refresh._lock:
            refresh._activity.update(in_flight=0, last=0.0)
            refresh._pending.clear()
        while True:
            try:
                refresh._queue.get_nowait()
            except queue.Empty:
                break

    reset()
    yield
    reset()


def _request(*, enqueue=(), seconds=0.05):
    """One request, as the refresh module's receivers of Django's ``request_started`` and
    ``request_finished`` see it (called directly: the database's own receivers of those
    signals are not part of this test), asking for refreshes as an edit does."""
    refresh._request_started(signal=request_started)
    try:
        refresh._enqueue_local(set(enqueue))
        time.sleep(seconds)
    finally:
        refresh._request_finished(signal=request_finished)


def test_refreshes_wait_for_a_quiet_moment_and_coalesce(settings, monkeypatch):
    settings.EVIDENCE_REFRESH = "thread"
    settings.EVIDENCE_REFRESH_QUIET_SECONDS = 0.4
    settings.EVIDENCE_REFRESH_MAX_WAIT_SECONDS = 30
    ran: list[tuple[tuple, float]] = []
    monkeypatch.setattr(refresh, "refresh_one", lambda *pair: ran.append((pair, time.monotonic())))

    began = time.monotonic()
    _request(enqueue=[PAIR])  # an edit
    _request(enqueue=[PAIR, OTHER])  # the same group edited again, and another group
    while time.monotonic() - began < 1.2:  # requests keep coming
        _request()
    last_request = time.monotonic()
    assert ran == []  # nothing recomputed while requests were being served

    deadline = time.monotonic() + 10
    while len(ran) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(pair for pair, _at in ran) == [PAIR, OTHER]  # once each, coalesced
    assert all(at - last_request >= 0.35 for _pair, at in ran)
    assert refresh.pending() == set()


def test_a_busy_process_still_refreshes_after_the_longest_wait(settings, monkeypatch):
    settings.EVIDENCE_REFRESH = "thread"
    settings.EVIDENCE_REFRESH_QUIET_SECONDS = 5
    settings.EVIDENCE_REFRESH_MAX_WAIT_SECONDS = 0.5
    ran = []
    monkeypatch.setattr(refresh, "refresh_one", lambda *pair: ran.append(pair))
    _request(enqueue=[PAIR])
    began = time.monotonic()
    while not ran and time.monotonic() - began < 5:
        _request()
    assert ran == [PAIR] and time.monotonic() - began < 2
