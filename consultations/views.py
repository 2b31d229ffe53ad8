"""Community voice in the browser: campaigns, instruments, the respondent form, withdrawal,
review, focus groups. Every object goes through the access policy."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import get_random_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.models import Role
from accounts.policy import Action, actor_for
from common.client_ip import client_ip
from taxonomy.models import Factor, SDGTarget

from . import services
from .forms import (
    CampaignForm,
    FocusGroupForm,
    InstrumentForm,
    NarrativeForm,
    ReviewForm,
    SignifierForm,
    TagForm,
    WithdrawForm,
    text_in,
)
from .ingest import DYAD_SCALES
from .models import (
    Campaign,
    FocusGroup,
    FocusGroupTheme,
    Instrument,
    Narrative,
    Quote,
    ReviewStatus,
    Signifier,
)
from .privacy import find_identifiers, highlight_html
from .rules import sees_identities

PUBLIC_RATE_LIMIT = 20  # stories per hour per address through a public link


@login_required
def index(request):
    campaigns = policy.scope(request.user, Campaign.objects.all(), Action.LIST)
    return render(
        request,
        "consultations/index.html",
        {
            "campaigns": campaigns,
            "can_create": policy.can(request.user, Action.CREATE, Campaign),
        },
    )


def _campaign_form(request, campaign: Campaign | None):
    countries = actor_for(request.user).rco_countries
    form = CampaignForm(request.POST or None, instance=campaign, countries=countries)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        try:
            services.campaign_save(
                campaign=obj,
                consent_texts=form.consent_texts(),
                user=request.user,
                target_groups=form.cleaned_data["target_groups"],
                partners=form.cleaned_data["partners"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The campaign was saved."))
            return redirect(obj)
    return render(request, "consultations/campaign_form.html", {"form": form, "campaign": campaign})


@login_required
def campaign_create(request):
    policy.require(request.user, Action.CREATE, Campaign)
    return _campaign_form(request, None)


@login_required
def campaign_edit(request, pk: int):
    campaign = policy.get_object_or_404(request.user, Campaign, Action.CHANGE, pk=pk)
    return _campaign_form(request, campaign)


def _partner_organisations(user, campaign):
    orgs = actor_for(user).organisations_with_role(Role.CSO_PARTNER)
    return list(campaign.partners.filter(pk__in=orgs))


@login_required
def campaign_detail(request, pk: int):
    campaign = policy.get_object_or_404(
        request.user,
        Campaign.objects.prefetch_related("instruments", "partners", "target_groups"),
        pk=pk,
    )
    narratives = policy.scope(request.user, campaign.narratives.all(), Action.LIST)
    focus_groups = policy.scope(request.user, campaign.focus_groups.all(), Action.LIST)
    actor = actor_for(request.user)
    return render(
        request,
        "consultations/campaign_detail.html",
        {
            "campaign": campaign,
            "can_change": policy.can(request.user, Action.CHANGE, campaign),
            "missing_translations": services.campaign_missing_translations(campaign)
            if policy.can(request.user, Action.CHANGE, campaign)
            else [],
            "partner_orgs": _partner_organisations(request.user, campaign),
            "is_rco": actor.is_rco_staff,
            "narrative_count": narratives.count(),
            "pending_count": narratives.filter(review_status=ReviewStatus.PENDING).count()
            if actor.is_rco_staff
            else None,
            "focus_groups": focus_groups[:50],
            "recent": narratives.select_related("organisation")[:20]
            if not actor.is_unct_member or actor.is_rco_staff
            else [],
            "public_url": request.build_absolute_uri(f"/consultations/c/{campaign.public_token}/")
            if campaign.public_link_enabled and actor.is_rco_staff
            else "",
        },
    )


def _instrument_form(request, campaign: Campaign, instrument: Instrument | None):
    form = InstrumentForm(request.POST or None, instance=instrument, languages=campaign.languages)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        obj.campaign = campaign
        obj.prompt = form.prompts()
        obj.save()
        form.save_m2m()
        messages.success(request, _("The instrument was saved."))
        return redirect("consultations:instrument_detail", pk=obj.pk)
    return render(
        request,
        "consultations/instrument_form.html",
        {"form": form, "campaign": campaign, "instrument": instrument},
    )


@login_required
def instrument_create(request, pk: int):
    campaign = policy.get_object_or_404(request.user, Campaign, Action.CHANGE, pk=pk)
    return _instrument_form(request, campaign, None)


@login_required
def instrument_detail(request, pk: int):
    instrument = policy.get_object_or_404(
        request.user,
        Instrument.objects.select_related("campaign").prefetch_related("signifiers"),
        pk=pk,
    )
    campaign = instrument.campaign
    can_change = policy.can(request.user, Action.CHANGE, campaign)
    form = SignifierForm(languages=campaign.languages) if can_change else None
    instrument_form = (
        InstrumentForm(instance=instrument, languages=campaign.languages) if can_change else None
    )
    return render(
        request,
        "consultations/instrument_detail.html",
        {
            "instrument": instrument,
            "campaign": campaign,
            "can_change": can_change,
            "form": form,
            "instrument_form": instrument_form,
            "partner_orgs": _partner_organisations(request.user, campaign),
        },
    )


@login_required
def instrument_edit(request, pk: int):
    instrument = policy.get_object_or_404(request.user, Instrument, pk=pk)
    campaign = policy.get_object_or_404(
        request.user, Campaign, Action.CHANGE, pk=instrument.campaign_id
    )
    return _instrument_form(request, campaign, instrument)


@login_required
@require_POST
def signifier_add(request, pk: int):
    instrument = policy.get_object_or_404(request.user, Instrument, pk=pk)
    campaign = policy.get_object_or_404(
        request.user, Campaign, Action.CHANGE, pk=instrument.campaign_id
    )
    form = SignifierForm(request.POST, languages=campaign.languages)
    if form.is_valid():
        signifier = form.save(commit=False)
        signifier.instrument = instrument
        signifier.question = form.cleaned_data["question"]
        signifier.labels = form.cleaned_data["labels"]
        signifier.order = instrument.signifiers.count() + 1
        try:
            signifier.full_clean()
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            signifier.save()
            messages.success(request, _("The question was added."))
            return redirect("consultations:instrument_detail", pk=instrument.pk)
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("consultations:instrument_detail", pk=instrument.pk)


@login_required
@require_POST
def signifier_delete(request, pk: int):
    signifier = policy.get_object_or_404(
        request.user, Signifier.objects.select_related("instrument"), pk=pk
    )
    policy.get_object_or_404(
        request.user, Campaign, Action.CHANGE, pk=signifier.instrument.campaign_id
    )
    if signifier.instrument.narratives.exists():
        messages.error(request, _("Stories already answer this question; it cannot be removed."))
    else:
        signifier.delete()
        messages.success(request, _("The question was removed."))
    return redirect("consultations:instrument_detail", pk=signifier.instrument_id)


def respondent_language(request, campaign: Campaign) -> str:
    """The language a respondent reads a campaign in: the one they chose (``?lang=``), else
    the browser's or portal's language, when the campaign has it; else its first language."""
    languages = campaign.languages or ["en"]
    for candidate in (request.GET.get("lang"), get_language()):
        code = (candidate or "")[:2]
        if code in languages:
            return code
    return languages[0]


def _other_languages(campaign: Campaign, language: str) -> list[tuple[str, str]]:
    from django.utils.translation import get_language_info

    return [
        (code, get_language_info(code)["name_local"])
        for code in campaign.languages or []
        if code != language and code in dict(settings.LANGUAGES)
    ]


def _tell(request, instrument: Instrument, *, organisation=None, collector: bool, public: bool):
    """Show and accept the respondent form, entirely in the respondent's language; on success
    show the receipt code once."""
    campaign = instrument.campaign
    language = respondent_language(request, campaign)
    with translation.override(language):
        return _tell_in(
            request,
            instrument,
            campaign=campaign,
            language=language,
            organisation=organisation,
            collector=collector,
            public=public,
        )


def _tell_in(request, instrument, *, campaign, language, organisation, collector, public):
    consent_shown = campaign.consent_for(language) or campaign.current_consent
    form = NarrativeForm(
        request.POST or None,
        instrument=instrument,
        collector=collector,
        language=language,
        initial={
            "submission_token": get_random_string(32),
            "consent_version": consent_shown.version if consent_shown else None,
        },
    )
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["submission_token"]
        if not cache.add(f"story-submitted:{token}", True, 60 * 60 * 6):
            messages.info(request, _("We already received this story; it was not saved twice."))
            return redirect(request.get_full_path())
        data = form.cleaned_data
        agreed_to = consent_shown
        if data.get("consent_version") and consent_shown:
            agreed_to = (
                campaign.consent_texts.filter(
                    language=consent_shown.language, version=data["consent_version"]
                ).first()
                or consent_shown
            )
        consent = {
            "given": data["consent"],
            "how": data.get("consent_how") or "self",
            "date": timezone.localdate(),
            "analysis": True,
            "quotation": data.get("use_quotation"),
            "publication": data.get("use_publication"),
            "text": agreed_to,
        }
        try:
            narrative, code = services.narrative_submit(
                instrument=instrument,
                values=form.values(language),
                consent=consent,
                channel="public" if public else "form",
                organisation=organisation,
                user=request.user if request.user.is_authenticated else None,
                groups=data.get("groups") or (),
            )
        except ValidationError as exc:
            cache.delete(f"story-submitted:{token}")
            form.add_error(None, exc)
        else:
            return render(
                request,
                "consultations/receipt.html",
                {"code": code, "campaign": campaign, "public": public, "language": language},
            )
    return render(
        request,
        "consultations/tell.html",
        {
            "form": form,
            "error_summary": form.error_summary() if form.is_bound else [],
            "instrument": instrument,
            "campaign": campaign,
            "purpose": text_in(campaign.purpose_translations or campaign.purpose, language),
            "consent": consent_shown,
            "consent_lang": consent_shown.language if consent_shown else language,
            "public": public,
            "language": language,
            "other_languages": _other_languages(campaign, language),
            "organisation": organisation,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def narrative_new(request, pk: int, org: int):
    """A partner's data collector (signed in) records a story for their organisation."""
    instrument = policy.get_object_or_404(
        request.user, Instrument.objects.select_related("campaign"), pk=pk
    )
    policy.require(request.user, Action.CREATE, Narrative)
    organisation = next(
        (o for o in _partner_organisations(request.user, instrument.campaign) if o.pk == org), None
    )
    if organisation is None:
        raise PermissionDenied
    return _tell(request, instrument, organisation=organisation, collector=True, public=False)


