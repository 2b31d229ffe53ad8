"""Reads of community voice that several views (and the group pages) need.

Evidence means approved stories only; every count shown passes through suppression.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, Q, QuerySet
from django.utils import translation

from accounts import policy
from accounts.models import Role
from accounts.policy import Action

from .models import (
    Campaign,
    FocusGroup,
    FocusGroupTheme,
    Narrative,
    Quote,
    ReviewStatus,
    Signifier,
)

#: What counts as community-voice evidence: approved, with the teller's consent to analysis.
EVIDENCE = Q(review_status=ReviewStatus.APPROVED, use_analysis=True)


def evidence_narratives(*, user, campaign: Campaign | None = None) -> QuerySet[Narrative]:
    """Approved stories the user may see, with consent for analysis."""
    narratives = policy.scope(user, Narrative.objects.all(), Action.LIST).filter(EVIDENCE)
    if campaign is not None:
        narratives = narratives.filter(campaign=campaign)
    return narratives


def narratives_search(queryset: QuerySet[Narrative], text: str) -> QuerySet[Narrative]:
    """Full-text search on PostgreSQL; a simpler substring search on SQLite."""
    text = text.strip()
    if not text:
        return queryset
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        vector = SearchVector("title", "story", config="simple")
        return queryset.annotate(search=vector).filter(
            search=SearchQuery(text, config="simple", search_type="websearch")
        )
    query = Q()
    for word in text.split():
        query &= Q(story__icontains=word) | Q(title__icontains=word)
    return queryset.filter(query)


def narratives_filter(
    queryset: QuerySet[Narrative],
    *,
    group=None,
    signifier=None,
    zone=None,
    bin_index=None,
    bins: int = 10,
) -> QuerySet[Narrative]:
    """Filter by self-identified group and by a triad zone or a dyad bin (in Python: the
    answers live in JSON)."""
    from .signifiers import dyad_bin, triad_zone

    if group is not None:
        queryset = queryset.filter(groups=group)
    if signifier is None or (zone is None and bin_index is None):
        return queryset
    keep = []
    pooled = set(signifier.combinable_versions())
    for pk, answers, answered in queryset.values_list("pk", "answers", "answer_versions"):
        value = (answers or {}).get(signifier.key)
        if value is None or (answered or {}).get(signifier.key, 1) not in pooled:
            continue
        if zone is not None and signifier.kind == "triad" and triad_zone(tuple(value)) == zone:
            keep.append(pk)
        if (
            bin_index is not None
            and signifier.kind == "dyad"
            and dyad_bin(value, bins) == bin_index
        ):
            keep.append(pk)
    return queryset.filter(pk__in=keep)


def count_table(queryset: QuerySet, field: str) -> dict[str, int]:
    return {
        str(row[field] or "—"): row["n"]
        for row in queryset.values(field).annotate(n=Count("pk", distinct=True)).order_by(field)
    }


def campaign_counts(queryset: QuerySet[Narrative]) -> dict[str, dict[str, int | None]]:
    """Counts by instrument, partner, language and self-identified group, suppressed."""
    from .privacy import suppress_counts

    total = queryset.count()
    counted = {
        "instrument": count_table(queryset, "instrument__name"),
        "partner": count_table(queryset, "organisation__name"),
        "language": count_table(queryset, "language"),
    }
    groups = count_table(queryset.filter(groups__isnull=False), "groups__name")
    tables = {name: suppress_counts(t, total=total) for name, t in counted.items()}
    # Several groups per story: the group table has no derivable total.
    tables["group"] = suppress_counts(groups)
    return tables


def signifier_values(
    queryset: QuerySet[Narrative], key: str, versions: Collection[int] | None = None
) -> list:
    """The answers to one question. With ``versions`` (``Signifier.combinable_versions()``),
    only answers to those versions of the question: versions that share their choices are
    pooled, an answer to a version with other choices or corners is left out (a story stored
    before versioning answered version 1)."""
    return [
        answers[key]
        for answers, answered in queryset.values_list("answers", "answer_versions")
        if answers
        and answers.get(key) is not None
        and (versions is None or (answered or {}).get(key, 1) in versions)
    ]


# ---------------------------------------------------------------------------
# The group page's front door (evidence/ reads community voice only through these)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StoryItem:
    """An approved story whose teller self-identified with the group."""

    pk: int
    organisation: int | None  # decides who may read it (``rules.SubmissionRule``)
    created_at: str
    quotable: bool
    goals: tuple[int, ...]
    factors: tuple[str, ...]
    themes: tuple[str, ...]


@dataclass(frozen=True)
class FocusGroupItem:
    """An approved focus-group discussion with participants from the group."""

    pk: int
    organisation: int | None
    quotes: tuple[int, ...]  # quotable quotes only (the record's quotation consent)
    themes: tuple[str, ...]
    goals: tuple[int, ...]  # one entry per theme naming the goal
    factors: tuple[str, ...]


def triad_zone_names(labels: tuple[str, str, str]) -> list[str]:
    """A triad's zone names in ``TRIAD_ZONES`` order (the order of ``SignifierCounts``), in
    the active language: "mostly Family", "between Money and Luck"…"""
    from .plots import zone_names
    from .signifiers import TRIAD_ZONES

    names = zone_names(labels)
    return [names.get(zone, zone) for zone in TRIAD_ZONES]


@dataclass(frozen=True)
class SignifierCounts:
    """A signifier's answers of one organisation's stories: the group's and everyone's
    (triad: counts per zone in ``TRIAD_ZONES`` order; dyad: a 10-bin histogram)."""

    key: str
    kind: str
    question: str
    labels: tuple[str, ...]
    zone_names: tuple[str, ...]
    organisation: int | None
    group: tuple[int, ...]
    everyone: tuple[int, ...]
    #: the question and labels in each of the portal's languages (``{"fr": {"question": …,
    #: "labels": […]}}``), so a stored summary is drawn in its reader's language
    texts: dict[str, dict] | None = None


@dataclass(frozen=True)
class GroupVoice:
    stories: tuple[StoryItem, ...]
    focus_groups: tuple[FocusGroupItem, ...]
    signifiers: tuple[SignifierCounts, ...] = ()


def visible_voice_organisations(actor, country: str) -> frozenset[int | None] | None:
    """Whose approved submissions of the country the actor reads: ``None`` for everyone's
    (RCO staff, UNCT members), else their own partner organisations' (``SubmissionRule``)."""
    if (
        actor.is_superuser
        or country in actor.rco_countries
        or country in actor.countries_with_role(Role.UNCT_MEMBER)
    ):
        return None
    if country in actor.countries_with_role(Role.CSO_PARTNER):
        return frozenset(actor.organisations_with_role(Role.CSO_PARTNER))
    return frozenset()


