from celery import shared_task

from .services import summaries_refresh


@shared_task(name="evidence.summaries_refresh", time_limit=60 * 30)
def summaries_refresh_task() -> int:
    return summaries_refresh()


@shared_task(name="evidence.summary_refresh", time_limit=60 * 5)
def summary_refresh_task(group_id: int, country: str) -> bool:
    """Recompute one group's summary in one country (enqueued by a change or a view)."""
    from django.core.cache import cache

    from .refresh import refresh_one

    cache.delete(f"evidence-refresh:{group_id}:{country}")
    return refresh_one(group_id, country)
