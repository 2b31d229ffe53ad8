"""Thin Celery tasks: load by id, call one service. Routed to the `analysis` queue.

Each message names the attempt it was sent for; the services ignore stale or repeated ones.
"""

from celery import shared_task
from django.conf import settings

from common.jobs import soft_limit

from .models import Dataset, Run
from .services import dataset_profile, run_execute

TIME_LIMIT = settings.ANALYSIS_TASK_TIME_LIMIT


@shared_task(
    name="analysis.tasks.dataset_profile",
    time_limit=TIME_LIMIT,
    soft_time_limit=soft_limit(TIME_LIMIT),
)
def dataset_profile_task(dataset_id: int, attempt: int | None = None) -> str:
    dataset = Dataset.objects.filter(pk=dataset_id).first()
    if dataset is None:
        return "gone"
    return dataset_profile(dataset=dataset, attempt=attempt).status


@shared_task(
    name="analysis.tasks.run_execute", time_limit=TIME_LIMIT, soft_time_limit=soft_limit(TIME_LIMIT)
)
def run_execute_task(run_id: int, attempt: int | None = None) -> str:
    run = Run.objects.select_related("dataset").filter(pk=run_id).first()
    if run is None:
        return "gone"
    return run_execute(run=run, attempt=attempt).status