def _group_stories(stories: QuerySet[Narrative], group) -> QuerySet[Narrative]:
    """``stories`` told by tellers who identified with the group or, for an intersection,
    with every one of its components. A query, not a list of ids: a large group's thousands
    of ids would be sent back to the database by every query that follows."""
    components = list(group.components.all())
    if not components:
        return stories.filter(groups=group)  # a story names a group once: no duplicates
    tags = Narrative.groups.through.objects
    naming = Q(pk__in=tags.filter(populationgroup=group).values("narrative_id"))
    every = Q()
    for component in components:
        every &= Q(pk__in=tags.filter(populationgroup=component).values("narrative_id"))
    naming |= every
    return stories.filter(naming)


def _pairs(queryset, key: str, value: str) -> dict[int, list]:
    out: dict[int, list] = {}
    for pk, item in queryset.values_list(key, value):
        if item is not None:
            out.setdefault(pk, []).append(item)
    return out


#: Country-wide answers per signifier: ``{(key, kind): {organisation: counts}}`` (triad:
#: counts per zone in ``TRIAD_ZONES`` order; dyad: a 10-bin histogram).
SignifierTotals = dict[tuple[str, str], dict[int | None, tuple[int, ...]]]
DYAD_BINS = 10


def _signifier_size(kind: str) -> int:
    from .signifiers import TRIAD_ZONES

    return len(TRIAD_ZONES) if kind == "triad" else DYAD_BINS


def _signifier_index(kind: str, value) -> int | None:
    """The zone (triad) or bin (dyad) of one answer; ``None`` when unanswered."""
    from .signifiers import TRIAD_ZONES, dyad_bin, triad_zone

    if value is None:
        return None
    if kind == "triad":
        return TRIAD_ZONES.index(triad_zone(tuple(value)))
    return dyad_bin(value, DYAD_BINS)