def public_tell(request, token: str):
    """Community members without an account, through the campaign's unguessable link. A
    campaign that is not open (yet, or any more) answers with a page in its own languages
    saying what it was, when it opens or closed, and how to withdraw a story."""
    campaign = Campaign.objects.filter(public_token=token, public_link_enabled=True).first()
    if campaign is None or len(token) < 20:
        return render(request, "404.html", status=404)
    today = timezone.localdate()
    if not campaign.accepts_stories_on(today):
        return _campaign_not_open(request, campaign, today)
    instrument = campaign.instruments.first()
    if instrument is None:
        return _campaign_not_open(request, campaign, today)
    if request.method == "POST":
        key = f"public-rate:{client_ip(request) or ''}"
        cache.add(key, 0, 60 * 60)
        if cache.incr(key) > PUBLIC_RATE_LIMIT:
            return render(request, "consultations/rate_limited.html", status=429)
    return _tell(request, instrument, collector=False, public=True)


def _campaign_not_open(request, campaign: Campaign, today: datetime.date):
    language = respondent_language(request, campaign)
    closed = campaign.status in (Campaign.Status.CLOSED, Campaign.Status.ARCHIVED) or (
        today > campaign.ends_on
    )
    with translation.override(language):
        return render(
            request,
            "consultations/campaign_not_open.html",
            {
                "campaign": campaign,
                "closed": closed,
                # A campaign closed early (by its status) has no date to tell.
                "closed_on": campaign.ends_on if closed and campaign.ends_on < today else None,
                "opens_on": campaign.starts_on
                if not closed and campaign.starts_on > today
                else None,
                "purpose": text_in(campaign.purpose_translations or campaign.purpose, language),
                "language": language,
                "other_languages": _other_languages(campaign, language),
            },
            status=410 if closed else 200,
        )


