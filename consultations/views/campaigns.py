"""Campaigns: the list, creating and editing one, and its page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import policy
from accounts.policy import Action, actor_for

from .. import services
from ..forms import CampaignForm
from ..models import Campaign, ReviewStatus
from ._common import _partner_organisations


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
