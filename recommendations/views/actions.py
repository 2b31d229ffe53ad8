"""Tracking a recommendation or cluster: actions, assessments and indicators with their
reports."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.policy import Action as Do
from accounts.policy import actor_for

from .. import selectors, services
from ..forms import ActionForm, AssessmentForm, IndicatorForm, IndicatorReportForm
from ..models import Action, Assessment, Cluster, TrackingIndicator
from ._common import (
    _form_page,
    _partner_organisation,
    _rco_countries,
    _recommendation,
    _trackable_institutions,
)


def _subject(request, kind: str, pk: int):
    if kind not in ("recommendation", "cluster"):
        raise Http404
    if kind == "cluster":
        return policy.get_object_or_404(request.user, Cluster, pk=pk)
    return _recommendation(request, pk)


@login_required
def action_create(request, kind: str, pk: int):
    subject = _subject(request, kind, pk)
    institutions = _trackable_institutions(request.user, subject.country)
    if not institutions.exists():
        raise PermissionDenied
    form = ActionForm(request.POST or None, institutions=institutions)
    if request.method == "POST" and form.is_valid():
        services.action_save(actor=request.user, data=form.cleaned_data, **{kind: subject})
        messages.success(request, _("The action was added."))
        return redirect(subject)
    return _form_page(request, title=_("Add an action"), form=form, back=subject.get_absolute_url())


@login_required
def action_edit(request, pk: int):
    action = policy.get_object_or_404(
        request.user, Action.objects.select_related("institution"), Do.CHANGE, pk=pk
    )
    subject = action.recommendation or action.cluster
    institutions = _trackable_institutions(request.user, action.country)
    form = ActionForm(request.POST or None, instance=action, institutions=institutions)
    if request.method == "POST" and form.is_valid():
        services.action_save(
            actor=request.user, action=Action.objects.get(pk=pk), data=form.cleaned_data
        )
        messages.success(request, _("The action was updated."))
        return redirect(subject)
    return _form_page(
        request, title=_("Update the action"), form=form, back=subject.get_absolute_url()
    )


@login_required
def assessment_create(request, kind: str, pk: int):
    """Official assessments (RCO staff; UNCT members for their assigned institutions) and a
    CSO partner's shadow assessment, attributed to the partner's organisation."""
    subject = _subject(request, kind, pk)
    institutions = _trackable_institutions(request.user, subject.country)
    actor = actor_for(request.user)
    organisation = None
    if actor.is_superuser or subject.country in actor.rco_countries:
        assessment_kind, choices = Assessment.Kind.OFFICIAL, institutions
    elif institutions.exists():
        assessment_kind, choices = Assessment.Kind.OFFICIAL, institutions
    else:
        organisation = _partner_organisation(request.user, subject.country)
        if organisation is None:
            raise PermissionDenied
        assessment_kind, choices = Assessment.Kind.SHADOW, None
    form = AssessmentForm(request.POST or None, request.FILES or None, institutions=choices)
    if choices is not None and not (actor.is_superuser or subject.country in actor.rco_countries):
        form.fields["institution"].required = True
    if request.method == "POST" and form.is_valid():
        services.assessment_submit(
            actor=request.user,
            data=form.cleaned_data,
            kind=assessment_kind,
            organisation=organisation,
            **{kind: subject},
        )
        messages.success(request, _("The assessment was recorded."))
        return redirect(subject)
    title = (
        _("Shadow assessment by %(org)s") % {"org": organisation}
        if organisation
        else _("Official implementation assessment")
    )
    return _form_page(request, title=title, form=form, back=subject.get_absolute_url())


@login_required
def assessment_edit(request, pk: int):
    assessment = policy.get_object_or_404(
        request.user, Assessment.objects.select_related("organisation"), Do.CHANGE, pk=pk
    )
    subject = assessment.recommendation or assessment.cluster
    choices = (
        None
        if assessment.kind == Assessment.Kind.SHADOW
        else _trackable_institutions(request.user, assessment.country)
    )
    form = AssessmentForm(
        request.POST or None, request.FILES or None, instance=assessment, institutions=choices
    )
    if request.method == "POST" and form.is_valid():
        services.assessment_update(
            actor=request.user,
            assessment=Assessment.objects.get(pk=pk),
            data=form.cleaned_data,
        )
        messages.success(request, _("The assessment was updated."))
        return redirect(subject)
    return _form_page(
        request, title=_("Update the assessment"), form=form, back=subject.get_absolute_url()
    )


@login_required
def indicator_list(request):
    policy.require(request.user, Do.LIST, TrackingIndicator)
    indicators = policy.scope(request.user, TrackingIndicator.objects.all(), Do.LIST)
    return render(
        request,
        "recommendations/indicators.html",
        {
            "overdue": selectors.overdue_indicators(user=request.user),
            "indicators": indicators.select_related(
                "recommendation__mechanism", "cluster", "institution"
            ),
            "report_form": IndicatorReportForm(),
            "can_report": bool(actor_for(request.user).rco_countries),
        },
    )


@login_required
def indicator_create(request, kind: str, pk: int):
    subject = _subject(request, kind, pk)
    if subject.country not in _rco_countries(request) and not request.user.is_superuser:
        raise PermissionDenied
    form = IndicatorForm(request.POST or None, country=subject.country)
    if request.method == "POST" and form.is_valid():
        services.indicator_save(
            actor=request.user,
            country=subject.country,
            data={**form.cleaned_data, kind: subject},
        )
        messages.success(request, _("The indicator was added."))
        return redirect(subject)
    return _form_page(
        request, title=_("Add an indicator"), form=form, back=subject.get_absolute_url()
    )


@login_required
@require_POST
def indicator_report(request, pk: int):
    indicator = policy.get_object_or_404(request.user, TrackingIndicator, Do.CHANGE, pk=pk)
    form = IndicatorReportForm(request.POST)
    if form.is_valid():
        services.indicator_report(
            actor=request.user,
            indicator=indicator,
            value=form.cleaned_data["value"],
            reported_on=form.cleaned_data["reported_on"],
        )
        messages.success(
            request, _("The report was recorded; next due %(d)s.") % {"d": indicator.next_due}
        )
    else:
        messages.error(request, _("Give the value reported."))
    return redirect("recommendations:indicator_list")