def signifier_totals_stamp(*, country: str) -> str:
    """What the country's evidence stories are, in one cheap aggregate (how many, the
    newest): a cache of ``signifier_totals`` keyed on it misses when stories are added,
    approved or removed."""
    row = Narrative.objects.filter(EVIDENCE, campaign__country=country).aggregate(
        n=Count("pk"), newest=Max("pk")
    )
    return f"{row['n']}-{row['newest'] or 0}"


def signifier_totals(
    *, country: str, stories: QuerySet[Narrative] | None = None
) -> SignifierTotals:
    """Every triad and dyad signifier's answers over the country's approved stories, per
    collecting organisation (what decides who may read them). One pass over the stories:
    compute it once per country and reuse it for every group (``voice_items_for_group``)."""
    approved = (Narrative.objects.all() if stories is None else stories).filter(
        EVIDENCE, campaign__country=country
    )
    kinds = set(
        Signifier.objects.filter(
            instrument__campaign__country=country, kind__in=("triad", "dyad")
        ).values_list("key", "kind")
    )
    totals: dict[tuple[str, str], dict[int | None, list[int]]] = {k: {} for k in kinds}
    if not kinds:
        return {}
    for org, answers in approved.values_list("organisation_id", "answers").iterator(2000):
        if not answers:
            continue
        for key, kind in kinds:
            index = _signifier_index(kind, answers.get(key))
            if index is not None:
                totals[key, kind].setdefault(org, [0] * _signifier_size(kind))[index] += 1
    return {sig: {org: tuple(c) for org, c in per_org.items()} for sig, per_org in totals.items()}


def voice_items_for_group(
    group,
    *,
    country: str,
    stories: QuerySet[Narrative] | None = None,
    records: QuerySet[FocusGroup] | None = None,
    signifiers: bool = True,
    totals: SignifierTotals | None = None,
) -> GroupVoice:
    """Approved stories of the country's campaigns whose tellers self-identified with the
    group (for an intersection: with the intersection or with *all* of its components), and
    approved focus groups with participants from the group or a component; each item says
    which organisation collected it, which decides who may read it.

    The signifier comparison needs every approved story of the country ("everyone"): pass
    ``totals`` (``signifier_totals``, which a caller may keep for many groups) so that only
    the group's own stories are read here."""
    from .plots import zone_names
    from .signifiers import TRIAD_ZONES

    approved = (Narrative.objects.all() if stories is None else stories).filter(
        EVIDENCE, campaign__country=country
    )
    mine = _group_stories(approved, group)
    ids = mine.values("pk")
    goals = _pairs(
        Narrative.sdg_targets.through.objects.filter(narrative__in=ids),
        "narrative_id",
        "sdgtarget__goal__number",
    )
    factors = _pairs(
        Narrative.factors.through.objects.filter(narrative__in=ids), "narrative_id", "factor__code"
    )
    themes = _pairs(
        Narrative.themes.through.objects.filter(narrative__in=ids), "narrative_id", "theme__name"
    )
    # One read of the group's stories; their answers only when the signifiers are wanted.
    columns = ["pk", "organisation_id", "created_at", "use_quotation"]
    if signifiers:
        columns += ["instrument_id", "answers"]
    rows = list(mine.order_by("pk").values_list(*columns))
    story_items = tuple(
        StoryItem(
            pk=pk,
            organisation=org,
            created_at=created.isoformat(),
            quotable=quotable,
            goals=tuple(sorted(set(goals.get(pk, ())))),
            factors=tuple(sorted(set(factors.get(pk, ())))),
            themes=tuple(sorted(set(themes.get(pk, ())))),
        )
        for pk, org, created, quotable, *_rest in rows
    )
    components = list(group.components.all())
    fgd = (
        (FocusGroup.objects.all() if records is None else records)
        .filter(review_status=ReviewStatus.APPROVED, campaign__country=country)
        .filter(Q(groups=group) | Q(groups__in=components) if components else Q(groups=group))
        .distinct()
    )
    fgd_rows = list(fgd.order_by("pk").values_list("pk", "organisation_id", "use_quotation"))
    fgd_ids = [r[0] for r in fgd_rows]
    quotes = _pairs(
        Quote.objects.filter(focus_group__in=fgd_ids).order_by("pk"), "focus_group_id", "pk"
    )
    fg_themes = FocusGroupTheme.objects.filter(focus_group__in=fgd_ids)
    fg_summaries = _pairs(fg_themes, "focus_group_id", "summary")
    fg_factors = _pairs(fg_themes, "focus_group_id", "factors__code")
    fg_goals = _pairs(fg_themes, "focus_group_id", "sdg_targets__goal__number")
    fgd_items = tuple(
        FocusGroupItem(
            pk=pk,
            organisation=org,
            quotes=tuple(quotes.get(pk, ())) if quotable else (),
            themes=tuple(fg_summaries.get(pk, ())),
            goals=tuple(fg_goals.get(pk, ())),
            factors=tuple(fg_factors.get(pk, ())),
        )
        for pk, org, quotable in fgd_rows
    )
    counts: list[SignifierCounts] = []
    if signifiers and story_items:
        if totals is None:
            totals = signifier_totals(country=country, stories=approved)
        own = [(row[1], row[5]) for row in rows]
        instruments = {row[4] for row in rows}
        for s in Signifier.objects.filter(instrument__in=instruments).order_by(
            "instrument", "order"
        ):
            if s.kind not in ("triad", "dyad"):
                continue
            # The summary is stored and shared by readers of every language: its texts are
            # English whatever the language of the request that happens to compute it.
            names: dict[str, str] = {}
            if s.kind == "triad":
                first, second, third = s.label_texts("en")
                with translation.override("en"):
                    names = zone_names((first, second, third))
            texts = {
                code: {"question": s.question_text(code), "labels": s.label_texts(code)}
                for code, _name in settings.LANGUAGES
            }
            size = _signifier_size(s.kind)
            per_org: dict[int | None, list[int]] = {}
            for org, answers in own:
                index = _signifier_index(s.kind, (answers or {}).get(s.key))
                if index is not None:
                    per_org.setdefault(org, [0] * size)[index] += 1
            everyone = totals.get((s.key, s.kind), {})
            for org, group_counts in per_org.items():
                counts.append(
                    SignifierCounts(
                        key=s.key,
                        kind=s.kind,
                        question=s.question_text("en"),
                        labels=tuple(s.label_texts("en")),
                        zone_names=tuple(names.get(z, z) for z in TRIAD_ZONES) if names else (),
                        organisation=org,
                        group=tuple(group_counts),
                        everyone=tuple(everyone.get(org, (0,) * size)),
                        texts=texts,
                    )
                )
    return GroupVoice(stories=story_items, focus_groups=fgd_items, signifiers=tuple(counts))


