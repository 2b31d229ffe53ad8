"""Reads of analysis results that several views (and later the group pages) need."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import QuerySet

from accounts import policy
from accounts.policy import Action
from analysis.engine import GroupEstimate, heat_measures

from .models import LeafGroupLink, Run
from .results import RunResult


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


@dataclass(frozen=True)
class SurveyEvidence:
    """One survey leaf an analyst linked to a group: a finished, published run's node."""

    run: int
    indicator: str
    slug: str
    goal: int | None
    round: str
    region: str
    node: int
    path: tuple[str, ...]
    rate: float
    national: float
    gap_to_ahead: float
    share: float
    barrier: bool
    d_index: float | None
    drivers: tuple[tuple[str, float], ...]
    furthest_behind: bool
    circumstances: tuple[str, ...]
    # The run's reference population as the link recorded it (e.g. "all women 15-49"): the
    # baseline the leaf is compared with, "" when the population is everyone.
    reference_population: str = ""

    @property
    def worse_by(self) -> float:
        """How far the leaf is behind the national mean (positive: worse)."""
        return self.rate - self.national if self.barrier else self.national - self.rate


def survey_evidence_for_group(group, *, country: str, viewer=None) -> tuple[SurveyEvidence, ...]:
    """Published, finished runs of the country whose leaf an analyst linked to the group or,
    for an intersection, to every one of its components. Published runs are read by every
    member of the country (``CountryEvidenceRule``); pass ``viewer`` to scope by the policy."""
    runs = Run.objects.filter(published=True, status=Run.Status.SUCCEEDED, dataset__country=country)
    if viewer is not None:
        runs = policy.scope(viewer, runs, Action.LIST)
    links = LeafGroupLink.objects.filter(run__in=runs.values("pk"))
    components = list(group.components.all())
    direct = links.filter(group=group).values_list("run_id", "node_id", "reference_population")
    reference = {(run_id, node_id): text for run_id, node_id, text in direct}
    pairs = set(reference)
    if components:
        by_pair: dict[tuple[int, int], set[int]] = defaultdict(set)
        for run_id, node_id, group_id, text in links.filter(group__in=components).values_list(
            "run_id", "node_id", "group_id", "reference_population"
        ):
            by_pair[(run_id, node_id)].add(group_id)
            reference.setdefault((run_id, node_id), text)
        pairs |= {p for p, gs in by_pair.items() if gs >= {c.pk for c in components}}
    found = {
        r.pk: r
        for r in Run.objects.filter(pk__in={p[0] for p in pairs}).select_related(
            "indicator", "indicator__sdg_goal", "dataset"
        )
    }
    rows = []
    for run_id, node_id in sorted(pairs):
        run = found[run_id]
        result = RunResult.from_json(run.result)
        node = result.node(node_id) if result else None
        if result is None or node is None:
            continue
        ahead = result.furthest_ahead
        best = ahead.mean if ahead else node.mean
        rows.append(
            SurveyEvidence(
                run=run_id,
                indicator=run.indicator.name,
                slug=run.indicator.slug,
                goal=run.indicator.sdg_goal.number if run.indicator.sdg_goal else None,
                round=run.dataset.survey_round,
                region=run.region,
                node=node_id,
                path=result.path_to(node_id),
                rate=node.mean,
                national=result.mean,
                gap_to_ahead=abs(best - node.mean),
                share=node.share,
                barrier=result.barrier,
                d_index=result.d_index,
                drivers=tuple((d.circumstance, d.share) for d in result.shapley[:3]),
                furthest_behind=bool(result.furthest_behind)
                and result.furthest_behind.node == node_id,
                circumstances=tuple(c.name for c in result.circumstances),
                reference_population=reference.get((run_id, node_id), "") or "",
            )
        )
    return tuple(rows)


def furthest_behind_groups(*, country: str, viewer=None) -> dict[int, tuple[str, ...]]:
    """{population group pk: indicator names} of the groups an analyst linked to the
    *furthest-behind* leaf of a published, finished run of the country."""
    runs = Run.objects.filter(published=True, status=Run.Status.SUCCEEDED, dataset__country=country)
    if viewer is not None:
        runs = policy.scope(viewer, runs, Action.LIST)
    links = LeafGroupLink.objects.filter(run__in=runs.values("pk")).select_related("run__indicator")
    found: dict[int, set[str]] = defaultdict(set)
    behind: dict[int, int | None] = {}
    for link in links:
        if link.run_id not in behind:
            result = RunResult.from_json(link.run.result)
            behind[link.run_id] = (
                result.furthest_behind.node if result and result.furthest_behind else None
            )
        if behind[link.run_id] == link.node_id:
            found[link.group_id].add(link.run.indicator.name)
    return {pk: tuple(sorted(names)) for pk, names in found.items()}


def run_tree_png(*, run_id: int, country: str) -> tuple[str, bytes] | None:
    """A published run's tree as a PNG (the picture the run page offers for download), with
    its caption; ``None`` when the run is not a published, finished run of the country or
    has no tree."""
    from . import charts

    run = (
        Run.objects.filter(
            pk=run_id, published=True, status=Run.Status.SUCCEEDED, dataset__country=country
        )
        .select_related("indicator", "dataset")
        .first()
    )
    if run is None or not run.result or not run.result.get("nodes"):
        return None
    caption = f"{run.indicator.name}, {run.dataset.survey_round}"
    if run.region:
        caption += f", {run.region}"
    return caption, charts.tree_png(
        run.result, title=caption, indicator_label=run.indicator.name, scale=1.5
    )


def run_labels(*, run_ids, country: str) -> dict[int, str]:
    """How a document cites each published run of the country: indicator, survey, region."""
    runs = Run.objects.filter(
        pk__in=list(run_ids), published=True, dataset__country=country
    ).select_related("indicator", "dataset")
    return {
        run.pk: (
            f"{run.indicator.name}: {run.dataset.title} ({run.dataset.survey_kind} "
            f"{run.dataset.survey_round}), {run.region or 'national'}; analysis run {run.pk}"
        )
        for run in runs
    }
