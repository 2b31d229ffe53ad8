"""Comparisons for a country (and across the countries a viewer belongs to): the D-index
and the furthest-behind gap across indicators, regions and survey rounds, from published,
finished runs the viewer may list. Aggregates only: no row of any survey is read."""

from __future__ import annotations

from dataclasses import dataclass

from .models import Run
from .selectors import survey_year, visible_runs


@dataclass(frozen=True)
class ComparedRun:
    run: int
    indicator: str
    slug: str
    country: str
    round: str
    region: str
    mean: float
    d_index: float | None
    hoi: float | None
    gap: float | None
    behind: str  # the furthest-behind group's path, "" without a split
    barrier: bool


def _compared(run: Run) -> ComparedRun | None:
    result = run.result or {}
    if result.get("mean") is None:
        return None
    behind = result.get("furthest_behind") or {}
    return ComparedRun(
        run=run.pk,
        indicator=run.indicator.name,
        slug=run.indicator.slug,
        country=run.dataset.country,
        round=run.dataset.survey_round,
        region=run.region,
        mean=float(result["mean"]),
        d_index=result.get("d_index"),
        hoi=result.get("hoi"),
        gap=result.get("gap"),
        behind=" · ".join(behind.get("path") or ()),
        barrier=bool(result.get("barrier")),
    )


def _published(viewer):
    return visible_runs(user=viewer).filter(published=True, status=Run.Status.SUCCEEDED)


def _latest_per(runs, key) -> dict:
    """The newest run per key (runs ordered oldest first)."""
    found: dict = {}
    for run in runs.order_by("created_at", "pk"):
        found[key(run)] = run
    return found


def _round_order(item: ComparedRun) -> tuple:
    return (survey_year(item.round) or 0, item.round)


def indicators_of(*, country: str, viewer) -> list[tuple[str, str]]:
    """(slug, name) of the indicators with a published national run in the country."""
    runs = _published(viewer).filter(dataset__country=country, region="")
    return sorted(set(runs.values_list("indicator__slug", "indicator__name")), key=lambda p: p[1])


def across_indicators(*, country: str, viewer) -> list[ComparedRun]:
    """Each indicator's latest published national run in the country, by name."""
    runs = _published(viewer).filter(dataset__country=country, region="")
    latest = _latest_per(
        runs.select_related("indicator", "dataset"),
        lambda r: (r.indicator.slug, survey_year(r.dataset.survey_round) or 0),
    )
    newest: dict[str, Run] = {}
    for (slug, _year), run in sorted(latest.items(), key=lambda kv: kv[0][1]):
        newest[slug] = run
    rows = [_compared(run) for run in newest.values()]
    return sorted((r for r in rows if r), key=lambda r: r.indicator)


def across_rounds(*, country: str, slug: str, viewer) -> list[ComparedRun]:
    """The indicator's national runs in the country, one per survey round, oldest first."""
    runs = _published(viewer).filter(dataset__country=country, region="", indicator__slug=slug)
    latest = _latest_per(
        runs.select_related("indicator", "dataset"), lambda r: r.dataset.survey_round
    )
    rows = [_compared(run) for run in latest.values()]
    return sorted((r for r in rows if r), key=_round_order)


def across_regions(*, country: str, slug: str, viewer) -> tuple[str, list[ComparedRun]]:
    """The regional runs of the indicator's latest round that has them: (round, rows by
    region)."""
    runs = (
        _published(viewer).filter(dataset__country=country, indicator__slug=slug).exclude(region="")
    )
    latest = _latest_per(
        runs.select_related("indicator", "dataset"), lambda r: (r.dataset.survey_round, r.region)
    )
    rows = [r for r in (_compared(run) for run in latest.values()) if r]
    if not rows:
        return "", []
    newest = max(rows, key=_round_order).round
    return newest, sorted((r for r in rows if r.round == newest), key=lambda r: r.region)


def across_countries(*, slug: str, viewer) -> list[ComparedRun]:
    """The indicator's latest published national run in each country the viewer may list
    (a regional office's members belong to several): aggregates only."""
    runs = _published(viewer).filter(region="", indicator__slug=slug)
    latest = _latest_per(
        runs.select_related("indicator", "dataset"),
        lambda r: (r.dataset.country, survey_year(r.dataset.survey_round) or 0),
    )
    newest: dict[str, Run] = {}
    for (country, _year), run in sorted(latest.items(), key=lambda kv: kv[0][1]):
        newest[country] = run
    rows = [_compared(run) for run in newest.values()]
    return sorted((r for r in rows if r), key=lambda r: r.country)


def all_indicator_choices(*, viewer) -> list[tuple[str, str]]:
    runs = _published(viewer).filter(region="")
    return sorted(set(runs.values_list("indicator__slug", "indicator__name")), key=lambda p: p[1])