def voices_for_group(group, *, viewer, country: str) -> GroupVoice:
    """The group's community voice that ``viewer`` may list (the access policy decides)."""
    return voice_items_for_group(
        group,
        country=country,
        stories=policy.scope(viewer, Narrative.objects.all(), Action.LIST),
        records=policy.scope(viewer, FocusGroup.objects.all(), Action.LIST),
        signifiers=False,
    )


# ---------------------------------------------------------------------------
# Closing the loop and participation (the feedback page and the participation indicators)
# ---------------------------------------------------------------------------

#: How many quotes a public feedback page shows at most.
FEEDBACK_QUOTES = 4
#: The accessibility accommodations a focus-group record can name (``FocusGroupForm``).
ACCOMMODATIONS = ("sign_language", "captioning", "easy_read", "accessible_venue", "transport")


@dataclass(frozen=True)
class HeardQuote:
    """A quote fit for a public page: the teller (or the focus group) agreed to quotation
    *and* publication; attributed to a self-described group, never a person."""

    text: str
    said_by: str
    language: str


@dataclass(frozen=True)
class CampaignHeard:
    """What a campaign heard, as aggregates fit for a public page (``None``: fewer than 5)."""

    campaign: int
    stories: int | None
    focus_groups: int
    participants: int | None
    themes: tuple[tuple[str, int | None], ...]
    groups: tuple[tuple[int, str, int | None], ...]  # (group pk, name, stories)
    quotes: tuple[HeardQuote, ...]
    story_ids: frozenset[int]
    quote_ids: frozenset[int]


def _participant_total(participants: dict | None) -> int:
    """A focus group's head count: the sum of its counts by sex (the form's first table)."""
    by_sex = (participants or {}).get("sex") or {}
    return sum(v for v in by_sex.values() if isinstance(v, int) and v > 0)


