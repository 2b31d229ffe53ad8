"""Instruments and their signifiers: creating, editing, previewing; adding, editing,
moving and deleting signifiers."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.policy import Action

from .. import services
from ..forms import InstrumentForm, SignifierEditForm, SignifierForm
from ..models import Campaign, Instrument, Signifier
from ._common import _partner_organisations, _tell


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
