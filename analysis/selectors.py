"""Reads of analysis results that several views (and later the group pages) need."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts import policy
from accounts.policy import Action
from analysis.engine import GroupEstimate, heat_measures

from .models import Run


def visible_runs(*, user) -> QuerySet[Run]:
    return policy.scope(user, Run.objects.select_related("dataset", "indicator"), Action.LIST)


def run_heat(*, run: Run, dimension: str):
    """HEAT summary measures for one circumstance of a finished run, from stored estimates."""
    result = run.result or {}
    groups = result.get("dimensions", {}).get(dimension)
    if not groups:
        return None
    kinds = {c["name"]: c["kind"] for c in result.get("circumstances", [])}
    estimates = tuple(GroupEstimate(**g) for g in groups)
    # HEAT fits SII/RII by logistic regression for binary indicators; runs stored before the
    # "outcome_binary" key count as binary when every group estimate is a proportion.
    binary = result.get("outcome_binary")
    if binary is None:
        binary = all(0 <= g.estimate <= 1 for g in estimates)
    return heat_measures(
        estimates,
        ordered=kinds.get(dimension) == "ordered",
        favourable=not result.get("barrier"),
        binary=bool(binary),
    )


def run_trend(*, run: Run, user) -> list[Run]:
    """Finished national runs of the same indicator across survey rounds, oldest first."""
    runs = visible_runs(user=user).filter(
        indicator__slug=run.indicator.slug,
        region=run.region,
        status=Run.Status.SUCCEEDED,
        dataset__country=run.dataset.country,
    )
    latest: dict[str, Run] = {}
    for candidate in runs.order_by("created_at"):
        latest[candidate.dataset.survey_round] = candidate
    return [latest[key] for key in sorted(latest)]