def withdraw(request):
    """Public: a teller enters their receipt code and their story is deleted. ``?lang=`` keeps
    the language the story was told in (the receipt page links here with it)."""
    language = (request.GET.get("lang") or "")[:2]
    if language not in dict(settings.LANGUAGES):
        language = get_language()
    with translation.override(language):
        form = WithdrawForm(request.POST or None)
        done = False
        if request.method == "POST" and form.is_valid():
            key = f"withdraw-rate:{client_ip(request) or ''}"
            cache.add(key, 0, 60 * 60)
            if cache.incr(key) > 30:
                return render(request, "consultations/rate_limited.html", status=429)
            done = services.narrative_withdraw(code=form.cleaned_data["code"])
            if not done:
                form.add_error(
                    "code", _("We found no story with this code. Check it and try again.")
                )
        return render(request, "consultations/withdraw.html", {"form": form, "done": done})


@login_required
def review_queue(request, pk: int):
    campaign = policy.get_object_or_404(request.user, Campaign, Action.CHANGE, pk=pk)
    status = request.GET.get("status") or ReviewStatus.PENDING
    narratives = (
        policy.scope(request.user, campaign.narratives.all(), Action.LIST)
        .filter(review_status=status)
        .select_related("organisation")
    )
    page = Paginator(narratives, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "consultations/review_queue.html",
        {
            "campaign": campaign,
            "page": page,
            "status": status,
            "statuses": ReviewStatus.choices,
        },
    )


