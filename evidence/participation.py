"""Participation indicators (UNSDG LNOB guide, cross-cutting: meaningful participation): who
was heard in a country or a campaign, and above all who was **not**: groups that the
human-rights mechanisms name or that the survey trees found furthest behind, or that a
campaign set out to hear, but from whom no story or focus group came. Each such group's page
lists the same silence as a community-voice data gap that can be assigned.

Every number is what the viewer could list: stories and focus groups through the access
policy (a CSO partner counts its own organisation's), recommendations likewise; counts of
1–4 are hidden."""

from __future__ import annotations

from dataclasses import dataclass

from analysis.selectors import furthest_behind_groups
from consultations.selectors import Participation, participation, visible_campaigns
from recommendations.selectors import groups_named
from taxonomy.models import PopulationGroup


@dataclass(frozen=True)
class UnheardGroup:
    """A group with reasons to be heard and no story or focus group from it."""

    pk: int
    slug: str
    name: str
    recommendations: int  # recommendations naming it that the viewer may list
    furthest_behind: tuple[str, ...]  # indicators whose furthest-behind leaf is this group
    wanted: bool  # a campaign set out to hear it


@dataclass(frozen=True)
class ParticipationIndicators:
    country: str
    campaign: object | None  # consultations.Campaign
    participation: Participation
    not_heard: tuple[UnheardGroup, ...]


def participation_indicators(*, viewer, country: str, campaign=None) -> ParticipationIndicators:
    """Who was heard and who was not, in the country or one of its campaigns, for ``viewer``."""
    taking_part = participation(viewer=viewer, country=country, campaign=campaign)
    named = groups_named(viewer=viewer, country=country)
    behind = furthest_behind_groups(country=country, viewer=viewer)
    wanted = {pk for pk, _slug, _name in taking_part.target_groups}
    candidates = (set(named) | set(behind) | wanted) - taking_part.heard_ids
    groups = PopulationGroup.objects.filter(pk__in=candidates).order_by("name")
    not_heard = tuple(
        UnheardGroup(
            pk=g.pk,
            slug=g.slug,
            name=g.name,
            recommendations=named.get(g.pk, 0),
            furthest_behind=behind.get(g.pk, ()),
            wanted=g.pk in wanted,
        )
        for g in groups
    )
    # The most pressing silences first: furthest behind, then most often named.
    not_heard = tuple(
        sorted(not_heard, key=lambda g: (-len(g.furthest_behind), -g.recommendations, g.name))
    )
    return ParticipationIndicators(country, campaign, taking_part, not_heard)


def campaign_choices(*, viewer, country: str):
    return list(visible_campaigns(viewer=viewer, country=country).only("pk", "title", "country"))
