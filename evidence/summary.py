"""A group's evidence from the three streams (PRODUCT §7), per group × country, per viewer.

Two steps, so that every number equals what the viewer could list, yet no request reads
the streams:

1. ``compute_summary`` (off the request path) asks each stream's front door
   (``*.selectors``) for the group's evidence items and stores them *bucketed by what decides
   who may read them*: recommendations by ``published``; stories and focus groups by the
   organisation that collected them. Survey leaves come from published runs, which every
   member of the country reads, so they are stored once.
2. ``evidence_for`` (at request time) adds up the buckets the viewer's ``Audience`` may
   read and derives the page's numbers: convergence matrix, data gaps, factor profile,
   headline. Small-count suppression ("fewer than 5") applies after this filter.

Which evidence counts: published survey runs whose leaves an analyst linked to the group;
approved stories (with consent to analysis) and focus groups whose tellers/participants
self-identified with it; every recommendation naming it. For an intersection (e.g.
"Indigenous women"): survey leaves and stories linked to the intersection itself or to *all*
of its components, and recommendations naming the intersection or *any* component.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass

from django.core.cache import cache
from django.utils import timezone

from analysis.selectors import survey_evidence_for_group
from common.suppression import min_count
from consultations.selectors import (
    SignifierTotals,
    signifier_totals,
    signifier_totals_stamp,
    visible_voice_organisations,
    voice_items_for_group,
)
from recommendations.selectors import recommendation_items_for_group, sees_unpublished
from taxonomy.models import Factor, PopulationGroup, SDGGoal

from .chapter import SDG_GAP, sdg_gap_description
from .circumstances import circumstance_factor_table, factor_for_circumstance

DISADVANTAGE_POINTS = 0.05  # a linked leaf at least 5 points worse than the national mean
SAMPLE_SIZE = 6
LATEST = 8
QUOTES = 10
FORMAT = 9  # the stored layout; an older one is recomputed (4: trends per group definition;
# 5: strict recommendation counts; 6: an intersection's counts by how it is named; 7: the
# headline stored apart, ``headline_of``; 8: an SDG gap's ``kind``, rendered per language;
# 9: a signifier's question and labels in every language)


@dataclass(frozen=True)
class Audience:
    """What a viewer reads of one country's evidence: unpublished recommendations or not;
    every organisation's stories and focus groups (``organisations is None``) or those of
    the listed organisations only."""

    unpublished_recommendations: bool
    organisations: frozenset[int | None] | None

    @classmethod
    def of(cls, actor, country: str) -> Audience:
        return cls(sees_unpublished(actor, country), visible_voice_organisations(actor, country))


EVERYONE = Audience(True, None)


# ---------------------------------------------------------------------------
# 1. Compute and store (off the request path)
# ---------------------------------------------------------------------------


def _survey(group: PopulationGroup, country: str) -> tuple[list[dict], dict]:
    rows = []
    table = circumstance_factor_table(country=country)
    for item in survey_evidence_for_group(group, country=country):
        row = asdict(item)
        row["path"] = list(item.path)
        row["drivers"] = [list(d) for d in item.drivers]
        row["circumstances"] = list(item.circumstances)
        # Circumstances speak to factors through the explicit table (never by substring).
        row["circumstance_factors"] = {
            c: factor_for_circumstance(c, table) for c in item.circumstances
        }
        row["disadvantage"] = item.worse_by >= DISADVANTAGE_POINTS
        rows.append(row)
    # One trend per indicator *and* group definition (the leaf's path), so rounds where the
    # linked leaf is another group are never read as one line.
    trend = defaultdict(list)
    for row in rows:
        if not row["region"]:
            key = f"{row['indicator']} ({' · '.join(sorted(row['path']))})"
            trend[key].append((row["round"], row["national"], row["rate"]))
    return rows, {k: sorted(v) for k, v in trend.items() if len(v) > 1}


def _recommendation_buckets(group: PopulationGroup, country: str) -> dict:
    """``total`` counts every recommendation naming the group or a part of it; ``strict``
    those about the group for certain: for an intersection, naming the intersection itself
    or every group it combines (``intersections.IntersectionCounts``), else all of them."""
    components = {c.pk for c in group.components.all()}

    def strict(item) -> bool:
        named = set(item.names)
        return not components or group.pk in named or components <= named

    buckets: dict[str, dict] = {}
    for item in recommendation_items_for_group(group, country=country):
        b = buckets.setdefault(
            "published" if item.published else "unpublished",
            {k: {} for k in ("mechanism", "position", "status", "targets", "goals", "factors")}
            | {"total": 0, "strict": 0, "latest": []}
            | ({"intersection": _intersection_zero(components)} if components else {}),
        )
        b["total"] += 1
        b["strict"] += strict(item)
        if components:
            _count_intersection(b["intersection"], group.pk, components, set(item.names))
        if len(b["latest"]) < LATEST:
            b["latest"].append(item.pk)
        for key, values in (
            ("mechanism", [item.mechanism]),
            ("position", [item.position] if item.position else []),
            ("status", [item.status]),
            ("targets", item.targets),
            ("goals", [str(g) for g in item.goals]),
            ("factors", item.factors),
        ):
            for value in values:
                b[key][value] = b[key].get(value, 0) + 1
    return buckets


def _intersection_zero(components: set[int]) -> dict:
    return {
        "itself": 0,
        "all_components": 0,
        "any": 0,
        "components": {str(c): 0 for c in components},
    }


def _count_intersection(counts: dict, group_id: int, components: set[int], named: set[int]) -> None:
    """Count one recommendation of an intersection by how it names it (the kinds of
    ``intersections.IntersectionCounts``): the intersection itself; every component but not
    the intersection; the intersection or any component; each component."""
    counts["itself"] += group_id in named
    counts["all_components"] += group_id not in named and components <= named
    counts["any"] += bool(named & (components | {group_id}))
    for component in components & named:
        counts["components"][str(component)] += 1


def _merge_intersection(buckets: list[dict]) -> dict | None:
    counted = [b["intersection"] for b in buckets if "intersection" in b]
    if not counted:
        return None
    merged = {"itself": 0, "all_components": 0, "any": 0, "components": Counter()}
    for counts in counted:
        for key in ("itself", "all_components", "any"):
            merged[key] += counts[key]
        merged["components"].update(counts["components"])
    merged["components"] = dict(merged["components"])
    return merged


TOTALS_SECONDS = 24 * 3600


def voice_generation_key(country: str) -> str:
    return f"evidence:voice-generation:{country}"


def country_signifier_totals(country: str) -> SignifierTotals:
    """The country-wide signifier answers every group's comparison needs ("everyone else"),
    read once per country and kept in the cache until the stories change: the key holds the
    country's story stamp (how many approved stories, the newest) and a generation that a
    changed story bumps (``refresh.voice_changed``), so an edited answer misses it too."""
    generation = cache.get(voice_generation_key(country)) or 0
    key = (
        f"evidence:signifier-totals:{country}:{generation}:"
        f"{signifier_totals_stamp(country=country)}"
    )
    totals = cache.get(key)
    if totals is None:
        totals = signifier_totals(country=country)
        cache.set(key, totals, TOTALS_SECONDS)
    return totals


def _voice_buckets(group: PopulationGroup, country: str) -> tuple[dict, list]:
    voice = voice_items_for_group(group, country=country, totals=country_signifier_totals(country))
    buckets: dict[str, dict] = {}

    def bucket(org):
        return buckets.setdefault(
            str(org),
            {"count": 0, "focus_groups": 0, "quotes": [], "sample": []}
            | {k: {} for k in ("themes", "factors", "goals")},
        )

    def add(counter: dict, values):
        for value in values:
            counter[str(value)] = counter.get(str(value), 0) + 1

    for story in voice.stories:
        b = bucket(story.organisation)
        b["count"] += 1
        add(b["themes"], story.themes)
        add(b["factors"], story.factors)
        add(b["goals"], story.goals)
        if story.quotable:
            b["sample"].append([story.created_at, story.pk])
    for record in voice.focus_groups:
        b = bucket(record.organisation)
        b["focus_groups"] += 1
        b["quotes"] += list(record.quotes)
        add(b["themes"], record.themes)
        add(b["factors"], record.factors)
        add(b["goals"], record.goals)
    for b in buckets.values():
        b["sample"] = sorted(b["sample"], reverse=True)[:SAMPLE_SIZE]
        b["quotes"] = sorted(b["quotes"])[:QUOTES]
    signifiers = [asdict(s) | {"organisation": str(s.organisation)} for s in voice.signifiers]
    return buckets, signifiers


def compute_summary(group: PopulationGroup, country: str) -> dict:
    """The group's evidence items in one country, bucketed by who may read them (stored as
    ``GroupSummary.data``; read through ``evidence_for``)."""
    survey, trend = _survey(group, country)
    voice, signifiers = _voice_buckets(group, country)
    return {
        "format": FORMAT,
        "survey": survey,
        "trend": trend,
        "recommendations": _recommendation_buckets(group, country),
        "voice": voice,
        "signifiers": signifiers,
        "vocabulary": {
            "goals": {str(g.number): g.short_en for g in SDGGoal.objects.all()},
            "factors": dict(Factor.objects.values_list("code", "name")),
        },
        "computed_at": timezone.now().isoformat(),
    }


# ---------------------------------------------------------------------------
# 2. What one viewer sees (at request time, from the stored buckets)
# ---------------------------------------------------------------------------


def _merge(buckets: list[dict], key: str) -> Counter:
    total: Counter = Counter()
    for b in buckets:
        total.update(b.get(key, {}))
    return total


def _state(disadvantage: bool, evidence: bool) -> str:
    if disadvantage:
        return "disadvantage"
    return "none" if evidence else "silent"


def _visible_voice(stored: dict, audience: Audience) -> list[dict]:
    if audience.organisations is None:
        return list(stored.get("voice", {}).values())
    allowed = {str(org) for org in audience.organisations}
    return [b for org, b in stored.get("voice", {}).items() if org in allowed]


def _visible_recommendations(stored: dict, audience: Audience) -> list[dict]:
    kinds = ("published", "unpublished") if audience.unpublished_recommendations else ("published",)
    return [stored["recommendations"][k] for k in kinds if k in stored.get("recommendations", {})]


def _signifiers(stored: dict, audience: Audience) -> list[dict]:
    allowed = None if audience.organisations is None else {str(o) for o in audience.organisations}
    merged: dict[str, dict] = {}
    for s in stored.get("signifiers", []):
        if allowed is not None and s["organisation"] not in allowed:
            continue
        m = merged.setdefault(
            s["key"], s | {"group": [0] * len(s["group"]), "everyone": [0] * len(s["group"])}
        )
        m["group"] = [a + b for a, b in zip(m["group"], s["group"], strict=True)]
        m["everyone"] = [a + b for a, b in zip(m["everyone"], s["everyone"], strict=True)]
    out = []
    for s in merged.values():
        others = [e - g for e, g in zip(s["everyone"], s["group"], strict=True)]
        base = {"key": s["key"], "kind": s["kind"], "question": s["question"]}
        base["labels"] = list(s["labels"])
        base["texts"] = s.get("texts") or {}  # per language, drawn in the reader's
        if s["kind"] == "triad":
            out.append(
                base
                | {
                    "zones": [
                        [name, g, o]
                        for name, g, o in zip(s["zone_names"], s["group"], others, strict=True)
                    ]
                }
            )
        else:
            out.append(base | {"group": s["group"], "others": others})
    return out


def survey_digest(survey: list[dict]) -> dict:
    """What the convergence matrix, the data gaps, the factor profile and the headline need of
    the survey rows (the same for every viewer of the country: published runs only)."""
    goals: dict[str, dict] = {}
    for row in survey:
        if row["goal"]:
            g = goals.setdefault(str(row["goal"]), {"disadvantage": False, "runs": []})
            g["disadvantage"] = g["disadvantage"] or bool(row["disadvantage"])
            g["runs"].append(row["run"])
    factors = Counter(
        f
        for r in survey
        for c in r["circumstances"]
        if (f := (r.get("circumstance_factors") or {}).get(c))
        and any(c in step for step in r["path"])
    )
    return {
        "rows": len(survey),
        "goals": goals,
        "factors": dict(factors),
        "max_gap": max((r["gap_to_ahead"] for r in survey), default=None),
        "max_gap_to_national": max((abs(r["national"] - r["rate"]) for r in survey), default=None),
        "furthest_behind": len({r["slug"] for r in survey if r["furthest_behind"]}),
        "indicators": len({r["slug"] for r in survey}),
    }


HEADLINE_RECOMMENDATIONS = ("total", "strict", "goals", "factors")
HEADLINE_VOICE = ("count", "focus_groups", "goals", "factors")


def headline_of(stored: dict) -> dict:
    """The small part of a stored summary that the overview and the API list read
    (``GroupSummary.headline``, written with ``data``): the survey digest and the counts of
    each bucket, still bucketed by who may read them, so ``overview_for`` filters per viewer
    exactly as ``evidence_for`` does."""
    return {
        "format": stored.get("format"),
        "survey": survey_digest(stored.get("survey", [])),
        "recommendations": {
            kind: {k: b[k] for k in HEADLINE_RECOMMENDATIONS if k in b}
            for kind, b in stored.get("recommendations", {}).items()
        },
        "voice": {
            org: {k: b[k] for k in HEADLINE_VOICE if k in b}
            for org, b in stored.get("voice", {}).items()
        },
        "vocabulary": stored.get("vocabulary", {"goals": {}, "factors": {}}),
        "computed_at": stored.get("computed_at"),
    }


def overview_for(headline: dict, audience: Audience) -> dict:
    """The overview's and API list's evidence of one group for one audience, from the stored
    headline alone: the same headline, matrix, data gaps and factor profile as
    ``evidence_for(..., full=False)`` on the full summary."""
    return _derive(
        headline.get("survey") or survey_digest([]),
        _visible_recommendations(headline, audience),
        _visible_voice(headline, audience),
        headline.get("vocabulary", {"goals": {}, "factors": {}}),
    )


def evidence_for(stored: dict, audience: Audience, *, full: bool = True) -> dict:
    """The group page's evidence for one audience: only what it may read, suppressed after
    that filter. ``full=False`` skips what only the group page shows (signifiers, lists)."""
    recs_buckets = _visible_recommendations(stored, audience)
    voice_buckets = _visible_voice(stored, audience)
    derived = _derive(
        survey_digest(stored.get("survey", [])),
        recs_buckets,
        voice_buckets,
        stored.get("vocabulary", {"goals": {}, "factors": {}}),
    )
    voice, recommendations = derived["voice"], derived["recommendations"]
    if full:
        enough = voice["count"] is not None and voice["count"] >= min_count()
        voice["themes"] = _merge(voice_buckets, "themes").most_common(8)
        voice["quotes"] = sorted(q for b in voice_buckets for q in b["quotes"])[:QUOTES]
        voice["sample"] = (
            [
                pk
                for _at, pk in sorted((s for b in voice_buckets for s in b["sample"]), reverse=True)
            ][:SAMPLE_SIZE]
            if enough
            else []
        )
        voice["signifiers"] = _signifiers(stored, audience) if enough else []
        recommendations |= {
            "by_mechanism": _merge(recs_buckets, "mechanism").most_common(),
            "by_position": _merge(recs_buckets, "position").most_common(),
            "by_status": _merge(recs_buckets, "status").most_common(),
            "by_target": _merge(recs_buckets, "targets").most_common(12),
            "latest": sorted(pk for b in recs_buckets for pk in b["latest"])[:LATEST],
            # An intersection's counts by how it is named (``None``: none visible).
            "intersection": _merge_intersection(recs_buckets),
        }
    return derived | {
        "survey": stored.get("survey", []),
        "trend": stored.get("trend", {}),
        "computed_at": stored.get("computed_at"),
    }


def _derive(digest: dict, recs_buckets: list[dict], voice_buckets: list[dict], vocabulary) -> dict:
    """Headline, convergence matrix, data gaps and factor profile from the survey digest and
    the buckets the viewer may read (small-count suppression after that filter)."""
    rec_total = sum(b["total"] for b in recs_buckets)
    rec_strict = sum(b.get("strict", b["total"]) for b in recs_buckets)
    rec_goals = _merge(recs_buckets, "goals")
    rec_factors = _merge(recs_buckets, "factors")
    voice_count = sum(b["count"] for b in voice_buckets)
    focus_groups = sum(b["focus_groups"] for b in voice_buckets)
    voice_goals = _merge(voice_buckets, "goals")
    voice_factors = _merge(voice_buckets, "factors")
    enough = voice_count >= min_count()
    voice = {
        "count": voice_count if enough or voice_count == 0 else None,
        "focus_groups": focus_groups,
        "goals": {k: (v if v >= min_count() else None) for k, v in voice_goals.items()},
        "factors": dict(voice_factors),
        "themes": [],
        "quotes": [],
        "sample": [],
        "signifiers": [],
    }
    recommendations = {
        "total": rec_total,
        "strict": rec_strict,
        "goals": dict(rec_goals),
        "factors": dict(rec_factors),
    }
    has_survey = bool(digest["rows"])
    matrix = []
    for number in sorted(int(n) for n in vocabulary["goals"]):
        goal = digest["goals"].get(str(number))
        survey_state = _state(bool(goal and goal["disadvantage"]), goal is not None)
        voice_state = (
            "disadvantage"
            if voice["goals"].get(str(number))
            else ("fewer_than_5" if str(number) in voice["goals"] else "silent")
        )
        rec_state = "disadvantage" if rec_goals.get(str(number)) else "silent"
        states = {survey_state, voice_state, rec_state}
        if states <= {"silent", "fewer_than_5"}:
            continue
        matrix.append(
            {
                "goal": number,
                "label": vocabulary["goals"][str(number)],
                "survey": survey_state,
                "voice": voice_state,
                "recommendations": rec_state,
                "disagree": "disadvantage" in states and "none" in states,
                "runs": list(goal["runs"]) if goal else [],
            }
        )
    gaps = []
    if not has_survey:
        gaps.append(
            {
                "stream": "survey",
                "goal": None,
                "description": "No survey disaggregation linked to this group",
            }
        )
    if not voice["count"] and not focus_groups:
        gaps.append(
            {
                "stream": "voice",
                "goal": None,
                "description": "No community voice from this group (or fewer than 5)",
            }
        )
    if not rec_total:
        gaps.append(
            {
                "stream": "recommendations",
                "goal": None,
                "description": "No recommendation names this group",
            }
        )
    for row in matrix:
        for stream in ("survey", "voice", "recommendations"):
            if (
                row[stream] == "silent"
                and (has_survey or voice["count"] or rec_total)
                and any(
                    row[other] == "disadvantage"
                    for other in ("survey", "voice", "recommendations")
                    if other != stream
                )
            ):
                gaps.append(
                    {
                        "stream": stream,
                        "goal": row["goal"],
                        "kind": SDG_GAP,
                        "description": sdg_gap_description(row["goal"], stream),
                    }
                )
    survey_factors = digest["factors"]
    factors = {}
    for code, name in vocabulary["factors"].items():
        voice_n = voice_factors.get(code, 0)
        factors[code] = {
            "name": name,
            "survey": survey_factors.get(code, 0),
            "voice": None if 0 < voice_n < min_count() else voice_n,
            "recommendations": rec_factors.get(code, 0),
        }
    return {
        "voice": voice,
        "recommendations": recommendations,
        "matrix": matrix,
        "gaps": gaps,
        "factors": factors,
        "headline": {
            "max_gap": digest["max_gap"],
            "max_gap_to_national": digest["max_gap_to_national"],
            "furthest_behind": digest["furthest_behind"],
            "indicators": digest["indicators"],
            "recommendations": rec_total,
            # About the group for certain (an intersection: naming it or all its parts).
            "recommendations_strict": rec_strict,
            "voices": voice["count"],
            "focus_groups": focus_groups,
        },
    }
