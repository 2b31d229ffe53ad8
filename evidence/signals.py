"""When evidence changes in any stream, group summaries become stale and are recomputed on
next view (or by the refresh task). The streams know nothing of this app."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from analysis.models import LeafGroupLink, Run
from consultations.models import FocusGroup, Narrative, Quote
from consultations.signals import submissions_imported
from recommendations.models import Assessment, Recommendation


def mark_stale_unless_pending(sender, instance, **kwargs) -> None:
    """A new story or focus group waits for review and is not evidence yet: ignore it."""
    if getattr(instance, "review_status", None) == "pending" and kwargs.get("created"):
        return
    mark_stale()


def mark_stale(**kwargs) -> None:
    from django.conf import settings
    from django.core.cache import cache
    from django.db import transaction

    from .models import GroupSummary

    GroupSummary.objects.filter(stale=False).update(stale=True)
    # With a real worker, refresh the summaries in the background soon after a change (at
    # most one refresh queued per minute), so page visitors rarely pay for it. In-process
    # (eager) mode leaves it to the next page view, not to the request that made the change.
    if not settings.CELERY_TASK_ALWAYS_EAGER and cache.add("evidence-refresh-queued", 1, 60):
        from .tasks import summaries_refresh_task

        transaction.on_commit(lambda: summaries_refresh_task.apply_async(countdown=30))


for model in (LeafGroupLink, Run, Quote, Recommendation, Assessment):
    post_save.connect(mark_stale, sender=model, dispatch_uid=f"evidence-stale-save-{model}")
for model in (Narrative, FocusGroup):
    post_save.connect(
        mark_stale_unless_pending, sender=model, dispatch_uid=f"evidence-stale-save-{model}"
    )
for model in (LeafGroupLink, Run, Narrative, FocusGroup, Quote, Recommendation, Assessment):
    post_delete.connect(mark_stale, sender=model, dispatch_uid=f"evidence-stale-del-{model}")


def mark_stale_on_m2m(sender, instance, action, **kwargs) -> None:
    if not action.startswith("post_") or getattr(instance, "review_status", None) == "pending":
        return
    mark_stale()


for through in (
    Narrative.groups.through,
    Narrative.sdg_targets.through,
    Narrative.themes.through,
    Narrative.factors.through,
    FocusGroup.groups.through,
    Recommendation.groups.through,
    Recommendation.sdg_goals.through,
    Recommendation.sdg_targets.through,
    Recommendation.factors.through,
):
    m2m_changed.connect(
        mark_stale_on_m2m, sender=through, dispatch_uid=f"evidence-stale-m2m-{through}"
    )
submissions_imported.connect(mark_stale, dispatch_uid="evidence-stale-import")
