"""Keeping group summaries fresh off the request path.

A change in a stream marks stale only the summaries of the groups it touches (``signals``)
and enqueues their refresh after the commit. A request serves the last computed summary
with its time and enqueues a refresh if it is stale; it computes in the request only a
summary that was never computed (one group, the one asked for).

``settings.EVIDENCE_REFRESH`` says where refreshes run:

- ``"celery"`` (a worker is configured): one task per group × country;
- ``"thread"`` (in-process tasks, ``make run``): a small in-process queue, coalesced per
  group × country, drained by one daemon thread after the response — and only once no request
  has been in flight for ``EVIDENCE_REFRESH_QUIET_SECONDS`` (debounced), so that the requests
  that follow an edit never share the process with a recomputation (a busy site still gets
  its refresh after ``EVIDENCE_REFRESH_MAX_WAIT_SECONDS``);
- ``"inline"`` (the test suite's default): a stale summary is recomputed when requested, so
  a test reads what it just changed; no background work.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterable

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.utils import timezone

from .models import GroupSummary
from .summary import FORMAT, compute_summary, headline_of

logger = logging.getLogger(__name__)

Pair = tuple[int, str]  # (group id, country)


def mode() -> str:
    configured = getattr(settings, "EVIDENCE_REFRESH", "")
    if configured:
        return configured
    return "thread" if settings.CELERY_TASK_ALWAYS_EAGER else "celery"


def compute_now(group, country: str) -> GroupSummary:
    """Recompute one group's summary in one country. ``stale`` is cleared *before* the
    streams are read, so a change committed meanwhile marks it stale again."""
    summary, _created = GroupSummary.objects.get_or_create(group=group, country=country)
    GroupSummary.objects.filter(pk=summary.pk).update(stale=False)
    summary.data = compute_summary(group, country)
    summary.headline = headline_of(summary.data)
    summary.computed_at = timezone.now()
    summary.save(update_fields=["data", "headline", "computed_at"])
    summary.refresh_from_db(fields=["stale"])
    return summary


def is_current(summary: GroupSummary | None) -> bool:
    return bool(summary and summary.data and summary.data.get("format") == FORMAT)


def headline_is_current(headline: dict | None) -> bool:
    """A stored headline (``GroupSummary.headline``) of the current layout."""
    return bool(headline and headline.get("format") == FORMAT)


def stored_summary(group, country: str) -> GroupSummary:
    """The last computed summary (a refresh is enqueued if it is stale); computed now only
    if it never was."""
    summary = GroupSummary.objects.filter(group=group, country=country).first()
    if not is_current(summary):
        return compute_now(group, country)
    if summary.stale:
        if mode() == "inline":
            return compute_now(group, country)
        request_refresh([(group.pk, country)])
    return summary


# ---------------------------------------------------------------------------
# The queue
# ---------------------------------------------------------------------------

_queue: queue.Queue[tuple[Pair, float]] = queue.Queue()  # (pair, when it was queued)
_pending: set[Pair] = set()
_lock = threading.Lock()
_worker: threading.Thread | None = None


def request_refresh(pairs: Iterable[Pair]) -> None:
    """Refresh these summaries after the current transaction commits (never in it)."""
    pairs = set(pairs)
    how = mode()
    if not pairs or how == "inline":
        return
    if how == "celery":
        transaction.on_commit(lambda: _enqueue_tasks(pairs))
    else:
        transaction.on_commit(lambda: _enqueue_local(pairs))


def _enqueue_tasks(pairs: set[Pair]) -> None:
    from django.core.cache import cache

    from .tasks import summary_refresh_task

    for group_id, country in pairs:
        # At most one queued task per summary; the task clears the key before computing.
        if cache.add(f"evidence-refresh:{group_id}:{country}", 1, 600):
            summary_refresh_task.delay(group_id, country)


_local = threading.local()
# Requests in flight in this process and when the last one began or ended (monotonic).
_activity = {"in_flight": 0, "last": 0.0}


def quiet_seconds() -> float:
    return float(getattr(settings, "EVIDENCE_REFRESH_QUIET_SECONDS", 1.0))


def max_wait_seconds() -> float:
    return float(getattr(settings, "EVIDENCE_REFRESH_MAX_WAIT_SECONDS", 60.0))


def _request_started(**kwargs) -> None:
    _local.in_request, _local.held = True, set()
    with _lock:
        _activity["in_flight"] += 1
        _activity["last"] = time.monotonic()


def _request_finished(**kwargs) -> None:
    """The response has been sent: queue the refreshes the request asked for (they start
    once the process is quiet)."""
    held = getattr(_local, "held", set())
    was_in_request = getattr(_local, "in_request", False)
    _local.in_request, _local.held = False, set()
    with _lock:
        if was_in_request:
            _activity["in_flight"] = max(0, _activity["in_flight"] - 1)
        _activity["last"] = time.monotonic()
    if held:
        _start(held)


def _wait_until_quiet(since: float) -> None:
    """Block the refresh thread until no request is in flight and none began or ended for
    ``quiet_seconds()``, or until ``max_wait_seconds()`` after ``since``."""
    quiet, deadline = quiet_seconds(), since + max_wait_seconds()
    while True:
        now = time.monotonic()
        with _lock:
            idle = _activity["in_flight"] == 0 and now - _activity["last"] >= quiet
            wait = quiet - (now - _activity["last"])
        if idle or now >= deadline:
            return
        time.sleep(min(max(wait, 0.02), 0.25))


request_started.connect(_request_started, dispatch_uid="evidence-refresh-request-started")
request_finished.connect(_request_finished, dispatch_uid="evidence-refresh-request-finished")


def _enqueue_local(pairs: set[Pair]) -> None:
    """Hold the pairs until the response is sent (in a request), else start at once."""
    if getattr(_local, "in_request", False):
        _local.held |= pairs
    else:
        _start(pairs)


def _start(pairs: set[Pair]) -> None:
    global _worker
    with _lock:
        for pair in pairs - _pending:
            _pending.add(pair)
            _queue.put((pair, time.monotonic()))
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_drain, name="evidence-refresh", daemon=True)
            _worker.start()


def _drain() -> None:
    while True:
        try:
            pair, queued_at = _queue.get(timeout=5)
        except queue.Empty:
            return
        # Debounce: wait for a quiet moment; edits meanwhile coalesce into ``_pending``.
        _wait_until_quiet(queued_at)
        with _lock:
            _pending.discard(pair)
        try:
            refresh_one(*pair)
        except Exception:  # a failed refresh leaves the summary stale; the next view retries
            logger.exception("Refreshing the evidence summary %s failed", pair)
        finally:
            close_old_connections()


def pending() -> set[Pair]:
    with _lock:
        return set(_pending)


def refresh_one(group_id: int, country: str) -> bool:
    """Recompute one summary if it is (still) stale or was never computed."""
    from taxonomy.models import PopulationGroup

    summary = GroupSummary.objects.filter(group_id=group_id, country=country).first()
    if summary is not None and is_current(summary) and not summary.stale:
        return False
    group = PopulationGroup.objects.filter(pk=group_id).first()
    if group is None:
        return False
    compute_now(group, country)
    return True


def voice_changed(country: str) -> None:
    """A story of the country changed: the cached country-wide signifier totals are out of
    date. Bumped at once (so this process and transaction miss the cache) and again after the
    commit (so a refresh that read the old stories meanwhile cannot keep its totals)."""
    import uuid

    from django.core.cache import cache

    from .summary import voice_generation_key

    def bump() -> None:
        cache.set(voice_generation_key(country), uuid.uuid4().hex, None)

    bump()
    transaction.on_commit(bump)


def mark_stale(country: str | None, group_ids: Iterable[int]) -> set[Pair]:
    """Mark stale the summaries of these groups, their broader groups and the intersections
    they are part of (whose evidence includes theirs), in one country (``None``: every
    country); enqueue their refresh. Returns the pairs marked."""
    from taxonomy.models import PopulationGroup

    ids = {i for i in group_ids if i}
    if not ids:
        return set()
    ids |= set(
        PopulationGroup.objects.filter(pk__in=ids, parent__isnull=False).values_list(
            "parent_id", flat=True
        )
    )
    ids |= set(
        PopulationGroup.components.through.objects.filter(
            to_populationgroup_id__in=ids
        ).values_list("from_populationgroup_id", flat=True)
    )
    summaries = GroupSummary.objects.filter(group_id__in=ids)
    if country is not None:
        summaries = summaries.filter(country=country)
    pairs = set(summaries.values_list("group_id", "country"))
    summaries.filter(stale=False).update(stale=True)
    request_refresh(pairs)
    return pairs
