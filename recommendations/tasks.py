"""Thin Celery tasks: load the import by id and call one service. A big UHRI file is read
here, never in the web request."""

from celery import shared_task

from accounts.models import User

from .models import ImportJob
from .services import import_commit, import_preview

TIME_LIMIT = 2 * 60 * 60


@shared_task(
    name="recommendations.tasks.import_preview",
    time_limit=TIME_LIMIT,
    soft_time_limit=TIME_LIMIT - 300,
)
def import_preview_task(job_id: int) -> str:
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return "gone"
    return import_preview(job=job).status


@shared_task(
    name="recommendations.tasks.import_commit",
    time_limit=TIME_LIMIT,
    soft_time_limit=TIME_LIMIT - 300,
)
def import_commit_task(job_id: int, user_id: int | None = None) -> str:
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return "gone"
    user = User.objects.filter(pk=user_id).first() if user_id else None
    return import_commit(job=job, user=user).status
