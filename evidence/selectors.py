"""Reads of group evidence for one viewer: the stored summaries filtered to what the viewer
may list (``summary.evidence_for``), never recomputed in the request except a summary that
was never computed (``refresh.stored_summary``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from accounts.policy import actor_for
from taxonomy.models import PopulationGroup

from .models import GroupSummary
from .refresh import compute_now, is_current, mode, request_refresh, stored_summary
from .summary import Audience, evidence_for


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
    data: dict  # the viewer's evidence without the group page's lists
    computed_at: datetime | None
    refreshing: bool
    computed: bool


def overview(*, groups: list[PopulationGroup], country: str, user) -> list[OverviewRow]:
    """One row per group for ``/groups/`` and the API list: headline and data-gap count for
    this viewer, from the stored summaries in one query (without the heavy keys: signifier
    histograms, trends). Stale or missing summaries are enqueued, not computed here."""
    audience = Audience.of(actor_for(user), country)
    stored = {
        group_id: (
            {
                "format": fmt,
                "survey": survey,
                "recommendations": recs,
                "voice": voice,
                "vocabulary": vocabulary,
            },
            computed_at,
            stale,
        )
        for group_id, fmt, survey, recs, voice, vocabulary, computed_at, stale in (
            GroupSummary.objects.filter(group__in=groups, country=country).values_list(
                "group_id",
                "data__format",
                "data__survey",
                "data__recommendations",
                "data__voice",
                "data__vocabulary",
                "computed_at",
                "stale",
            )
        )
    }
    inline = mode() == "inline"
    wanted = []
    rows = []
    for group in groups:
        data, computed_at, stale = stored.get(group.pk, (None, None, True))
        current = data is not None and is_current(GroupSummary(data=data))
        if inline and (stale or not current):
            summary = compute_now(group, country)
            data, computed_at, stale, current = summary.data, summary.computed_at, False, True
        elif stale or not current:
            wanted.append((group.pk, country))
        derived = evidence_for(data, audience, full=False) if current and data is not None else {}
        headline, gaps = derived.get("headline", {}), len(derived.get("gaps", []))
        rows.append(OverviewRow(group, headline, gaps, derived, computed_at, stale, current))
    request_refresh(wanted)
    return rows


def max_gap(*, group: PopulationGroup, country: str) -> float:
    """The largest survey gap of a group (the same for every member of the country)."""
    if mode() == "inline":
        survey = stored_summary(group, country).data.get("survey", [])
        return max((r["gap_to_ahead"] for r in survey), default=0) or 0
    row = (
        GroupSummary.objects.filter(group=group, country=country)
        .values_list("data__format", "data__survey", "stale")
        .first()
    )
    if row is None or row[0] is None:
        request_refresh([(group.pk, country)])
        return 0
    if row[2]:
        request_refresh([(group.pk, country)])
    return max((r["gap_to_ahead"] for r in row[1] or []), default=0) or 0
