"""Reads of analysis results that several views (and later the group pages) need."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

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
                furthest_behind=result.furthest_behind is not None
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


# ---------------------------------------------------------------------------------------
# A group's value in each survey round (monitoring indicators of the group pages)


@dataclass(frozen=True)
class GroupRound:
    """The group's value and everyone else's in one survey round of one indicator.

    ``how`` says where the value comes from: ``"linked"`` (the leaves an analyst linked to
    the group), ``"same_node"`` (this round's tree has a node with the baseline's
    conditions) or ``"from_data"`` (the round's tree splits differently, so the value was
    computed from the round's rows meeting the baseline's conditions).
    """

    run: int
    round: str
    year: int | None
    group: float
    others: float
    national: float
    share: float
    group_ci: tuple[float, float] | None
    conditions: tuple[str, ...]
    how: str
    barrier: bool


def survey_year(survey_round: str) -> int | None:
    """The first four-digit year of a round label ("2017-18" → 2017)."""
    import re

    found = re.search(r"(19|20)\d\d", survey_round or "")
    return int(found.group(0)) if found else None


def _node_conditions(nodes: dict[int, dict], node_id: int) -> dict:
    """The conditions of a node's path, one entry per circumstance: the levels left
    (intersected down the path) or the numeric bounds."""
    found: dict[str, Any] = {}
    current = nodes.get(node_id)
    while current is not None and current.get("condition"):
        condition = current["condition"]
        name = condition["circumstance"]
        if condition.get("levels") is not None:
            levels = frozenset(str(v) for v in condition["levels"])
            found[name] = found[name] & levels if name in found else levels
        else:
            bound = (condition.get("operator"), float(condition.get("threshold")))
            found[name] = frozenset({bound}) | found.get(name, frozenset())
        parent = current.get("parent")
        current = nodes.get(parent) if parent is not None else None
    return found


def _labels(nodes: dict[int, dict], node_id: int) -> tuple[str, ...]:
    labels, current = [], nodes.get(node_id)
    while current is not None and current.get("condition"):
        labels.append(current["condition"]["label"])
        parent = current.get("parent")
        current = nodes.get(parent) if parent is not None else None
    return tuple(reversed(labels))


def _combine(values: list[tuple[float, float]]) -> tuple[float, float]:
    """(mean, share) of a union of disjoint nodes given as (mean, share) pairs."""
    share = sum(s for _, s in values)
    return (sum(m * s for m, s in values) / share if share else 0.0), share


def _others(national: float, group: float, share: float) -> float:
    return (national - share * group) / (1 - share) if share < 1 else national


def _mask(frame, conditions: dict):
    import numpy as np

    mask = np.ones(len(frame), dtype=bool)
    for name, wanted in conditions.items():
        column = frame[name]
        bounds = [item for item in wanted if isinstance(item, tuple)]
        if bounds:
            values = column.astype(float)
            for operator, threshold in bounds:
                mask &= (values < threshold) if operator == "<" else (values >= threshold)
        else:
            mask &= column.astype(str).isin(wanted).to_numpy()
    return mask


def _from_data(run: Run, alternatives: list[dict]) -> tuple[float, float, float] | None:
    """(group mean, others' mean, group share) from the run's rows meeting any of the
    condition sets; None when the file cannot be read. Cached per run and conditions."""
    import hashlib

    from django.core.cache import cache

    from analysis.bridge import read_for_indicator, wealth_columns
    from analysis.indicators import IndicatorDefinition, IndicatorError, apply_indicator
    from analysis.services import survey_file
    from analysis.surveyio import SurveyFileError

    described = sorted(sorted((k, sorted(map(str, v))) for k, v in a.items()) for a in alternatives)
    key = f"group-round:{run.pk}:{hashlib.sha256(repr(described).encode()).hexdigest()[:32]}"
    cached = cache.get(key)
    if cached is not None:
        return tuple(cached) or None
    try:
        with survey_file(run.dataset) as path:
            survey = read_for_indicator(
                str(path),
                run.definition,
                run.dataset_sha256,
                wealth=wealth_columns(run.dataset.profile),
            )
        prepared = apply_indicator(
            survey.frame,
            IndicatorDefinition.from_dict(run.definition),
            value_labels=survey.value_labels,
        )
    except (OSError, ValueError, KeyError, SurveyFileError, IndicatorError):
        # A missing or unreadable file, or a definition the file no longer satisfies: no
        # value for this round (the page shows the rounds it has).
        cache.set(key, (), 300)
        return None
    frame = prepared.frame
    if run.region:
        frame = frame[frame["region"].astype(str) == run.region]
    import numpy as np

    inside = np.zeros(len(frame), dtype=bool)
    for conditions in alternatives:
        if any(name not in frame.columns for name in conditions):
            cache.set(key, (), 300)
            return None
        inside |= _mask(frame, conditions)
    weight = frame["weight"].to_numpy(dtype=float)
    outcome = frame["outcome"].to_numpy(dtype=float)
    w_in, w_out = weight[inside].sum(), weight[~inside].sum()
    if w_in <= 0 or w_out <= 0:
        cache.set(key, (), 300)
        return None
    value = (
        float((weight[inside] * outcome[inside]).sum() / w_in),
        float((weight[~inside] * outcome[~inside]).sum() / w_out),
        float(w_in / (w_in + w_out)),
    )
    cache.set(key, value, 24 * 3600)
    return value


def group_rounds(group, *, slug: str, country: str, viewer=None) -> tuple[GroupRound, ...]:
    """The group's value in each survey round of the indicator ``slug`` (national runs,
    published and finished, the latest run per round), oldest first.

    The baseline is the earliest round with leaves linked to the group; its conditions
    define the group. A later round uses its linked leaves when they have the same
    conditions; otherwise the node of its tree with those conditions; otherwise the value
    computed from its rows with those conditions (``how`` says which)."""
    linked = [
        e
        for e in survey_evidence_for_group(group, country=country, viewer=viewer)
        if e.slug == slug and not e.region
    ]
    runs = Run.objects.filter(
        published=True,
        status=Run.Status.SUCCEEDED,
        dataset__country=country,
        indicator__slug=slug,
        region="",
    ).select_related("dataset")
    if viewer is not None:
        runs = policy.scope(viewer, runs, Action.LIST)
    by_round: dict[str, Run] = {}
    for run in runs.order_by("created_at", "pk"):
        by_round[run.dataset.survey_round] = run
    leaves_by_run: dict[int, list[int]] = defaultdict(list)
    for item in linked:
        leaves_by_run[item.run].append(item.node)
    # A round whose latest run has no link falls back to an earlier linked run of the round.
    for item in linked:
        current = by_round.get(item.round)
        if current is not None and current.pk not in leaves_by_run:
            by_round[item.round] = Run.objects.select_related("dataset").get(pk=item.run)
    ordered = sorted(by_round.items(), key=lambda kv: (survey_year(kv[0]) or 0, kv[0]))
    baseline: list[dict] | None = None
    rows: list[GroupRound] = []
    for survey_round, run in ordered:
        result = run.result or {}
        nodes = {n["id"]: n for n in result.get("nodes", [])}
        national = float(result.get("mean") or 0.0)
        barrier = bool(result.get("barrier"))
        leaf_ids = [n for n in leaves_by_run.get(run.pk, []) if n in nodes]
        conditions = [_node_conditions(nodes, n) for n in leaf_ids]
        if baseline is None:
            if not leaf_ids:
                continue  # before the first linked round the group is not defined
            baseline = conditions
        how, chosen = "linked", leaf_ids
        if leaf_ids and sorted(map(repr, conditions)) != sorted(map(repr, baseline)):
            leaf_ids = []
        if not leaf_ids:
            wanted = {repr(sorted(c.items())) for c in baseline}
            chosen = [
                node_id
                for node_id in nodes
                if repr(sorted(_node_conditions(nodes, node_id).items())) in wanted
            ]
            how = "same_node"
            if len(chosen) != len(baseline):
                chosen, how = [], "from_data"
        labels = tuple(" · ".join(_labels(nodes, n)) for n in chosen)
        if how == "from_data":
            computed = _from_data(run, baseline)
            if computed is None:
                continue
            group_value, others, share = computed
            labels = rows[0].conditions if rows else ()
            group_ci = None
        else:
            group_value, share = _combine([(nodes[n]["mean"], nodes[n]["share"]) for n in chosen])
            others = _others(national, group_value, share)
            ci = nodes[chosen[0]].get("ci") if len(chosen) == 1 else None
            group_ci = (float(ci[0]), float(ci[1])) if ci and None not in ci else None
        rows.append(
            GroupRound(
                run=run.pk,
                round=survey_round,
                year=survey_year(survey_round),
                group=group_value,
                others=others,
                national=national,
                share=share,
                group_ci=group_ci,
                conditions=labels,
                how=how,
                barrier=barrier,
            )
        )
    return tuple(rows)


def published_indicators(*, country: str, viewer) -> list[tuple[str, str]]:
    """(slug, name) of the indicators with a published, finished national run in the
    country that the viewer may list, by name (choices for a monitoring indicator)."""
    runs = visible_runs(user=viewer).filter(
        published=True, status=Run.Status.SUCCEEDED, dataset__country=country, region=""
    )
    return sorted(set(runs.values_list("indicator__slug", "indicator__name")), key=lambda p: p[1])


def regional_means(*, slug: str, country: str, survey_round: str, viewer=None) -> dict[str, float]:
    """{region: mean} of the indicator's published subnational runs of one round (the
    latest run per region), for a monitoring indicator's geographic floor."""
    runs = Run.objects.filter(
        published=True,
        status=Run.Status.SUCCEEDED,
        dataset__country=country,
        dataset__survey_round=survey_round,
        indicator__slug=slug,
    ).exclude(region="")
    if viewer is not None:
        runs = policy.scope(viewer, runs, Action.LIST)
    found: dict[str, float] = {}
    for region, result in runs.order_by("created_at", "pk").values_list("region", "result"):
        if result and result.get("mean") is not None:
            found[region] = float(result["mean"])
    return dict(sorted(found.items()))
