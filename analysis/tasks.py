"""Thin Celery tasks: load by id, call one service. Routed to the `analysis` queue."""

from celery import shared_task

from .models import Dataset, Run
from .services import dataset_profile, run_execute


@shared_task(name="analysis.tasks.dataset_profile", time_limit=60 * 60, soft_time_limit=55 * 60)
def dataset_profile_task(dataset_id: int) -> str:
    dataset = Dataset.objects.filter(pk=dataset_id).first()
    if dataset is None:
        return "gone"
    return dataset_profile(dataset=dataset).status


@shared_task(name="analysis.tasks.run_execute", time_limit=60 * 60, soft_time_limit=55 * 60)
def run_execute_task(run_id: int) -> str:
    run = Run.objects.select_related("dataset").filter(pk=run_id).first()
    if run is None:
        return "gone"
    return run_execute(run=run).status
