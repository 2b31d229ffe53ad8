"""Compute a group's evidence summary from the three streams (PRODUCT §7).

Run when the inputs change (signals mark summaries stale); the group page and the overview
read the stored JSON, so their cost does not grow with the data.

Which evidence counts: published survey runs whose leaves an analyst linked to the group;
approved stories and focus groups whose tellers/participants self-identified with it; every
recommendation naming it. For an intersection (e.g. "Indigenous women"): survey leaves and
stories linked to the intersection itself or to *all* of its components (people at the
intersection), and recommendations naming the intersection or *any* component (mechanisms
rarely name intersections; each listed recommendation says which group it names).
"""

from __future__ import annotations

from collections import Counter, defaultdict

from django.db.models import Q
from django.utils import timezone

from analysis.models import LeafGroupLink, Run
from consultations.models import FocusGroup, FocusGroupTheme, Narrative, Quote, Signifier
from consultations.plots import zone_names
from consultations.signifiers import TRIAD_ZONES, dyad_histogram, triad_zone
from recommendations.models import Assessment, Recommendation
from taxonomy.models import Factor, PopulationGroup, SDGGoal

DISADVANTAGE_POINTS = 0.05  # a linked leaf at least 5 points worse than the national mean
MIN_CELL = 5
SAMPLE_SIZE = 6

# Survey circumstances speak to factors by their names.
CIRCUMSTANCE_FACTORS = {
    "wealth": "socio_economic_status",
    "education": "socio_economic_status",
    "residence": "geography",
    "region": "geography",
    "urban": "geography",
    "sex": "discrimination",
    "age": "discrimination",
    "ethnic": "discrimination",
    "religion": "discrimination",
    "caste": "discrimination",
    "disab": "discrimination",
    "language": "discrimination",
    "marital": "discrimination",
}


def _factor_of(circumstance: str) -> str | None:
    name = circumstance.lower()
    return next((f for key, f in CIRCUMSTANCE_FACTORS.items() if key in name), None)


def _survey(group: PopulationGroup, country: str | None) -> tuple[list[dict], dict]:
    links = LeafGroupLink.objects.filter(run__published=True, run__status=Run.Status.SUCCEEDED)
    if country is not None:
        links = links.filter(run__dataset__country=country)
    components = list(group.components.all())
    pairs = set(links.filter(group=group).values_list("run_id", "node_id"))
    if components:
        by_pair = defaultdict(set)
        for run_id, node_id, group_id in links.filter(group__in=components).values_list(
            "run_id", "node_id", "group_id"
        ):
            by_pair[(run_id, node_id)].add(group_id)
        pairs |= {p for p, gs in by_pair.items() if gs >= {c.pk for c in components}}
    runs = {
        r.pk: r
        for r in Run.objects.filter(pk__in={p[0] for p in pairs}).select_related(
            "indicator", "indicator__sdg_goal", "dataset"
        )
    }
    rows = []
    for run_id, node_id in sorted(pairs):
        run = runs[run_id]
        result = run.result or {}
        nodes = {n["id"]: n for n in result.get("nodes", [])}
        node = nodes.get(node_id)
        if node is None:
            continue
        path, current = [], node
        while current and current.get("condition"):
            path.append(current["condition"]["label"])
            current = nodes.get(current["parent"])
        barrier = bool(result.get("barrier"))
        national = result["mean"]
        worse_by = (node["mean"] - national) if barrier else (national - node["mean"])
        ahead = result.get("furthest_ahead")
        best = ahead["mean"] if ahead else node["mean"]
        shapley = sorted((result.get("shapley") or {}).items(), key=lambda kv: -kv[1]["share"])
        rows.append(
            {
                "run": run_id,
                "indicator": run.indicator.name,
                "slug": run.indicator.slug,
                "goal": run.indicator.sdg_goal.number if run.indicator.sdg_goal else None,
                "round": run.dataset.survey_round,
                "region": run.region,
                "node": node_id,
                "path": list(reversed(path)),
                "rate": node["mean"],
                "national": national,
                "gap_to_ahead": abs(best - node["mean"]),
                "share": node["share"],
                "barrier": barrier,
                "d_index": result.get("d_index"),
                "drivers": [(name, v["share"]) for name, v in shapley[:3]],
                "furthest_behind": bool(result.get("furthest_behind"))
                and result["furthest_behind"]["node"] == node_id,
                "disadvantage": worse_by >= DISADVANTAGE_POINTS,
                "circumstances": [c["name"] for c in result.get("circumstances", [])],
            }
        )
    trend = defaultdict(list)
    for row in rows:
        if not row["region"]:
            trend[row["indicator"]].append((row["round"], row["national"], row["rate"]))
    return rows, {k: sorted(v) for k, v in trend.items() if len(v) > 1}