def _suppressed(value: int) -> int | None:
    from common.suppression import is_small

    return None if is_small(value) else value


def campaign_heard(campaign: Campaign, *, limit: int = FEEDBACK_QUOTES) -> CampaignHeard:
    """The approved evidence of one campaign for its public "what we heard" page: counts by
    theme and self-identified group with primary suppression (< 5), and at most ``limit``
    quotes whose tellers agreed to quotation and publication (identifiers redacted)."""
    from .privacy import redact, suppress_counts

    stories = Narrative.objects.filter(EVIDENCE, campaign=campaign)
    total = stories.count()
    records = FocusGroup.objects.filter(
        campaign=campaign, review_status=ReviewStatus.APPROVED, use_analysis=True
    )
    fg_rows = list(records.values_list("pk", "participants"))
    participants = sum(_participant_total(p) for _pk, p in fg_rows)
    themes = count_table(stories.filter(themes__isnull=False), "themes__name")
    group_rows = (
        stories.filter(groups__isnull=False)
        .values("groups__pk", "groups__name")
        .annotate(n=Count("pk", distinct=True))
        .order_by("-n", "groups__name")
    )
    shown_themes = suppress_counts(themes)
    quotes: list[HeardQuote] = []
    quotable = stories.filter(use_quotation=True, use_publication=True).order_by("-created_at")
    for text, language in quotable.values_list("story", "language")[:limit]:
        text = redact(text.strip())
        if len(text) > 400:
            text = text[:400].rsplit(" ", 1)[0] + " …"
        quotes.append(HeardQuote(text=text, said_by="", language=language))
    fg_quotes = Quote.objects.filter(
        focus_group__in=records.filter(use_quotation=True, use_publication=True)
    ).order_by("-pk")
    for text, said_by in fg_quotes.values_list("text", "speaker_group")[
        : max(0, limit - len(quotes))
    ]:
        quotes.append(HeardQuote(text=redact(text.strip()), said_by=said_by, language=""))
    return CampaignHeard(
        campaign=campaign.pk,
        stories=_suppressed(total),
        focus_groups=len(fg_rows),
        participants=_suppressed(participants),
        themes=tuple(sorted(shown_themes.items(), key=lambda kv: (-(themes[kv[0]]), kv[0]))),
        groups=tuple(
            (row["groups__pk"], row["groups__name"], _suppressed(row["n"])) for row in group_rows
        ),
        quotes=tuple(quotes),
        story_ids=frozenset(stories.values_list("pk", flat=True)),
        quote_ids=frozenset(
            Quote.objects.filter(focus_group__in=records).values_list("pk", flat=True)
        ),
    )


@dataclass(frozen=True)
class HeardGroup:
    """A population group people self-identified with, in stories or focus groups."""

    pk: int
    slug: str
    name: str
    stories: int | None  # suppressed: None is 1–4
    participants: int | None  # in focus groups where the group was represented; suppressed


@dataclass(frozen=True)
class Participation:
    """Who took part, as one viewer may list it (``None`` counts: fewer than 5)."""

    country: str
    campaign: int | None
    stories: int | None
    focus_groups: int
    participants: int | None
    heard: tuple[HeardGroup, ...]
    target_groups: tuple[tuple[int, str, str], ...]  # (pk, slug, name) the campaigns wanted
    accessible_focus_groups: int
    accommodations: tuple[tuple[str, int], ...]
    story_languages: tuple[tuple[str, int | None], ...]
    focus_group_languages: tuple[tuple[str, int], ...]

    @property
    def accessible_share(self) -> float | None:
        return self.accessible_focus_groups / self.focus_groups if self.focus_groups else None

    @property
    def heard_ids(self) -> frozenset[int]:
        return frozenset(g.pk for g in self.heard)


