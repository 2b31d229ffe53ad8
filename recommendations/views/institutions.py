"""Institutions that act on recommendations: the list, creating and editing one, its page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import policy
from accounts.policy import Action as Do

from .. import selectors, services
from ..forms import InstitutionForm
from ..models import Action, Institution
from ._common import _form_page, _rco_countries


@login_required
def institution_list(request):
    policy.require(request.user, Do.LIST, Institution)
    institutions = (
        policy.scope(request.user, Institution.objects.all(), Do.LIST)
        .prefetch_related("organisations")
        .annotate(
            n_recommendations=Count("recommendations", distinct=True),
            n_open=Count(
                "actions",
                filter=Q(actions__status__in=[Action.Status.PLANNED, Action.Status.IN_PROGRESS]),
                distinct=True,
            ),
        )
    )
    return render(
        request,
        "recommendations/institutions.html",
        {"institutions": institutions, "can_create": bool(_rco_countries(request))},
    )


@login_required
def institution_create(request):
    policy.require(request.user, Do.CREATE, Institution)
    countries = sorted(_rco_countries(request))
    if not countries:
        raise PermissionDenied
    country = countries[0]
    form = InstitutionForm(request.POST or None, country=country)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "organisations"}
        institution = services.institution_save(
            actor=request.user,
            country=country,
            data=data,
            organisations=list(form.cleaned_data["organisations"]),
        )
        return redirect(institution)
    return _form_page(
        request,
        title=_("New institution"),
        form=form,
        back=reverse("recommendations:institution_list"),
    )


@login_required
def institution_edit(request, pk: int):
    institution = policy.get_object_or_404(request.user, Institution, Do.CHANGE, pk=pk)
    form = InstitutionForm(request.POST or None, instance=institution, country=institution.country)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "organisations"}
        services.institution_save(
            actor=request.user,
            country=institution.country,
            institution=Institution.objects.get(pk=pk),
            data=data,
            organisations=list(form.cleaned_data["organisations"]),
        )
        return redirect(institution)
    return _form_page(
        request, title=_("Edit the institution"), form=form, back=institution.get_absolute_url()
    )


@login_required
def institution_detail(request, pk: int):
    institution = policy.get_object_or_404(
        request.user,
        Institution.objects.prefetch_related("organisations"),
        pk=pk,
    )
    recommendations = (
        institution.recommendations.select_related("mechanism", "document")
        .annotate(current_status=selectors.latest_official_status())
        .order_by("mechanism__code", "paragraph")
    )
    return render(
        request,
        "recommendations/institution_detail.html",
        {
            "institution": institution,
            "recommendations": recommendations,
            "actions": institution.actions.select_related("recommendation__mechanism", "cluster"),
            "can_edit": policy.can(request.user, Do.CHANGE, institution),
        },
    )
