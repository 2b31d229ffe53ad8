"""Background jobs that never hang: a status clock on the objects people watch, and a reaper.

A worker that dies mid-task (killed, out of memory, a lost host) leaves its object in a
running state; nothing else will ever move it. Each app registers, in its AppConfig.ready,
which of its models run in the background: the statuses that mean "a worker is on it", the
failed status, the field that takes the message, and the task's time limit. The reaper (a
Celery beat task and ``manage.py reap_stuck_jobs``) marks an object failed once it has been
in a running state longer than that limit plus ``JOB_REAPER_MARGIN``: by then Celery has
killed the task itself, so no live worker can still be on it. This module imports no app.

Each attempt also carries a number (``attempt``): the task message names the attempt it was
sent for, so a message delivered again after a retry (Redis redelivers unacknowledged
messages after the visibility timeout) finds a newer attempt and does nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

WORKER_STOPPED = _("The worker stopped before this finished; run it again.")


class BackgroundJob(models.Model):
    """A model whose ``status`` is moved by Celery tasks.

    ``status_changed_at`` is stamped on every save that changes ``status`` (QuerySet.update()
    bypasses it, so whoever updates in bulk sets it too). ``attempt`` is the number of the
    current attempt; a task sent for an older attempt does nothing.
    """

    status_changed_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    attempt = models.PositiveSmallIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        saved = getattr(self, "_status_as_saved", None)
        if saved is not None and self.status != saved:
            self.status_changed_at = timezone.now()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "status_changed_at"}
        super().save(*args, **kwargs)
        self._status_as_saved = self.status

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._status_as_saved = instance.__dict__.get("status")
        return instance

    def refresh_from_db(self, *args, **kwargs) -> None:
        super().refresh_from_db(*args, **kwargs)
        self._status_as_saved = self.__dict__.get("status")

    def is_current(self, attempt: int | None) -> bool:
        """Whether a task message sent for ``attempt`` is for this attempt (None: a message
        from before attempts were numbered, taken as current)."""
        return attempt is None or attempt == self.attempt


@dataclass(frozen=True)
class Reapable:
    """One kind of background object the reaper watches."""

    model: type[models.Model]
    running: tuple[str, ...]
    failed: str
    limit: Callable[[], int]  # the task's hard time limit in seconds, read when reaping
    message_field: str = "message"
    changed_at_field: str = "status_changed_at"
    finished_at_field: str | None = None

    @property
    def label(self) -> str:
        return self.model._meta.label

    def has_clock(self) -> bool:
        try:
            self.model._meta.get_field(self.changed_at_field)
        except FieldDoesNotExist:
            return False
        return True


_REGISTRY: dict[str, Reapable] = {}


def register(
    model: type[models.Model],
    *,
    running: tuple[str, ...] | list[str],
    failed: str,
    limit: Callable[[], int] | int,
    message_field: str = "message",
    changed_at_field: str = "status_changed_at",
    finished_at_field: str | None = None,
) -> None:
    """Let the reaper watch ``model`` (call from AppConfig.ready; registering again replaces).

    ``limit`` is the hard time limit of the task that moves the object out of ``running``,
    in seconds, or a function returning it (so tests and settings can change it later).
    """
    _REGISTRY[model._meta.label] = Reapable(
        model=model,
        running=tuple(running),
        failed=failed,
        limit=limit if callable(limit) else (lambda: limit),
        message_field=message_field,
        changed_at_field=changed_at_field,
        finished_at_field=finished_at_field,
    )


def registered() -> list[Reapable]:
    return list(_REGISTRY.values())


def stuck_after(kind: Reapable) -> timedelta:
    """How long an object may stay in a running state: the task's limit plus a margin."""
    return timedelta(seconds=kind.limit() + settings.JOB_REAPER_MARGIN)


def stuck(kind: Reapable, *, now=None) -> models.QuerySet:
    """The objects of ``kind`` in a running state for longer than their limit."""
    cutoff = (now or timezone.now()) - stuck_after(kind)
    return kind.model._default_manager.filter(
        status__in=kind.running, **{f"{kind.changed_at_field}__lt": cutoff}
    )


def reap_stuck_jobs(*, now=None) -> dict[str, int]:
    """Mark every stuck object failed with WORKER_STOPPED; returns how many, per model.

    Idempotent: a failed object is no longer in a running state. The update re-checks the
    status and the clock, so an object that moved on meanwhile is left alone.
    """
    now = now or timezone.now()
    reaped: dict[str, int] = {}
    for kind in registered():
        if not kind.has_clock():
            logger.warning("%s has no %s field; not reaped", kind.label, kind.changed_at_field)
            continue
        changes = {
            "status": kind.failed,
            kind.message_field: str(WORKER_STOPPED),
            kind.changed_at_field: now,
        }
        if kind.finished_at_field:
            changes[kind.finished_at_field] = now
        count = stuck(kind, now=now).update(**changes)
        if count:
            logger.warning("reaped %s stuck %s (worker stopped)", count, kind.label)
        reaped[kind.label] = count
    return reaped


def job_fail(obj: models.Model, message=WORKER_STOPPED) -> bool:
    """Mark one registered object failed with ``message`` if it is still in a running state
    (and on the same attempt). Returns whether it was; ``obj`` is reloaded either way."""
    kind = _REGISTRY[obj._meta.label]
    now = timezone.now()
    changes = {"status": kind.failed, kind.message_field: str(message), kind.changed_at_field: now}
    if kind.finished_at_field:
        changes[kind.finished_at_field] = now
    same = {"attempt": obj.attempt} if isinstance(obj, BackgroundJob) else {}
    done = kind.model._default_manager.filter(pk=obj.pk, status__in=kind.running, **same).update(
        **changes
    )
    obj.refresh_from_db()
    return bool(done)


def soft_limit(hard_limit: int) -> int:
    """The soft time limit that goes with a hard one: a task gets a few minutes (at most a
    tenth of its time) to record why it stopped before Celery kills it."""
    return max(1, hard_limit - min(5 * 60, hard_limit // 10))