def participation(*, viewer, country: str, campaign: Campaign | None = None) -> Participation:
    """Participation indicators of a country (or one of its campaigns) for ``viewer``: the
    groups heard (approved stories with consent to analysis whose tellers self-identified, and
    approved focus groups representing the group), the share of focus groups with at least one
    accessibility accommodation, and the languages used. Only what the viewer may list counts
    (the access policy); counts of 1–4 are ``None``."""
    from taxonomy.models import PopulationGroup

    stories = policy.scope(viewer, Narrative.objects.all(), Action.LIST).filter(
        EVIDENCE, campaign__country=country
    )
    records = policy.scope(viewer, FocusGroup.objects.all(), Action.LIST).filter(
        review_status=ReviewStatus.APPROVED, use_analysis=True, campaign__country=country
    )
    # Only campaigns the viewer may list say which groups were wanted (not drafts, nor a
    # campaign a partner is not invited to).
    campaigns = visible_campaigns(viewer=viewer, country=country)
    if campaign is not None:
        stories = stories.filter(campaign=campaign)
        records = records.filter(campaign=campaign)
        campaigns = campaigns.filter(pk=campaign.pk)
    story_counts = dict(
        stories.filter(groups__isnull=False)
        .values("groups")
        .annotate(n=Count("pk", distinct=True))
        .values_list("groups", "n")
    )
    fg_rows = list(records.values_list("pk", "participants", "accommodations", "languages"))
    heads = {pk: _participant_total(p) for pk, p, _a, _l in fg_rows}
    fg_groups: dict[int, int] = {}
    for fg_pk, group_pk in FocusGroup.groups.through.objects.filter(
        focusgroup__in=[r[0] for r in fg_rows]
    ).values_list("focusgroup_id", "populationgroup_id"):
        fg_groups[group_pk] = fg_groups.get(group_pk, 0) + heads.get(fg_pk, 0)
    heard_ids = set(story_counts) | set(fg_groups)
    groups = {g.pk: g for g in PopulationGroup.objects.filter(pk__in=heard_ids)}
    heard = sorted(
        (
            HeardGroup(
                pk=pk,
                slug=groups[pk].slug,
                name=groups[pk].name,
                stories=_suppressed(story_counts.get(pk, 0)),
                participants=_suppressed(fg_groups.get(pk, 0)),
            )
            for pk in heard_ids
            if pk in groups
        ),
        key=lambda g: g.name.lower(),
    )
    accommodations: dict[str, int] = {}
    fg_languages: dict[str, int] = {}
    for _pk, _p, used, languages in fg_rows:
        for code in used or []:
            accommodations[code] = accommodations.get(code, 0) + 1
        for language in (languages or "").split(","):
            if language.strip():
                fg_languages[language.strip()] = fg_languages.get(language.strip(), 0) + 1
    from .privacy import suppress_counts

    total = stories.count()
    story_languages = suppress_counts(count_table(stories, "language"), total=total)
    targets = (
        PopulationGroup.objects.filter(campaigns__in=campaigns)
        .distinct()
        .order_by("name")
        .values_list("pk", "slug", "name")
    )
    return Participation(
        country=country,
        campaign=campaign.pk if campaign is not None else None,
        stories=_suppressed(total),
        focus_groups=len(fg_rows),
        participants=_suppressed(sum(heads.values())),
        heard=tuple(heard),
        target_groups=tuple(targets),
        accessible_focus_groups=sum(1 for r in fg_rows if r[2]),
        accommodations=tuple(
            (code, accommodations[code]) for code in ACCOMMODATIONS if code in accommodations
        ),
        story_languages=tuple(story_languages.items()),
        focus_group_languages=tuple(sorted(fg_languages.items())),
    )


def feedback_campaign(pk: int) -> Campaign | None:
    """A campaign that may have a public feedback page: any campaign that has been opened to
    people (a draft has heard nobody and stays unknown to the public)."""
    return Campaign.objects.exclude(status=Campaign.Status.DRAFT).filter(pk=pk).first()


def visible_campaigns(*, viewer, country: str) -> QuerySet[Campaign]:
    """The country's campaigns ``viewer`` may list, newest first."""
    return policy.scope(viewer, Campaign.objects.filter(country=country), Action.LIST)


def campaign_titles(*, story_ids, quote_ids) -> tuple[str, ...]:
    """The campaigns that the given stories and focus-group quotes came from (for a
    document's list of sources)."""
    titles = set(
        Narrative.objects.filter(pk__in=list(story_ids)).values_list("campaign__title", flat=True)
    )
    titles |= set(
        Quote.objects.filter(pk__in=list(quote_ids)).values_list(
            "focus_group__campaign__title", flat=True
        )
    )
    return tuple(sorted(titles))
