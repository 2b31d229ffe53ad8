"""Thin Celery tasks: load the import by id and call one service. A big UHRI file is read
here, never in the web request. Each message names the attempt it was sent for; the services
ignore stale or repeated ones."""

from celery import shared_task
from django.conf import settings

from accounts.models import User
from common.jobs import soft_limit

from .models import ImportJob
from .services import import_commit, import_preview

TIME_LIMIT = settings.IMPORT_TASK_TIME_LIMIT


@shared_task(
    name="recommendations.tasks.import_preview",
    time_limit=TIME_LIMIT,
    soft_time_limit=soft_limit(TIME_LIMIT),
)
def import_preview_task(job_id: int, attempt: int | None = None) -> str:
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return "gone"
    return import_preview(job=job, attempt=attempt).status


@shared_task(
    name="recommendations.tasks.import_commit",
    time_limit=TIME_LIMIT,
    soft_time_limit=soft_limit(TIME_LIMIT),
)
def import_commit_task(job_id: int, user_id: int | None = None, attempt: int | None = None) -> str:
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return "gone"
    user = User.objects.filter(pk=user_id).first() if user_id else None
    return import_commit(job=job, user=user, attempt=attempt).status