@login_required
def narrative_detail(request, pk: int):
    narrative = policy.get_object_or_404(
        request.user,
        Narrative.objects.select_related("campaign", "organisation", "instrument").prefetch_related(
            "groups", "themes", "factors", "sdg_targets"
        ),
        pk=pk,
    )
    can_review = policy.can(request.user, Action.REVIEW, narrative)
    can_delete = policy.can(request.user, Action.DELETE, narrative)
    spans = find_identifiers(narrative.story) if can_review else []
    return render(
        request,
        "consultations/narrative_detail.html",
        {
            "narrative": narrative,
            "sees_identities": sees_identities(request.user, narrative),
            "can_review": can_review,
            "can_delete": can_delete,
            "delete_reasons": services.DELETE_REASONS.items(),
            "story_html": highlight_html(narrative.story, spans) if can_review else None,
            "identifiers": spans,
            "review_form": ReviewForm(
                initial={"status": narrative.review_status, "note": narrative.review_note}
            ),
            "tag_form": TagForm(
                initial={
                    "themes": ", ".join(t.name for t in narrative.themes.all()),
                    "factors": narrative.factors.all(),
                    "sdg_targets": ", ".join(t.code for t in narrative.sdg_targets.all()),
                }
            ),
            "answers": _answer_rows(narrative),
        },
    )


def _answer_rows(narrative: Narrative) -> list[tuple[str, str]]:
    rows = []
    for s in narrative.instrument.signifiers.all():
        value = narrative.answers.get(s.key)
        labels = s.label_texts()
        if value is None:
            shown = _("not applicable / not answered")
        elif s.kind == "triad":
            shown = ", ".join(
                f"{label} {round(v * 100)}%" for label, v in zip(labels, value, strict=False)
            )
        elif s.kind == "dyad":
            shown = f"{round(value * 100)}% {_('towards')} {labels[1]}"
        else:
            options = dict(zip(s.option_values(), labels, strict=False))
            values = value if isinstance(value, list) else [value]
            shown = ", ".join(options.get(v, v) for v in values)
        rows.append((s.question_text() or s.key, shown))
    return rows


@login_required
@require_POST
def narrative_review(request, pk: int):
    narrative = policy.get_object_or_404(request.user, Narrative, Action.REVIEW, pk=pk)
    if _review(request, narrative):
        following = (
            policy.scope(
                request.user,
                Narrative.objects.filter(
                    campaign_id=narrative.campaign_id, review_status=ReviewStatus.PENDING
                ),
                Action.LIST,
            )
            .order_by("created_at")
            .first()
        )
        if following and "next" in request.POST:
            return redirect(following)
    return redirect(narrative)