def _voice(group: PopulationGroup, country: str | None) -> dict:
    approved = Narrative.objects.filter(review_status="approved", use_analysis=True)
    fgd_base = FocusGroup.objects.filter(review_status="approved")
    if country is not None:
        approved = approved.filter(campaign__country=country)
        fgd_base = fgd_base.filter(campaign__country=country)
    components = list(group.components.all())
    ids = set(approved.filter(groups=group).values_list("pk", flat=True))
    if components:
        common = None
        for component in components:
            found = set(approved.filter(groups=component).values_list("pk", flat=True))
            common = found if common is None else common & found
        ids |= common or set()
    mine = approved.filter(pk__in=ids)
    others = approved.exclude(pk__in=ids)
    count = len(ids)
    fgd = fgd_base.filter(
        Q(groups=group) | Q(groups__in=components) if components else Q(groups=group)
    ).distinct()
    quotes = Quote.objects.filter(focus_group__in=fgd, focus_group__use_quotation=True)
    themes = Counter(mine.values_list("themes__name", flat=True))
    themes.pop(None, None)
    for summary in FocusGroupTheme.objects.filter(focus_group__in=fgd).values_list(
        "summary", flat=True
    ):
        themes[summary] += 1
    factors = Counter(mine.values_list("factors__code", flat=True))
    factors.pop(None, None)
    for code in FocusGroupTheme.objects.filter(focus_group__in=fgd).values_list(
        "factors__code", flat=True
    ):
        if code:
            factors[code] += 1
    goals = Counter(mine.values_list("sdg_targets__goal__number", flat=True))
    goals.pop(None, None)
    for number in FocusGroupTheme.objects.filter(focus_group__in=fgd).values_list(
        "sdg_targets__goal__number", flat=True
    ):
        if number:
            goals[number] += 1
    signifiers = []
    if count >= MIN_CELL:
        keys = Signifier.objects.filter(instrument__narratives__in=mine).distinct()
        mine_answers = list(mine.values_list("answers", flat=True))
        other_answers = list(others.values_list("answers", flat=True))
        for s in keys:
            values_mine = [a[s.key] for a in mine_answers if a and a.get(s.key) is not None]
            values_other = [a[s.key] for a in other_answers if a and a.get(s.key) is not None]
            if not values_mine:
                continue
            if s.kind == "triad":
                names = zone_names(tuple(s.label_texts()))
                dist = [
                    Counter(triad_zone(tuple(v)) for v in vs) for vs in (values_mine, values_other)
                ]
                signifiers.append(
                    {
                        "key": s.key,
                        "kind": "triad",
                        "question": s.question_text(),
                        "labels": s.label_texts(),
                        "zones": [[names[z], dist[0][z], dist[1][z]] for z in TRIAD_ZONES],
                    }
                )
            elif s.kind == "dyad":
                signifiers.append(
                    {
                        "key": s.key,
                        "kind": "dyad",
                        "question": s.question_text(),
                        "labels": s.label_texts(),
                        "group": dyad_histogram(values_mine),
                        "others": dyad_histogram(values_other),
                    }
                )
    quotable = (
        list(
            mine.filter(use_quotation=True)
            .order_by("-created_at")
            .values_list("pk", flat=True)[:SAMPLE_SIZE]
        )
        if count >= MIN_CELL
        else []
    )
    return {
        "count": count if count >= MIN_CELL or count == 0 else None,
        "focus_groups": fgd.count(),
        "quotes": list(quotes.values_list("pk", flat=True)[:10]),
        "themes": themes.most_common(8),
        "factors": dict(factors),
        "goals": {str(k): (v if v >= MIN_CELL else None) for k, v in goals.items()},
        "signifiers": signifiers,
        "sample": quotable,
    }


