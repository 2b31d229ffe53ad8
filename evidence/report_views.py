"""Country-level pages: participation indicators and the country report for the CCA."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from accounts import policy

from .participation import campaign_choices, participation_indicators

ACCOMMODATION_LABELS = {
    "sign_language": "Sign language",
    "captioning": "Captioning",
    "easy_read": "Easy-read materials",
    "accessible_venue": "Accessible venue",
    "transport": "Transport or allowance",
}


def _country(request) -> str:
    return policy.chosen_country(request) or ""


@login_required
def participation(request):
    """Who was heard and who was not, in the viewer's country or one of its campaigns."""
    country = _country(request)
    campaigns = campaign_choices(viewer=request.user, country=country)
    campaign = None
    if request.GET.get("campaign"):
        campaign = next((c for c in campaigns if str(c.pk) == request.GET["campaign"]), None)
        if campaign is None:
            raise Http404
    indicators = participation_indicators(viewer=request.user, country=country, campaign=campaign)
    return render(
        request,
        "evidence/participation.html",
        {
            "country": country,
            "countries": policy.viewer_countries(request.user),
            "campaigns": campaigns,
            "campaign": campaign,
            "ind": indicators,
            "p": indicators.participation,
            "accommodation_labels": ACCOMMODATION_LABELS,
        },
    )