@login_required
@require_POST
def narrative_redact(request, pk: int):
    narrative = policy.get_object_or_404(request.user, Narrative, Action.REVIEW, pk=pk)
    services.narrative_redact(
        narrative=narrative, spans=find_identifiers(narrative.story), user=request.user
    )
    messages.success(request, _("Personal identifiers were removed from the story."))
    return redirect(narrative)


@login_required
@require_POST
def narrative_delete(request, pk: int):
    """RCO staff delete a story (an uploaded story's teller has no receipt code): the story,
    its tags and any raw copy go; a tombstone stops re-imports; the log keeps no content."""
    narrative = policy.get_object_or_404(request.user, Narrative, Action.DELETE, pk=pk)
    campaign = narrative.campaign
    reason = request.POST.get("reason", "")
    try:
        services.narrative_delete(narrative=narrative, user=request.user, reason=reason)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(narrative)
    messages.success(request, _("The story and everything derived from it were deleted."))
    return redirect(campaign)


@login_required
@require_POST
def narrative_tag(request, pk: int):
    narrative = policy.get_object_or_404(request.user, Narrative, Action.REVIEW, pk=pk)
    form = TagForm(request.POST)
    if form.is_valid():
        with transaction.atomic():
            narrative.themes.set(form.cleaned_data["themes"])
            narrative.factors.set(form.cleaned_data["factors"])
            narrative.sdg_targets.set(form.cleaned_data["sdg_targets"])
        messages.success(request, _("Tags saved."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(narrative)


@login_required
def focus_group_new(request, pk: int):
    campaign = policy.get_object_or_404(request.user, Campaign, pk=pk)
    policy.require(request.user, Action.CREATE, FocusGroup)
    actor = actor_for(request.user)
    organisations = _partner_organisations(request.user, campaign)
    if not organisations and not actor.is_rco_staff:
        raise PermissionDenied
    form = FocusGroupForm(request.POST or None)
    form.fields["groups"].queryset = form.fields["groups"].queryset.order_by("name")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            record = form.save(commit=False)
            record.campaign = campaign
            record.organisation = organisations[0] if organisations else None
            record.recorded_by = request.user
            record.accommodations = data["accommodations"]
            record.participants = data["participants"]
            record.consent_text = campaign.current_consent
            record.consent_how = data["consent_how"]
            record.consent_date = data["held_on"]
            record.use_quotation = data["use_quotation"]
            record.use_publication = data["use_publication"]
            record.retain_until = data["held_on"] + datetime.timedelta(days=campaign.retention_days)
            record.save()
            form.save_m2m()
            for line in (data.get("themes_text") or "").splitlines():
                if not line.strip():
                    continue
                summary, _s, rest = line.partition("|")
                factor_codes, _s, target_codes = rest.partition("|")
                theme = FocusGroupTheme.objects.create(focus_group=record, summary=summary.strip())
                theme.factors.set(
                    Factor.objects.filter(
                        code__in=[c.strip() for c in factor_codes.split(",") if c.strip()]
                    )
                )
                theme.sdg_targets.set(
                    SDGTarget.objects.filter(
                        code__in=[c.strip() for c in target_codes.split(",") if c.strip()]
                    )
                )
            for text, speaker in data["quotes"]:
                Quote.objects.create(focus_group=record, text=text, speaker_group=speaker)
        messages.success(request, _("The focus-group record was saved."))
        return redirect(record)
    return render(
        request, "consultations/focus_group_form.html", {"form": form, "campaign": campaign}
    )


@login_required
def focus_group_detail(request, pk: int):
    record = policy.get_object_or_404(
        request.user,
        FocusGroup.objects.select_related("campaign", "organisation").prefetch_related(
            "themes", "quotes", "groups"
        ),
        pk=pk,
    )
    return render(
        request,
        "consultations/focus_group_detail.html",
        {
            "record": record,
            "can_review": policy.can(request.user, Action.REVIEW, record),
            "review_form": ReviewForm(initial={"status": record.review_status}),
            "show_quotes": record.use_quotation or policy.can(request.user, Action.REVIEW, record),
        },
    )


@login_required
@require_POST
def focus_group_review(request, pk: int):
    record = policy.get_object_or_404(request.user, FocusGroup, Action.REVIEW, pk=pk)
    _review(request, record)
    return redirect(record)


def _review(request, obj) -> bool:
    """Apply the posted review decision to a story or focus-group record (logged)."""
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approved, on hold or not approved."))
        return False
    services.submission_review(
        obj=obj,
        status=form.cleaned_data["status"],
        note=form.cleaned_data["note"],
        user=request.user,
        request=request,
    )
    messages.success(request, _("Review saved."))
    return True


def _analysis_filters(request, campaign, user):
    from taxonomy.models import PopulationGroup

    from .selectors import evidence_narratives, narratives_filter, narratives_search

    base = evidence_narratives(user=user, campaign=campaign)
    group = PopulationGroup.objects.filter(slug=request.GET.get("group") or "").first()
    signifier = Signifier.objects.filter(
        instrument__campaign=campaign, key=request.GET.get("sig") or ""
    ).first()
    zone = request.GET.get("zone") or None
    bin_index = request.GET.get("bin")
    bin_index = int(bin_index) if bin_index and bin_index.isdigit() else None
    selected = narratives_filter(
        base, group=group, signifier=signifier, zone=zone, bin_index=bin_index
    )
    selected = narratives_search(selected, request.GET.get("q", ""))
    return base, selected, group, signifier, zone, bin_index


@login_required
def campaign_analysis(request, pk: int):
    """Counts, ternary plots and histograms (group vs everyone else), and the stories behind
    a region of a plot. Approved stories only; counts below 5 suppressed."""
    from urllib.parse import urlencode

    from .plots import histogram_svg, ternary_svg
    from .privacy import format_count
    from .selectors import campaign_counts, signifier_values
    from .signifiers import TRIAD_ZONES, dyad_histogram

    campaign = policy.get_object_or_404(request.user, Campaign, Action.VIEW, pk=pk)
    base, selected, group, chosen, zone, bin_index = _analysis_filters(
        request, campaign, request.user
    )
    in_group = base.filter(groups=group) if group else base
    others = base.exclude(groups=group) if group else None

    def link(**extra):
        params = {
            k: v
            for k, v in {
                "group": group.slug if group else "",
                "q": request.GET.get("q", ""),
                **extra,
            }.items()
            if v != ""
        }
        return "?" + urlencode(params) + "#stories"

    plots = []
    for s in Signifier.objects.filter(instrument__campaign=campaign).select_related("instrument"):
        labels = s.label_texts()
        if s.kind == "triad":
            svg = ternary_svg(
                [tuple(v) for v in signifier_values(others if group else base, s.key)],
                labels=tuple(labels),
                title=s.question_text() or s.key,
                zone_links={z: link(sig=s.key, zone=z) for z in TRIAD_ZONES},
                highlight=[tuple(v) for v in signifier_values(in_group, s.key)] if group else (),
            )
        elif s.kind == "dyad":
            main = dyad_histogram(signifier_values(in_group, s.key))
            svg = histogram_svg(
                main,
                left_label=labels[0],
                right_label=labels[1],
                title=s.question_text() or s.key,
                bin_links=[link(sig=s.key, bin=str(i)) for i in range(len(main))],
                compare=dyad_histogram(signifier_values(others, s.key)) if group else None,
                compare_label=_("Everyone else"),
                main_label=group.name if group else "",
            )
        else:
            continue
        plots.append({"signifier": s, "svg": svg})

    count = selected.count()
    actor = actor_for(request.user)
    hide_stories = count < 5 and not actor.is_rco_staff
    page = Paginator(selected.select_related("organisation").order_by("-created_at"), 20).get_page(
        request.GET.get("page")
    )
    from taxonomy.models import PopulationGroup

    return render(
        request,
        "consultations/campaign_analysis.html",
        {
            "campaign": campaign,
            "counts": campaign_counts(base),
            "plots": plots,
            "group": group,
            "signifier": chosen,
            "zone": zone,
            "bin": bin_index,
            "groups": PopulationGroup.objects.filter(narratives__in=base)
            .distinct()
            .order_by("name"),
            "selected_count": format_count(count),
            "hide_stories": hide_stories,
            "page": page,
            "q": request.GET.get("q", ""),
            "can_export": policy.can(request.user, Action.EXPORT, Narrative),
            "export_query": request.GET.urlencode(),
        },
    )


def _audit_filter(query) -> dict:
    """An export's filter for the audit log: the chosen ids and zones, but only whether a
    text search was used, never its words (they may be a withdrawn story's words, and the
    log outlives the story)."""
    recorded: dict = {k: v for k, v in query.items() if k not in ("q", "page")}
    if query.get("q"):
        recorded["q"] = "(text search)"
    return recorded


@login_required
def campaign_export(request, pk: int, fmt: str):
    """Approved, consented stories; text only where the teller agreed to quotation; rare
    identity values suppressed; logged with the filter."""
    from accounts.models import AuditEvent
    from accounts.services import audit_record
    from lnob_portal.exports import tabular_response

    campaign = policy.get_object_or_404(request.user, Campaign, Action.EXPORT, pk=pk)
    _base, selected, *_filters = _analysis_filters(request, campaign, request.user)
    actor = actor_for(request.user)
    if selected.count() < 5 and campaign.country not in actor.countries_with_role(Role.RCO_STAFF):
        # The analysis page does not list fewer than 5 matching stories to anyone but RCO
        # staff of the country; the export of the same filter must not either (the filter
        # itself, e.g. a group, would say who the few are).
        audit_record(
            action=AuditEvent.Action.EXPORT,
            actor=request.user,
            target=campaign,
            request=request,
            summary="export refused: fewer than 5 stories match",
            data={"filter": _audit_filter(request.GET), "format": fmt, "refused": True},
        )
        messages.warning(
            request,
            _(
                "Fewer than 5 stories match this filter, so they are not exported: nobody "
                "must be recognisable. Widen the filter and export again."
            ),
        )
        return redirect(
            reverse("consultations:campaign_analysis", args=[campaign.pk])
            + ("?" + request.GET.urlencode() if request.GET else "")
        )
    selected = selected.select_related("instrument", "organisation").prefetch_related("groups")
    signifiers = list(Signifier.objects.filter(instrument__campaign=campaign))
    rows = []
    for n in selected:
        groups = sorted(g.name for g in n.groups.all())
        row = [
            n.pk,
            n.instrument.name,
            n.organisation.name if n.organisation else "",
            n.language,
            n.created_at.strftime("%Y-%m"),
            n.title if n.use_quotation or n.use_publication else "",
            n.story if n.use_quotation or n.use_publication else "",
            groups,
            n.age_band,
            n.sex,
            "" if n.has_disability is None else ("yes" if n.has_disability else "no"),
        ]
        for s in signifiers:
            value = n.answers.get(s.key)
            row.append("" if value is None else value)
        rows.append(row)
    # Suppress identity values that fewer than 5 exported stories share.
    for column in (7, 8, 9, 10):
        tally: dict = {}
        for row in rows:
            for value in row[column] if column == 7 else [row[column]]:
                tally[value] = tally.get(value, 0) + 1
        for row in rows:
            if column == 7:
                row[7] = "; ".join(v if tally[v] >= 5 else "(fewer than 5)" for v in row[7])
            elif row[column] and tally[row[column]] < 5:
                row[column] = "(fewer than 5)"
    for row in rows:
        for i in range(11, len(row)):
            row[i] = "; ".join(map(str, row[i])) if isinstance(row[i], list) else row[i]
    header = [
        "story",
        "instrument",
        "partner",
        "language",
        "month",
        "title",
        "text",
        "self-identified groups",
        "age band",
        "sex",
        "disability (WG)",
        *[s.key for s in signifiers],
    ]
    audit_record(
        action=AuditEvent.Action.EXPORT,
        actor=request.user,
        target=campaign,
        request=request,
        summary=f"{len(rows)} stories as {fmt}",
        data={"filter": _audit_filter(request.GET), "format": fmt},
    )
    return tabular_response(
        header=header,
        rows=rows,
        fmt="xlsx" if fmt == "xlsx" else "csv",
        filename=f"campaign-{campaign.pk}-stories",
    )


@login_required
def upload_new(request, pk: int):
    """A partner (or RCO staff on a partner's behalf) uploads a Kobo/ODK export."""
    from .uploads import upload_store

    campaign = policy.get_object_or_404(request.user, Campaign, pk=pk)
    actor = actor_for(request.user)
    organisations = _partner_organisations(request.user, campaign) or (
        list(campaign.partners.all()) if actor.is_rco_staff else []
    )
    if not organisations:
        raise PermissionDenied
    instruments = list(campaign.instruments.all())
    errors = []
    if request.method == "POST":
        instrument = next(
            (i for i in instruments if str(i.pk) == request.POST.get("instrument")), None
        )
        organisation = next(
            (o for o in organisations if str(o.pk) == request.POST.get("organisation")), None
        )
        uploaded = request.FILES.get("file")
        how = request.POST.get("consent_how")
        if (
            instrument is None
            or organisation is None
            or uploaded is None
            or how not in ("verbal", "written", "self")
        ):
            errors.append(
                _("Choose the instrument, the organisation, how consent was given, and a file.")
            )
        else:
            try:
                upload = upload_store(
                    uploaded=uploaded,
                    instrument=instrument,
                    organisation=organisation,
                    user=request.user,
                    consent_how=how,
                )
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                return redirect(upload)
    uploads = policy.scope(request.user, campaign.uploads.all(), Action.LIST)[:20]
    return render(
        request,
        "consultations/upload_new.html",
        {
            "campaign": campaign,
            "instruments": instruments,
            "organisations": organisations,
            "errors": errors,
            "uploads": uploads,
        },
        status=400 if errors else 200,
    )


@login_required
def upload_detail(request, pk: int):
    """An upload's state, from what the worker stored: the columns to map, the preview, the
    import's progress. Never opens the file; a running upload polls itself (htmx) and
    offers a reload link without JavaScript."""
    from .models import Upload
    from .uploads import (
        instrument_fields,
        progress_key,
        upload_discard,
        upload_import_start,
        upload_mapping_initial,
        upload_remap,
        upload_set_mapping,
    )

    upload = policy.get_object_or_404(
        request.user, Upload.objects.select_related("campaign", "instrument", "organisation"), pk=pk
    )
    problems: list[str] = []
    fields = instrument_fields(upload.instrument)
    action = request.POST.get("action") if request.method == "POST" else None
    try:
        if action == "map":
            mapping = {
                f.key: [c for c in request.POST.getlist(f"map_{f.key}") if c] for f in fields
            }
            for f in fields:
                if f.kind == "dyad" and mapping.get(f.key):
                    scale = (request.POST.get(f"scale_{f.key}") or "").strip()
                    if scale == "other":
                        scale = (request.POST.get(f"scale_other_{f.key}") or "").strip()
                    mapping[f"{f.key}:scale"] = [scale] if scale else []
            mapping = {k: v for k, v in mapping.items() if v}
            problems = upload_set_mapping(upload=upload, mapping=mapping)
            if not problems:
                return redirect(upload)
        elif action == "import":
            upload_import_start(upload=upload, user=request.user)
            return redirect(upload)
        elif action == "remap":
            upload_remap(upload=upload)
            return redirect(upload)
        elif action == "discard":
            upload_discard(upload=upload)
            return redirect(upload)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(upload)
    columns = list(upload.columns) if upload.status == Upload.Status.MAPPING else []
    initial = upload_mapping_initial(upload) if upload.status == Upload.Status.MAPPING else {}
    rows = [
        {
            "field": f,
            "selected": initial.get(f.key, []),
            "multiple": f.kind in ("triad", "multiple", "groups", "consent_uses"),
            "scale": (initial.get(f"{f.key}:scale") or [""])[0] if f.kind == "dyad" else None,
        }
        for f in fields
    ]
    return render(
        request,
        "consultations/upload_detail.html",
        {
            "upload": upload,
            "columns": columns,
            "rows": rows,
            "problems": problems,
            "dyad_scales": DYAD_SCALES,
            "progress": cache.get(progress_key(upload)) or 0,
        },
        status=400 if problems else 200,
    )
