"""The respondent form: a story told through a public link (no sign-in, rate-limited per
address) or entered by a collector, and withdrawal of a story by its receipt code."""

import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts import policy
from accounts.policy import Action
from common.client_ip import client_ip

from .. import services
from ..forms import WithdrawForm, text_in
from ..models import Campaign, Instrument, Narrative
from ._common import _other_languages, _partner_organisations, _tell, respondent_language

PUBLIC_RATE_LIMIT = 20  # stories per hour per address through a public link


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
