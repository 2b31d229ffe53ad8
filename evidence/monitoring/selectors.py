"""Reads of monitoring indicators for one viewer (the group page, the dossier's
"Monitoring" section, the DOCX chapter).

``indicators_for_group(group, country, viewer)`` is the front door: frozen dataclasses with
the baseline, latest values, targets, milestones, gaps per round, rates, projections and a
verdict in words, computed by :mod:`evidence.monitoring.progress`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from accounts.policy import actor_for
from analysis.selectors import group_rounds, regional_means
from taxonomy.models import PopulationGroup

from . import progress
from .models import MonitoringIndicator


@dataclass(frozen=True)
class Round:
    year: int
    label: str
    group: float
    others: float
    gap: float
    relative_gap: float | None
    group_ci: tuple[float, float] | None
    others_ci: tuple[float, float] | None
    note: str  # how the value was obtained, when it is not the linked leaves or a source row


@dataclass(frozen=True)
class Milestone:
    year: int
    group: float | None
    others: float | None


@dataclass(frozen=True)
class MonitoredIndicator:
    pk: int
    name: str
    unit: str
    percent: bool
    source: str
    source_note: str
    barrier: bool
    baseline_year: int | None
    baseline_group: float | None
    baseline_others: float | None
    latest_year: int | None
    latest_group: float | None
    latest_others: float | None
    target_year: int
    target_group: float | None
    target_others: float | None
    milestones: tuple[Milestone, ...]
    floor: float | None
    floor_label: str
    rounds: tuple[Round, ...]
    group_rate: float | None  # gain a year, in the favourable direction
    others_rate: float | None
    needed_rate: float | None
    projected_group: float | None
    projected_others: float | None
    verdict: str  # progress.Verdict value
    verdict_text: str
    notes: tuple[str, ...]
    # The floor in the latest round with subnational runs: (region, value, meets the floor).
    floor_round: str = ""
    floor_regions: tuple[tuple[str, float, bool], ...] = ()

    @property
    def regions_below_floor(self) -> tuple[tuple[str, float, bool], ...]:
        return tuple(r for r in self.floor_regions if not r[2])


def _fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def rate_unit(indicator) -> str:
    return _("points") if indicator.percent else indicator.unit


def verdict_text(result: progress.Progress, *, unit: str, target_year: int) -> str:
    """The verdict in words, with the rates behind it."""
    needs = {
        "needed": _fmt(result.needed_rate),
        "gain": _fmt(result.group_rate),
        "others": _fmt(result.others_rate),
        "unit": unit,
        "year": target_year,
    }
    texts = {
        progress.Verdict.NO_DATA: _("No round has a value yet."),
        progress.Verdict.BASELINE_ONLY: _(
            "Only one round is known: whether the gap is closing cannot be judged yet."
        ),
        progress.Verdict.TARGET_REACHED: _("The group has reached its %(year)s target."),
        progress.Verdict.CLOSING_ON_TRACK: _(
            "The gap is closing fast enough to reach the %(year)s target: the group needs "
            "%(needed)s %(unit)s a year, it gains %(gain)s."
        ),
        progress.Verdict.CLOSING_TOO_SLOWLY: _(
            "The gap is closing, but too slowly to reach the %(year)s target: the group needs "
            "%(needed)s %(unit)s a year, it gains %(gain)s."
        ),
        progress.Verdict.CLOSING: _(
            "The gap is closing: the group gains %(gain)s %(unit)s a year, everyone else "
            "%(others)s. No target is set for the group."
        ),
        progress.Verdict.NOT_CLOSING: _(
            "The gap is not closing: the group and everyone else both change by %(gain)s "
            "%(unit)s a year."
        ),
        progress.Verdict.WIDENING: _(
            "The gap is widening: the group gains %(gain)s %(unit)s a year, everyone else "
            "%(others)s."
        ),
    }
    text = texts[result.verdict] % needs
    if result.verdict is progress.Verdict.WIDENING and result.needed_rate is not None:
        text += " " + _("To reach its %(year)s target it needs %(needed)s %(unit)s a year.") % needs
    return text


def _rounds_from_runs(indicator, viewer) -> tuple[list[progress.Observation], list[str]]:
    scale = 100.0 if indicator.percent else 1.0
    observations, notes = [], []
    rounds = group_rounds(
        indicator.group,
        slug=indicator.analysis_indicator,
        country=indicator.country,
        viewer=viewer,
    )
    for item in rounds:
        if item.year is None:
            continue
        note = ""
        if item.how == "same_node":
            note = _(
                "The %(round)s tree has no leaf linked to the group; its node with the same "
                "conditions (%(conditions)s) is used."
            ) % {"round": item.round, "conditions": "; ".join(item.conditions)}
        elif item.how == "from_data":
            note = _(
                "The %(round)s tree defines the group differently: its value is computed "
                "directly from the %(round)s data with the baseline's conditions "
                "(%(conditions)s)."
            ) % {"round": item.round, "conditions": "; ".join(item.conditions)}
        if note:
            notes.append(note)
        observations.append(
            progress.Observation(
                year=item.year,
                label=item.round,
                group=item.group * scale,
                others=item.others * scale,
                group_ci=(
                    (item.group_ci[0] * scale, item.group_ci[1] * scale) if item.group_ci else None
                ),
                note=note,
            )
        )
    return observations, notes


def _rounds_from_values(indicator) -> list[progress.Observation]:
    def pair(low, high):
        return (low, high) if low is not None and high is not None else None

    return [
        progress.Observation(
            year=v.year,
            label=str(v.year),
            group=v.group_value,
            others=v.others_value,
            group_ci=pair(v.group_ci_low, v.group_ci_high),
            others_ci=pair(v.others_ci_low, v.others_ci_high),
            note=v.source,
        )
        for v in indicator.values.all()
    ]


def monitored(indicator: MonitoringIndicator, *, viewer) -> MonitoredIndicator:
    """One indicator with its rounds and verdict, as ``viewer`` may see the runs."""
    notes: list[str] = []
    if indicator.source == MonitoringIndicator.Source.RUN:
        observations, notes = _rounds_from_runs(indicator, viewer)
    else:
        observations = _rounds_from_values(indicator)
    if indicator.baseline_year:
        observations = [o for o in observations if o.year >= indicator.baseline_year]
    bounds = (0.0, 100.0) if indicator.percent else None
    result = progress.assess(
        observations,
        barrier=indicator.barrier,
        target_group=indicator.target_group,
        target_year=indicator.target_year,
        bounds=bounds,
    )
    first = observations[0] if observations else None
    last = observations[-1] if observations else None
    milestones = tuple(
        Milestone(int(m["year"]), m.get("group"), m.get("others"))
        for m in indicator.milestones or ()
        if m.get("year")
    )
    if not milestones and first is not None and indicator.target_group is not None:
        groups = progress.default_milestones(
            baseline_year=first.year,
            baseline=first.group,
            target=indicator.target_group,
            target_year=indicator.target_year,
        )
        others = dict(
            progress.default_milestones(
                baseline_year=first.year,
                baseline=first.others,
                target=indicator.target_others,
                target_year=indicator.target_year,
            )
            if indicator.target_others is not None
            else ()
        )
        milestones = tuple(Milestone(year, value, others.get(year)) for year, value in groups)
    gaps = {g.year: g for g in result.gaps}
    floor_round, floor_regions = "", ()
    if (
        indicator.floor is not None
        and indicator.source == MonitoringIndicator.Source.RUN
        and observations
    ):
        scale = 100.0 if indicator.percent else 1.0
        for observation in reversed(observations):
            means = regional_means(
                slug=indicator.analysis_indicator,
                country=indicator.country,
                survey_round=observation.label,
                viewer=viewer,
            )
            if means:
                floor_round = observation.label
                floor_regions = tuple(
                    (
                        region,
                        value * scale,
                        value * scale <= indicator.floor
                        if indicator.barrier
                        else value * scale >= indicator.floor,
                    )
                    for region, value in means.items()
                )
                break
    return MonitoredIndicator(
        pk=indicator.pk,
        name=indicator.name,
        unit=indicator.unit,
        percent=indicator.percent,
        source=indicator.get_source_display(),
        source_note=indicator.source_note,
        barrier=indicator.barrier,
        baseline_year=first.year if first else None,
        baseline_group=first.group if first else None,
        baseline_others=first.others if first else None,
        latest_year=last.year if last else None,
        latest_group=last.group if last else None,
        latest_others=last.others if last else None,
        target_year=indicator.target_year,
        target_group=indicator.target_group,
        target_others=indicator.target_others,
        milestones=milestones,
        floor=indicator.floor,
        floor_label=indicator.floor_label,
        rounds=tuple(
            Round(
                year=o.year,
                label=o.label or str(o.year),
                group=o.group,
                others=o.others,
                gap=gaps[o.year].absolute,
                relative_gap=gaps[o.year].relative,
                group_ci=o.group_ci,
                others_ci=o.others_ci,
                note=o.note,
            )
            for o in observations
        ),
        group_rate=result.group_rate,
        others_rate=result.others_rate,
        needed_rate=result.needed_rate,
        projected_group=result.projected_group,
        projected_others=result.projected_others,
        verdict=result.verdict.value,
        verdict_text=verdict_text(
            result, unit=rate_unit(indicator), target_year=indicator.target_year
        ),
        notes=tuple(notes),
        floor_round=floor_round,
        floor_regions=floor_regions,
    )


def visible_indicators(*, group: PopulationGroup, country: str, viewer):
    """The group's monitoring indicators in ``country`` if the viewer is a member there
    (every member of the country reads the group page; superusers read every country)."""
    actor = actor_for(viewer)
    if not (actor.is_superuser or country in actor.countries):
        return MonitoringIndicator.objects.none()
    return MonitoringIndicator.objects.filter(group=group, country=country).prefetch_related(
        "values"
    )


def indicators_for_group(
    group: PopulationGroup, country: str, viewer
) -> tuple[MonitoredIndicator, ...]:
    """Every monitoring indicator of the group in the country, as ``viewer`` may see it:
    empty for someone outside the country; survey values only from runs the viewer may
    list."""
    return tuple(
        monitored(indicator, viewer=viewer)
        for indicator in visible_indicators(group=group, country=country, viewer=viewer)
    )
