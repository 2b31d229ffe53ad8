"""A group's chapter for a Common Country Analysis (CCA): the group page's evidence and
analyses, as one viewer may read them, arranged as the sections a CCA drafter pastes —
Summary, Survey evidence (with the tree and trend figures), Community voice,
Recommendations (complete, or the most recent with the full list in an annex), Convergence
and data gaps, Problem tree / roles / capacity gaps / actions, Monitoring (when the
monitoring module is installed), Sources.

The same ``Chapter`` feeds the DOCX (``evidence.dossier``) and the printable HTML report, so
both say the same thing. A section without content is left out (never an empty heading), and
a quote appears once however many places cite it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analysis.selectors import run_labels, run_tree_png
from common.png_charts import Series, line_chart_png
from common.suppression import is_small, min_count
from consultations.selectors import campaign_titles
from recommendations.selectors import recommendation_citations, recommendations_for_group

#: Recommendations listed in the chapter itself; the rest go to the annex.
RECOMMENDATIONS_IN_TEXT = 10
#: Tree figures per chapter (one per indicator, national runs first).
TREE_FIGURES = 4

STATE_TEXT = {
    "disadvantage": gettext_lazy("disadvantage"),
    "none": gettext_lazy("no disadvantage"),
    "silent": gettext_lazy("silent"),
}


def state_text(state: str) -> str:
    """A convergence-matrix state in words; a hidden count says the configured minimum."""
    if state == "fewer_than_5":  # the state's name predates the setting: below the minimum
        return _("fewer than %(n)s") % {"n": min_count()}
    return str(STATE_TEXT.get(state, state))


#: The data gaps the summary finds by itself, stored in English (their text is also what an
#: assigned gap records): shown in the reader's language, the voice gap with the minimum.
COMPUTED_GAPS = {
    ("survey", "No survey disaggregation linked to this group"): gettext_lazy(
        "No survey disaggregation linked to this group"
    ),
    ("recommendations", "No recommendation names this group"): gettext_lazy(
        "No recommendation names this group"
    ),
}
VOICE_GAP = "No community voice from this group (or fewer than 5)"
#: The gap per SDG: one stream silent where another shows disadvantage. Its English text is
#: the stored key (``SDG_GAP_KEY``); older summaries and assigned gaps carry only that text.
SDG_GAP = "sdg_silent"
SDG_GAP_KEY = re.compile(
    r"^SDG (?P<goal>\d+): other evidence shows disadvantage, "
    r"(?P<stream>survey|voice|recommendations) is silent$"
)
#: A sentence per silent stream (no stream name inside a sentence: its gender and number
#: change the sentence in French and Spanish).
SDG_GAP_TEXT = {
    "survey": gettext_lazy("SDG %(goal)s: other evidence shows disadvantage, the survey is silent"),
    "voice": gettext_lazy(
        "SDG %(goal)s: other evidence shows disadvantage, community voice is silent"
    ),
    "recommendations": gettext_lazy(
        "SDG %(goal)s: other evidence shows disadvantage, the recommendations are silent"
    ),
}


def sdg_gap_description(goal: int, stream: str) -> str:
    """The stored (English) key of an SDG gap; also what an assigned gap records."""
    return f"SDG {goal}: other evidence shows disadvantage, {stream} is silent"


def gap_text(stream: str, description: str, goal: int | None = None, kind: str = "") -> str:
    """A data gap's description in the reader's language; one written by a person as written.
    An SDG gap is rendered from its goal and stream (``kind``), else parsed from its key."""
    if stream == "voice" and description == VOICE_GAP:
        return _("No community voice from this group (or fewer than %(n)s stories)") % {
            "n": min_count()
        }
    if kind != SDG_GAP or goal is None:
        match = SDG_GAP_KEY.match(description)
        if match and match["stream"] == stream:
            goal = int(match["goal"])
            kind = SDG_GAP
    if kind == SDG_GAP and goal is not None and stream in SDG_GAP_TEXT:
        return str(SDG_GAP_TEXT[stream]) % {"goal": goal}
    return str(COMPUTED_GAPS.get((stream, description), description))


def any_gap_text(gap) -> str:
    """``gap_text`` of the summary's gap (a dict) or of an assigned ``DataGap`` (its goal from
    ``sdg_goal``, its kind from the stored key)."""
    if isinstance(gap, dict):
        return gap_text(
            gap.get("stream", ""), gap.get("description", ""), gap.get("goal"), gap.get("kind", "")
        )
    goal = gap.sdg_goal.number if gap.sdg_goal_id else None
    return gap_text(gap.stream, gap.description, goal)


@dataclass(frozen=True)
class Figure:
    caption: str
    png: bytes
    alt: str


@dataclass(frozen=True)
class Quote:
    text: str
    said_by: str


@dataclass(frozen=True)
class Chapter:
    group: str
    country: str
    as_of: date | None
    summary: tuple[str, ...]
    survey: tuple[str, ...]
    figures: tuple[Figure, ...]
    voice: tuple[str, ...]
    quotes: tuple[Quote, ...]
    recommendations_total: int
    recommendations: tuple[str, ...]  # in the text: all, or the most recent
    annex: tuple[str, ...]  # the complete list when the text shows only the most recent
    convergence: tuple[tuple[str, str, str, str], ...]
    data_gaps: tuple[str, ...]
    causes: tuple[tuple[int, str], ...]  # (depth, text)
    roles: tuple[tuple[str, tuple[str, ...]], ...]  # (role, its capacity gaps)
    actions: tuple[str, ...]
    monitoring: tuple[tuple[str, ...], ...] | None  # rows under MONITORING_COLUMNS
    sources: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def recommendations_note(self) -> str:
        if not self.annex:
            return ""
        return _("The %(n)s most recent of %(total)s; the full list is in the annex.") % {
            "n": len(self.recommendations),
            "total": self.recommendations_total,
        }


MONITORING_COLUMNS = (
    gettext_lazy("Indicator"),
    gettext_lazy("Baseline"),
    gettext_lazy("Target"),
    gettext_lazy("Latest"),
    gettext_lazy("Verdict"),
)


def _pct(value) -> str:
    return "—" if value is None else f"{value:.0%}"


def _monitoring(group, country: str, viewer) -> tuple[tuple[str, ...], ...] | None:
    """The monitoring indicator table, if the monitoring module is installed (another
    branch builds it); ``None`` without it, so the section is simply left out."""
    try:
        from evidence.monitoring.selectors import indicators_for_group
    except ImportError:
        return None
    rows = []
    for item in indicators_for_group(group, country, viewer):
        percent = getattr(item, "percent", True)
        unit = getattr(item, "unit", "") or ""

        def value(v, percent=percent, unit=unit):
            # Monitoring values are on the indicator's own scale (a percentage is 0–100).
            if v is None:
                return "—"
            if percent:
                return f"{v:.1f}".removesuffix(".0") + "%"
            return f"{v:.3g}{' ' + unit if unit else ''}"

        def pair(year, mine, others):
            if mine is None and others is None:
                return "—"
            when = f"{year}: " if year else ""
            return f"{when}{value(mine)} " + _("(everyone else %(value)s)") % {
                "value": value(others)
            }

        rows.append(
            (
                str(getattr(item, "name", item)),
                pair(
                    getattr(item, "baseline_year", None),
                    getattr(item, "baseline_group", None),
                    getattr(item, "baseline_others", None),
                ),
                pair(
                    getattr(item, "target_year", None),
                    getattr(item, "target_group", None),
                    getattr(item, "target_others", None),
                ),
                pair(
                    getattr(item, "latest_year", None),
                    getattr(item, "latest_group", None),
                    getattr(item, "latest_others", None),
                ),
                str(getattr(item, "verdict_text", "") or "—"),
            )
        )
    return tuple(rows)


def _unique_quotes(candidates: list[tuple[str, str]]) -> tuple[Quote, ...]:
    seen, out = set(), []
    for text, said_by in candidates:
        key = " ".join(text.lower().split())
        if key and key not in seen:
            seen.add(key)
            out.append(Quote(text=text.strip(), said_by=said_by))
    return tuple(out)


def _recommendation_line(rec) -> str:
    where = f"{rec.mechanism}{' ' + rec.symbol if rec.symbol else ''}"
    paragraph = f", para. {rec.paragraph}" if rec.paragraph else ""
    return f"{where}{paragraph}: {rec.text}"


def _trend_figures(group_name: str, trend: dict) -> list[Figure]:
    figures = []
    for name, points in sorted(trend.items()):
        rows = [tuple(p) for p in points if len(p) == 3]
        if len(rows) < 2:
            continue
        labels = [str(r[0]) for r in rows]
        png = line_chart_png(
            title=_("%(name)s: %(group)s and national, by survey round")
            % {"name": name, "group": group_name},
            labels=labels,
            series=[
                Series(group_name, tuple(r[2] for r in rows)),
                Series(_("National"), tuple(r[1] for r in rows), dashed=True),
            ],
        )
        alt = "; ".join(
            _("%(round)s: %(group)s %(rate)s, national %(national)s")
            % {"round": r[0], "group": group_name, "rate": _pct(r[2]), "national": _pct(r[1])}
            for r in rows
        )
        figures.append(Figure(caption=_("Trend: %(name)s") % {"name": name}, png=png, alt=alt))
    return figures


def build_chapter(context: dict, *, viewer) -> Chapter:
    """The chapter of one group from the group page's context (``evidence.views``)."""
    group, data, country = context["group"], context["data"], context["country"]
    survey_rows = data["survey"]
    voice = data["voice"]

    summary = []
    if survey_rows:
        worst = max(survey_rows, key=lambda r: r["gap_to_ahead"])
        summary.append(
            _(
                "In %(n)s survey indicator(s) the group is linked to a group found by the tree; "
                "its largest gap to the furthest-ahead group is %(gap).0f points "
                "(%(indicator)s, %(round)s)."
            )
            % {
                "n": len({r["indicator"] for r in survey_rows}),
                "gap": worst["gap_to_ahead"] * 100,
                "indicator": worst["indicator"],
                "round": worst["round"],
            }
        )
    if voice["count"] is None:
        summary.append(
            _("Fewer than %(n)s approved stories come from people of this group.")
            % {"n": min_count()}
        )
    elif voice["count"]:
        summary.append(
            _("%(n)s approved stories come from people of this group.") % {"n": voice["count"]}
        )
    rec_total = data["recommendations"]["total"]
    summary.append(_("%(n)s recommendations name this group.") % {"n": rec_total})
    if data["gaps"]:
        summary.append(_("%(n)s data gap(s) remain open.") % {"n": len(data["gaps"])})

    survey = tuple(
        _(
            "%(indicator)s (%(round)s): %(path)s — %(rate)s against %(national)s nationally; "
            "gap to the furthest ahead %(gap).0f points; %(share)s of the population."
        )
        % {
            "indicator": r["indicator"],
            "round": r["round"] + (", " + r["region"] if r["region"] else ""),
            "path": ", ".join(r["path"]),
            "rate": _pct(r["rate"]),
            "national": _pct(r["national"]),
            "gap": r["gap_to_ahead"] * 100,
            "share": _pct(r["share"]),
        }
        for r in survey_rows
    )
    figures: list[Figure] = []
    national_first = sorted(survey_rows, key=lambda r: (bool(r["region"]), r["indicator"]))
    drawn: set[str] = set()
    for row in national_first:
        if len(drawn) >= TREE_FIGURES or row["indicator"] in drawn:
            continue
        found = run_tree_png(run_id=row["run"], country=country)
        if found:
            caption, png = found
            drawn.add(row["indicator"])
            alt = _(
                "Tree for %(caption)s: the group's leaf is %(path)s at %(rate)s against "
                "%(national)s nationally."
            ) % {
                "caption": caption,
                "path": ", ".join(row["path"]),
                "rate": _pct(row["rate"]),
                "national": _pct(row["national"]),
            }
            figures.append(
                Figure(
                    caption=_("Who is furthest behind: %(caption)s") % {"caption": caption},
                    png=png,
                    alt=alt,
                )
            )
    figures += _trend_figures(group.name, data.get("trend") or {})

    fewer = _("fewer than %(n)s") % {"n": min_count()}
    stories = fewer if voice["count"] is None else voice["count"]
    voice_lines = [
        _("Approved stories: %(stories)s; focus-group discussions: %(n)s.")
        % {"stories": stories, "n": voice["focus_groups"]}
    ]
    if voice.get("themes"):
        voice_lines.append(
            _("Themes most often raised:")
            + " "
            + "; ".join(f"{name} ({fewer if is_small(n) else n})" for name, n in voice["themes"])
            + "."
        )
    candidates = [(n.story, "") for n in context["sample"] if n.use_quotation]
    candidates += [(q.text, q.speaker_group) for q in context["quotes"]]
    quotes = _unique_quotes(candidates)

    # Every recommendation naming the group that the viewer may list, most recent first.
    items = recommendations_for_group(group, viewer=viewer, country=country).items
    all_recs = recommendation_citations([i.pk for i in items]) if items else ()
    lines = tuple(_recommendation_line(r) for r in all_recs)
    if len(lines) > RECOMMENDATIONS_IN_TEXT:
        in_text, annex = lines[:RECOMMENDATIONS_IN_TEXT], lines
    else:
        in_text, annex = lines, ()

    convergence = tuple(
        (
            f"{row['goal']}. {row['label']}",
            state_text(row["survey"]),
            state_text(row["voice"]),
            state_text(row["recommendations"]),
        )
        for row in data["matrix"]
    )
    computed = [g["description"] for g in data["gaps"]]
    gaps = [any_gap_text(g) for g in data["gaps"]]
    gaps += [
        _("%(gap)s (assigned to %(person)s)")
        % {"gap": any_gap_text(gap), "person": gap.assigned_to}
        if gap.assigned_to
        else any_gap_text(gap)
        for gap in context.get("data_gaps", [])
        if gap.is_open and gap.description not in computed
    ]
    causes = tuple(
        (
            depth,
            f"{cause.get_level_display()}: {cause.text}"
            + (" " + _("(rights: %(rights)s)") % {"rights": cause.rights} if cause.rights else ""),
        )
        for cause, depth in context["outline"]
    )
    roles = tuple(
        (
            f"{role.name} ({role.get_kind_display()}): {role.claims_or_obligations}",
            tuple(
                f"{gap.get_dimension_display()} ({gap.get_severity_display()}): {gap.description}"
                for gap in role.gaps.all()
            ),
        )
        for role in context["roles"]
    )
    actions = tuple(
        f"{a.title} — {a.owner}, {a.get_status_display()}"
        + (", " + _("by %(date)s") % {"date": f"{a.ends_on:%Y-%m-%d}"} if a.ends_on else "")
        for a in context["actions"]
    )

    cited_runs = {r["run"] for r in survey_rows}
    story_ids = {n.pk for n in context["sample"] if n.use_quotation}
    quote_ids = {q.pk for q in context["quotes"]}
    for cause in context["causes"]:
        for citation in getattr(cause, "readable_citations", []):
            if citation.run_id:
                cited_runs.add(citation.run_id)
            if citation.narrative_id:
                story_ids.add(citation.narrative_id)
            if citation.quote_id:
                quote_ids.add(citation.quote_id)
    labels = run_labels(run_ids=cited_runs, country=country)
    symbols = sorted({r.symbol for r in all_recs if r.symbol})
    sources = {
        _("Survey analyses"): tuple(labels[pk] for pk in sorted(labels)),
        _("Consultation campaigns"): campaign_titles(story_ids=story_ids, quote_ids=quote_ids),
        _("Human-rights documents"): tuple(symbols),
    }
    summary_at = context["summary"].computed_at
    return Chapter(
        group=group.name,
        country=country,
        as_of=summary_at.date() if summary_at else None,
        summary=tuple(summary),
        survey=survey,
        figures=tuple(figures),
        voice=tuple(voice_lines),
        quotes=quotes,
        recommendations_total=len(lines) or rec_total,
        recommendations=in_text,
        annex=annex,
        convergence=convergence,
        data_gaps=tuple(gaps),
        causes=causes,
        roles=roles,
        actions=actions,
        monitoring=_monitoring(group, country, viewer),
        sources={k: v for k, v in sources.items() if v},
    )


def author_organisation(user, country: str) -> str:
    """Who a document is from: the viewer's organisation in the country (RCO first)."""
    from accounts.models import Membership, Role

    memberships = Membership.objects.filter(
        user=user, organisation__country=country
    ).select_related("organisation")
    best = sorted(memberships, key=lambda m: (m.role != Role.RCO_STAFF, m.organisation.name))
    if best:
        return best[0].organisation.name
    if country:
        return _("United Nations Country Team, %(country)s") % {"country": country}
    return _("United Nations Country Team")
