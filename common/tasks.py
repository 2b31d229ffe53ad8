from celery import shared_task

from .jobs import reap_stuck_jobs


@shared_task(name="common.reap_stuck_jobs", time_limit=5 * 60)
def reap_stuck_jobs_task() -> dict[str, int]:
    """Run every few minutes by Celery beat (see CELERY_BEAT_SCHEDULE)."""
    return reap_stuck_jobs()
