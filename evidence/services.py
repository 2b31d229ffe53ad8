"""Writes for group pages: summaries, data gaps, the HRBA analyses, comments, validation.
Every change to an analysis is recorded as a Revision (who, what, when, before/after)."""

from __future__ import annotations

from django.db import transaction
from django.forms.models import model_to_dict

from taxonomy.models import PopulationGroup

from .models import GroupSummary, Revision
from .refresh import compute_now, is_current, refresh_one


def summary_for(group: PopulationGroup, country: str) -> GroupSummary:
    """The group's stored summary in one country, recomputed first if its inputs changed
    (for tasks, commands and tests; requests use ``refresh.stored_summary``)."""
    summary = GroupSummary.objects.filter(group=group, country=country).first()
    if summary is None or summary.stale or not is_current(summary):
        summary = compute_now(group, country)
    return summary


def summaries_refresh() -> int:
    """Recompute every stale or missing summary (the periodic task, after imports): one per
    group and country that has organisations."""
    from accounts.models import Organisation

    countries = sorted(set(Organisation.objects.values_list("country", flat=True)))
    count = 0
    for group in PopulationGroup.objects.all():
        for country in countries:
            count += refresh_one(group.pk, country)
    return count


def _snapshot(obj) -> dict:
    data = model_to_dict(obj)
    return {
        k: (v if isinstance(v, (str, int, float, bool, type(None))) else str(v))
        for k, v in data.items()
    }


@transaction.atomic
def analysis_save(
    *, obj, group: PopulationGroup, user, country: str | None = None, m2m: dict | None = None
):
    """Create or change an element of the analyses, with its revision. A new element gets
    ``country`` (the page's); an existing one keeps its own."""
    if not getattr(obj, "country", "") and country:
        obj.country = country
    if hasattr(obj, "role_id") and obj.role_id and not obj.country:
        obj.country = obj.role.country
    before = None
    if obj.pk:
        before = _snapshot(type(obj).objects.get(pk=obj.pk))
    obj.full_clean()
    obj.save()
    for field, values in (m2m or {}).items():
        getattr(obj, field).set(values)
    Revision.objects.create(
        group=group,
        country=obj.country,
        author=user,
        element=f"{obj._meta.model_name}:{obj.pk}",
        change="changed" if before else "created",
        before=before,
        after=_snapshot(obj),
    )
    return obj


@transaction.atomic
def analysis_delete(*, obj, group: PopulationGroup, user) -> None:
    Revision.objects.create(
        group=group,
        country=obj.country,
        author=user,
        element=f"{obj._meta.model_name}:{obj.pk}",
        change="deleted",
        before=_snapshot(obj),
    )
    obj.delete()