def _recommendations(group: PopulationGroup, country: str | None) -> dict:
    names = [group, *group.components.all(), *group.children.all()]
    recs = Recommendation.objects.filter(groups__in=names).distinct()
    if country is not None:
        recs = recs.filter(country=country)
    latest = {}
    for rec_id, status in (
        Assessment.objects.filter(recommendation__in=recs, kind=Assessment.Kind.OFFICIAL)
        .order_by("assessed_on", "created_at", "pk")
        .values_list("recommendation_id", "status")
    ):
        latest[rec_id] = status
    rows = list(recs.values_list("pk", "mechanism__code", "upr_position"))
    goals = Counter()
    for _rec, goal in {
        *recs.values_list("pk", "sdg_goals__number"),
        *recs.values_list("pk", "sdg_targets__goal__number"),
    }:
        if goal:
            goals[goal] += 1
    targets = Counter(recs.values_list("sdg_targets__code", flat=True))
    targets.pop(None, None)
    factors = Counter(recs.values_list("factors__code", flat=True))
    factors.pop(None, None)
    labels = dict(Assessment.Status.choices)
    return {
        "total": len(rows),
        "by_mechanism": Counter(r[1] for r in rows).most_common(),
        "by_position": Counter(r[2] for r in rows if r[2]).most_common(),
        "by_status": Counter(
            str(labels.get(latest.get(r[0]), "Not assessed")) for r in rows
        ).most_common(),
        "by_target": targets.most_common(12),
        "goals": {str(k): v for k, v in goals.items()},
        "factors": dict(factors),
        "latest": [r[0] for r in rows[:8]],
    }


def _state(disadvantage: bool, evidence: bool) -> str:
    if disadvantage:
        return "disadvantage"
    return "none" if evidence else "silent"


def compute_summary(group: PopulationGroup, country: str | None = None) -> dict:
    """The group's evidence in one country (``None``: every country, for benchmarks)."""
    survey, trend = _survey(group, country)
    voice = _voice(group, country)
    recs = _recommendations(group, country)
    goals = {g.number: g for g in SDGGoal.objects.all()}
    survey_goals = defaultdict(list)
    for row in survey:
        if row["goal"]:
            survey_goals[row["goal"]].append(row)
    matrix = []
    for number in sorted(goals):
        s_rows = survey_goals.get(number, [])
        survey_state = _state(any(r["disadvantage"] for r in s_rows), bool(s_rows))
        voice_n = voice["goals"].get(str(number))
        voice_state = (
            "disadvantage"
            if voice_n
            else ("fewer_than_5" if str(number) in voice["goals"] else "silent")
        )
        rec_state = "disadvantage" if recs["goals"].get(str(number)) else "silent"
        states = {survey_state, voice_state, rec_state}
        if states <= {"silent", "fewer_than_5"}:
            continue
        matrix.append(
            {
                "goal": number,
                "label": goals[number].short_en,
                "survey": survey_state,
                "voice": voice_state,
                "recommendations": rec_state,
                "disagree": "disadvantage" in states and "none" in states,
                "runs": [r["run"] for r in s_rows],
            }
        )
    gaps = []
    if not survey:
        gaps.append(
            {
                "stream": "survey",
                "goal": None,
                "description": "No survey disaggregation linked to this group",
            }
        )
    if not voice["count"] and not voice["focus_groups"]:
        gaps.append(
            {
                "stream": "voice",
                "goal": None,
                "description": "No community voice from this group (or fewer than 5)",
            }
        )
    if not recs["total"]:
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
                and (survey or voice["count"] or recs["total"])
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
                        "description": f"SDG {row['goal']}: other evidence shows "
                        f"disadvantage, {stream.replace('_', ' ')} is silent",
                    }
                )
    factors = {}
    survey_factors = Counter(
        f
        for r in survey
        for c in r["circumstances"]
        if (f := _factor_of(c)) and any(c in step for step in r["path"])
    )
    for factor in Factor.objects.all():
        factors[factor.code] = {
            "name": factor.name,
            "survey": survey_factors.get(factor.code, 0),
            "voice": voice["factors"].get(factor.code, 0),
            "recommendations": recs["factors"].get(factor.code, 0),
        }
    for counts in factors.values():
        if 0 < counts["voice"] < MIN_CELL:
            counts["voice"] = None
    return {
        "survey": survey,
        "trend": trend,
        "voice": voice,
        "recommendations": recs,
        "matrix": matrix,
        "gaps": gaps,
        "factors": factors,
        "headline": {
            "max_gap": max((r["gap_to_ahead"] for r in survey), default=None),
            "max_gap_to_national": max(
                (abs(r["national"] - r["rate"]) for r in survey), default=None
            ),
            "furthest_behind": len({r["slug"] for r in survey if r["furthest_behind"]}),
            "indicators": len({r["slug"] for r in survey}),
            "recommendations": recs["total"],
            "voices": voice["count"],
            "focus_groups": voice["focus_groups"],
        },
        "computed_at": timezone.now().isoformat(),
    }
