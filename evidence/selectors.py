"""Reads of group evidence for one viewer: the stored summaries filtered to what the viewer
may list (``summary.evidence_for``), never recomputed in the request except a summary that
was never computed (``refresh.stored_summary``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from accounts.policy import actor_for
from taxonomy.models import PopulationGroup

from .models import GroupSummary
from .refresh import compute_now, headline_is_current, mode, request_refresh, stored_summary
from .summary import Audience, evidence_for, overview_for


@dataclass(frozen=True)
class GroupEvidence:
    summary: GroupSummary
    data: dict
    computed_at: datetime | None
    refreshing: bool


def group_evidence(*, group: PopulationGroup, country: str, user) -> GroupEvidence:
    """The group page's evidence in one country, as ``user`` may list it."""
    summary = stored_summary(group, country)
    data = evidence_for(summary.data, Audience.of(actor_for(user), country))
    return GroupEvidence(summary, data, summary.computed_at, summary.stale)


@dataclass(frozen=True)
class OverviewRow:
    group: PopulationGroup
    headline: dict
    gaps: int
    data: dict  # the viewer's headline, matrix, gaps and factors (``summary.overview_for``)
    computed_at: datetime | None
    refreshing: bool
    computed: bool


def overview(*, groups: list[PopulationGroup], country: str, user) -> list[OverviewRow]:
    """One row per group for ``/groups/`` and the API list: headline, convergence matrix, data
    gaps and factor profile for this viewer, from the stored headlines only
    (``GroupSummary.headline``, one query; the full summaries are not read). Stale or missing
    summaries are enqueued, not computed here (except with ``EVIDENCE_REFRESH=inline``)."""
    audience = Audience.of(actor_for(user), country)
    stored = {
        group_id: (headline, computed_at, stale)
        for group_id, headline, computed_at, stale in (
            GroupSummary.objects.filter(group__in=groups, country=country).values_list(
                "group_id", "headline", "computed_at", "stale"
            )
        )
    }
    inline = mode() == "inline"
    wanted = []
    rows = []
    for group in groups:
        headline, computed_at, stale = stored.get(group.pk, (None, None, True))
        current = headline_is_current(headline)
        if inline and (stale or not current):
            summary = compute_now(group, country)
            headline, computed_at, stale, current = (
                summary.headline,
                summary.computed_at,
                False,
                True,
            )
        elif stale or not current:
            wanted.append((group.pk, country))
        derived = overview_for(headline, audience) if current and headline else {}
        rows.append(
            OverviewRow(
                group,
                derived.get("headline", {}),
                len(derived.get("gaps", [])),
                derived,
                computed_at,
                stale,
                current,
            )
        )
    request_refresh(wanted)
    return rows


def max_gap(*, group: PopulationGroup, country: str) -> float:
    """The largest survey gap of a group (the same for every member of the country), from
    the stored headline."""
    if mode() == "inline":
        headline = stored_summary(group, country).headline
    else:
        row = (
            GroupSummary.objects.filter(group=group, country=country)
            .values_list("headline", "stale")
            .first()
        )
        headline = row[0] if row else None
        if row is None or row[1] or not headline_is_current(headline):
            request_refresh([(group.pk, country)])
    if not headline_is_current(headline):
        return 0
    return (headline.get("survey") or {}).get("max_gap") or 0
