"""Helpers shared by several consultation pages: the viewer's partner organisations in a
campaign, the respondent form (filled through a public link, by a collector, or as a
preview) and its language, the analysis filters (analysis page and export), and the
deletion confirmation page (stories and focus-group records)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.crypto import get_random_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.policy import actor_for

from .. import services
from ..forms import NarrativeForm, text_in
from ..models import Campaign, Instrument, Signifier


def _partner_organisations(user, campaign):
    orgs = actor_for(user).organisations_with_role(Role.CSO_PARTNER)
    return list(campaign.partners.filter(pk__in=orgs))


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


def _analysis_filters(request, campaign, user):
    from taxonomy.models import PopulationGroup

    from ..selectors import evidence_narratives, narratives_filter, narratives_search

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


def _delete_page(request, obj, *, kind: str, delete):
    """Show what goes and ask why; on a POST with a reason and the confirmation, delete."""
    reason = request.POST.get("reason", "") if request.method == "POST" else ""
    errors: list[str] = []
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            errors.append(_("Tick the box to confirm that the deletion cannot be undone."))
        else:
            campaign = obj.campaign
            try:
                delete(reason)
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                messages.success(
                    request,
                    _("The story and everything derived from it were deleted.")
                    if kind == "story"
                    else _("The focus-group record, its themes and quotes were deleted."),
                )
                return redirect(campaign)
    return render(
        request,
        "consultations/delete_confirm.html",
        {
            "obj": obj,
            "kind": kind,
            "reasons": services.DELETE_REASONS.items(),
            "reason": reason,
            "errors": errors,
            "quoted_by": obj.quotes.count() if kind == "focus_group" else 0,
            "themes": obj.themes.count(),
        },
        status=400 if errors else 200,
    )
