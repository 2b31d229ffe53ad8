"""Community voice in the browser: campaigns, instruments, the respondent form, withdrawal,
review, focus groups. Every object goes through the access policy."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
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

from . import services
from .forms import (
    CampaignForm,
    FocusGroupForm,
    InstrumentForm,
    NarrativeForm,
    ReviewForm,
    SignifierEditForm,
    SignifierForm,
    TagForm,
    WithdrawForm,
    text_in,
)
from .ingest import DYAD_SCALES
from .models import (
    Campaign,
    FocusGroup,
    Instrument,
    Narrative,
    ReviewStatus,
    Signifier,
)
from .privacy import find_identifiers, highlight_html
from .rules import sees_identities
from .staff_views import may_edit_focus_group

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
        obj = services.instrument_save(
            instrument=form.save(commit=False),
            campaign=campaign,
            prompt=form.prompts(),
            group_choices=form.cleaned_data["group_choices"],
            user=request.user,
        )
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


def _instrument_page(request, instrument: Instrument, *, form=None, status: int = 200):
    campaign = instrument.campaign
    can_change = policy.can(request.user, Action.CHANGE, campaign)
    if can_change and form is None:
        form = SignifierForm(languages=campaign.languages)
    instrument_form = (
        InstrumentForm(instance=instrument, languages=campaign.languages) if can_change else None
    )
    signifiers = list(instrument.signifiers.all())
    return render(
        request,
        "consultations/instrument_detail.html",
        {
            "instrument": instrument,
            "campaign": campaign,
            "signifiers": signifiers,
            "can_change": can_change,
            "form": form if can_change else None,
            "instrument_form": instrument_form,
            "partner_orgs": _partner_organisations(request.user, campaign),
            "preview_languages": _language_names(campaign.languages),
        },
        status=status,
    )


def _language_names(codes) -> list[tuple[str, str]]:
    from django.conf import settings
    from django.utils.translation import get_language_info

    known = dict(settings.LANGUAGES)
    return [
        (code, get_language_info(code)["name_local"].capitalize() if code in known else code)
        for code in codes or ["en"]
    ]


@login_required
def instrument_detail(request, pk: int):
    instrument = policy.get_object_or_404(
        request.user,
        Instrument.objects.select_related("campaign").prefetch_related("signifiers"),
        pk=pk,
    )
    return _instrument_page(request, instrument)


@login_required
def instrument_preview(request, pk: int):
    """The respondent form exactly as a respondent sees it, in a chosen campaign language
    (``?lang=``). A posted preview is checked and shown with its errors; nothing is stored."""
    instrument = policy.get_object_or_404(
        request.user, Instrument.objects.select_related("campaign"), pk=pk
    )
    policy.get_object_or_404(request.user, Campaign, Action.CHANGE, pk=instrument.campaign_id)
    from django.conf import settings
    from django.utils import translation

    language = (request.GET.get("lang") or get_language() or "en")[:2]
    if language not in dict(settings.LANGUAGES):
        language = get_language() or "en"
    # The whole page in the respondent's language, as a respondent choosing it would see it.
    with translation.override(language):
        messages.info(request, _("Preview: this is the form respondents see. Nothing is stored."))
        return _tell(request, instrument, collector=False, public=True, preview=True)


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
    """Add a question; a rejected entry is shown again with what was typed (400)."""
    instrument = policy.get_object_or_404(
        request.user, Instrument.objects.select_related("campaign"), pk=pk
    )
    campaign = policy.get_object_or_404(
        request.user, Campaign, Action.CHANGE, pk=instrument.campaign_id
    )
    form = SignifierForm(request.POST, languages=campaign.languages)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.signifier_add(
                instrument=instrument,
                key=data["key"],
                kind=data["kind"],
                question=data["question"],
                labels=data["labels"],
                allow_other=data["allow_other"],
                user=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The question was added."))
            return redirect("consultations:instrument_detail", pk=instrument.pk)
    return _instrument_page(request, instrument, form=form, status=400)


def _changeable_signifier(request, pk: int) -> Signifier:
    signifier = policy.get_object_or_404(
        request.user, Signifier.objects.select_related("instrument__campaign"), pk=pk
    )
    policy.get_object_or_404(
        request.user, Campaign, Action.CHANGE, pk=signifier.instrument.campaign_id
    )
    return signifier


@login_required
def signifier_edit(request, pk: int):
    """Edit a question; once stories answer it, the edit becomes a new version."""
    signifier = _changeable_signifier(request, pk)
    campaign = signifier.instrument.campaign
    form = SignifierEditForm(request.POST or None, instance=signifier, languages=campaign.languages)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        before = Signifier.objects.values_list("version", flat=True).get(pk=signifier.pk)
        try:
            updated = services.signifier_update(
                signifier=signifier,
                question=data["question"],
                labels=data["labels"],
                allow_other=data["allow_other"],
                same_meaning=data.get("same_meaning", True),
                user=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if updated.version > before:
                messages.success(
                    request,
                    _(
                        "The question was saved as version %(n)s. Stories already told keep "
                        "the version they answered."
                    )
                    % {"n": updated.version},
                )
            else:
                messages.success(request, _("The question was saved."))
            return redirect("consultations:instrument_detail", pk=signifier.instrument_id)
    return render(
        request,
        "consultations/signifier_form.html",
        {
            "form": form,
            "signifier": signifier,
            "instrument": signifier.instrument,
            "campaign": campaign,
            "versions": signifier.versions.all(),
            "answered": signifier.instrument.narratives.filter(
                answers__has_key=signifier.key
            ).exists(),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def signifier_move(request, pk: int):
    """Up/down buttons (no JavaScript needed)."""
    signifier = _changeable_signifier(request, pk)
    try:
        services.signifier_move(
            signifier=signifier, direction=request.POST.get("direction", ""), user=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(
        reverse("consultations:instrument_detail", args=[signifier.instrument_id])
        + f"#question-{signifier.pk}"
    )


@login_required
def signifier_delete(request, pk: int):
    """GET asks for confirmation; POST removes a question no story has answered."""
    signifier = _changeable_signifier(request, pk)
    answered = signifier.instrument.narratives.filter(answers__has_key=signifier.key).exists()
    if request.method == "POST":
        try:
            services.signifier_remove(signifier=signifier, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The question was removed."))
        return redirect("consultations:instrument_detail", pk=signifier.instrument_id)
    return render(
        request,
        "consultations/signifier_confirm_delete.html",
        {"signifier": signifier, "instrument": signifier.instrument, "answered": answered},
    )


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


def _tell(
    request,
    instrument: Instrument,
    *,
    organisation=None,
    collector: bool,
    public: bool,
    preview: bool = False,
):
    """Show and accept the respondent form, entirely in the respondent's language; on success
    show the receipt code once. A ``preview`` checks a posted form and shows its errors but
    stores nothing."""
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
            preview=preview,
        )


def _tell_in(request, instrument, *, campaign, language, organisation, collector, public, preview):
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
    if request.method == "POST" and form.is_valid() and not preview:
        data = form.cleaned_data
        agreed_to = consent_shown
        if data.get("consent_version") and consent_shown:
            agreed_to = (
                campaign.consent_texts.filter(
                    language=consent_shown.language, version=data["consent_version"]
                ).first()
                or consent_shown
            )
        try:
            narrative, code = services.narrative_submit_once(
                token=data["submission_token"],
                instrument=instrument,
                values=form.values(language),
                form_consent=data,
                consent_text=agreed_to,
                channel="public" if public else "form",
                organisation=organisation,
                user=request.user if request.user.is_authenticated else None,
                groups=data.get("groups") or (),
            )
        except services.AlreadySubmitted:
            messages.info(request, _("We already received this story; it was not saved twice."))
            return redirect(request.get_full_path())
        except ValidationError as exc:
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
def narrative_tag(request, pk: int):
    narrative = policy.get_object_or_404(request.user, Narrative, Action.REVIEW, pk=pk)
    form = TagForm(request.POST)
    if form.is_valid():
        services.narrative_tag(
            narrative=narrative,
            themes=form.cleaned_data["themes"],
            factors=form.cleaned_data["factors"],
            sdg_targets=form.cleaned_data["sdg_targets"],
            user=request.user,
        )
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
        record = form.save(commit=False)
        record.accommodations = data["accommodations"]
        record.participants = data["participants"]
        services.focus_group_record(
            record=record,
            campaign=campaign,
            organisation=organisations[0] if organisations else None,
            user=request.user,
            consent_how=data["consent_how"],
            use_quotation=data["use_quotation"],
            use_publication=data["use_publication"],
            groups=data.get("groups") or (),
            themes_text=data.get("themes_text") or "",
            quotes=data["quotes"],
        )
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
            "can_edit": may_edit_focus_group(request.user, record),
            "can_delete": policy.can(request.user, Action.DELETE, record),
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
    for s in (
        Signifier.objects.filter(instrument__campaign=campaign)
        .select_related("instrument")
        .prefetch_related("versions")
    ):
        labels = s.label_texts()
        pooled = s.combinable_versions()
        if s.kind == "triad":
            svg = ternary_svg(
                [tuple(v) for v in signifier_values(others if group else base, s.key, pooled)],
                labels=tuple(labels),
                title=s.question_text() or s.key,
                zone_links={z: link(sig=s.key, zone=z) for z in TRIAD_ZONES},
                highlight=[tuple(v) for v in signifier_values(in_group, s.key, pooled)]
                if group
                else (),
            )
        elif s.kind == "dyad":
            main = dyad_histogram(signifier_values(in_group, s.key, pooled))
            svg = histogram_svg(
                main,
                left_label=labels[0],
                right_label=labels[1],
                title=s.question_text() or s.key,
                bin_links=[link(sig=s.key, bin=str(i)) for i in range(len(main))],
                compare=dyad_histogram(signifier_values(others, s.key, pooled)) if group else None,
                compare_label=_("Everyone else"),
                main_label=group.name if group else "",
            )
        else:
            continue
        plots.append({"signifier": s, "svg": svg, "versions": pooled if s.version > 1 else []})

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
            "can_export_working": campaign.country in actor.countries_with_role(Role.RCO_STAFF),
            "export_filters": [
                (k, v) for k, v in request.GET.items() if k in ("group", "sig", "zone", "bin", "q")
            ],
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


def _export_purpose(request, campaign, actor) -> str:
    """``working`` only for RCO staff of the campaign's country who asked for it; everyone
    else (and anyone who did not choose) gets the publication export."""
    from .exports import PUBLICATION, WORKING

    if request.GET.get("purpose") == WORKING and campaign.country in actor.countries_with_role(
        Role.RCO_STAFF
    ):
        return WORKING
    return PUBLICATION


@login_required
def campaign_export(request, pk: int, fmt: str):
    """Stories for analysis (consultations/exports.py): a working export for RCO analysts of
    the country, or a suppressed export meant for publication (partners, UNCT, and RCO staff
    who choose it); logged with the filter and the purpose."""
    from django.http import HttpResponse

    from accounts.models import AuditEvent
    from accounts.services import audit_record
    from common.suppression import min_count

    from .exports import WORKING, build_export, export_bytes
    from .selectors import narratives_filter, narratives_search

    campaign = policy.get_object_or_404(request.user, Campaign, Action.EXPORT, pk=pk)
    base, selected, group, signifier, zone, bin_index = _analysis_filters(
        request, campaign, request.user
    )
    actor = actor_for(request.user)
    purpose = _export_purpose(request, campaign, actor)
    fmt = fmt if fmt in ("csv", "xlsx", "zip") else "csv"
    if purpose == WORKING and request.GET.get("statuses") == "all":
        # A working file may hold every story consented to analysis, whatever its review
        # status (the review_status column says which).
        every = policy.scope(
            request.user, campaign.narratives.filter(use_analysis=True), Action.LIST
        )
        selected = narratives_search(
            narratives_filter(
                every, group=group, signifier=signifier, zone=zone, bin_index=bin_index
            ),
            request.GET.get("q", ""),
        )
    audit_data = {"filter": _audit_filter(request.GET), "format": fmt, "purpose": purpose}
    if selected.count() < min_count() and campaign.country not in actor.countries_with_role(
        Role.RCO_STAFF
    ):
        # The analysis page does not list fewer than 5 matching stories to anyone but RCO
        # staff of the country; the export of the same filter must not either (the filter
        # itself, e.g. a group, would say who the few are).
        audit_record(
            action=AuditEvent.Action.EXPORT,
            actor=request.user,
            target=campaign,
            request=request,
            summary="export refused: fewer than 5 stories match",
            data={**audit_data, "refused": True},
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
    narratives = selected.select_related(
        "instrument", "organisation", "consent_text"
    ).prefetch_related("groups")
    export = build_export(
        campaign=campaign,
        narratives=narratives,
        signifiers=list(
            Signifier.objects.filter(instrument__campaign=campaign)
            .select_related("instrument")
            .prefetch_related("versions")
            .order_by("instrument_id", "order", "pk")
        ),
        purpose=purpose,
    )
    audit_record(
        action=AuditEvent.Action.EXPORT,
        actor=request.user,
        target=campaign,
        request=request,
        summary=f"{len(export.rows)} stories as {fmt} ({purpose} export)",
        data=audit_data,
    )
    content, content_type, filename = export_bytes(
        export, fmt, f"campaign-{campaign.pk}-stories-{purpose}"
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


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
    uploads = policy.scope(
        request.user, campaign.uploads.select_related("uploaded_by", "organisation"), Action.LIST
    )[:20]
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
            mapping[":unit"] = [u for u in [request.POST.get("unit", "")] if u]
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
            "unit": (request.POST.getlist("unit") or initial.get(":unit") or [""])[0],
            "progress": cache.get(progress_key(upload)) or 0,
            "preview_rows": _preview_rows(upload),
            "can_undo": upload.status == Upload.Status.IMPORTED
            and upload.campaign.country in actor_for(request.user).rco_countries,
        },
        status=400 if problems else 200,
    )


def _preview_rows(upload) -> list:
    """The preview's rows with labels, not codes ("Consent: yes; Groups: Rural women")."""
    from .labels import preview_rows

    if not upload.preview:
        return []
    questions = {s.key: s.question_text() or s.key for s in upload.instrument.signifiers.all()}
    return preview_rows(upload.preview, questions)
