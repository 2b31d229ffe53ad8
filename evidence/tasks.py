from celery import shared_task

from .services import summaries_refresh


@shared_task(name="evidence.summaries_refresh", time_limit=60 * 30)
def summaries_refresh_task() -> int:
    return summaries_refresh()
