"""Helpers shared by several tracker pages: looking up a recommendation, the generic form
page, the institutions and partner organisation the viewer may track with, and the
viewer's RCO countries."""

from __future__ import annotations

from django.shortcuts import render

from accounts import policy
from accounts.models import Organisation
from accounts.policy import Action as Do
from accounts.policy import actor_for

from .. import selectors
from ..models import Recommendation


def _trackable_institutions(user, country: str):
    return selectors.trackable_institutions(user=user, country=country)


def _partner_organisation(user, country: str) -> Organisation | None:
    return selectors.partner_organisation(user=user, country=country)


def _recommendation(request, pk: int, action=Do.VIEW) -> Recommendation:
    return policy.get_object_or_404(
        request.user, Recommendation.objects.select_related("mechanism", "document"), action, pk=pk
    )


def _form_page(request, *, title: str, form, back: str, intro: str = "", status: int = 200):
    return render(
        request,
        "recommendations/form.html",
        {"title": title, "form": form, "back": back, "intro": intro},
        status=status,
    )


def _rco_countries(request) -> set[str]:
    actor = actor_for(request.user)
    return set(actor.rco_countries)
